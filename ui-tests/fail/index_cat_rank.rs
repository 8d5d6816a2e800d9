// Rule: `cat` needs tensors of the same rank.
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<2, 3>>::zeros();
    let y = Tensor::<Rank1<3>>::zeros();
    let _z = x.cat::<0, _>(&y);
}
