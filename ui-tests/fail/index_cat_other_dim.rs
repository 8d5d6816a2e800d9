// Rule: `cat` along dimension 0 needs the other dimensions equal (3 columns vs 4).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<2, 3>>::zeros();
    let y = Tensor::<Rank2<2, 4>>::zeros();
    let _z = x.cat::<0, _>(&y);
}
