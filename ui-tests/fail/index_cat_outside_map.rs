// Rule: check-time `cat` needs the joined size in typenum's map: 1000 + 1000 = 2000 is not.
use typetensor::{Rank1, Tensor};

fn main() {
    let x = Tensor::<Rank1<1000>>::zeros();
    let y = Tensor::<Rank1<1000>>::ones();
    let _z = x.cat::<0, _>(&y);
}
