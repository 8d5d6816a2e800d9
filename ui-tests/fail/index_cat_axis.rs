// Rule: `cat` along a dimension the shapes do not have (dimension 2 of a `Rank2`).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<2, 3>>::zeros();
    let y = Tensor::<Rank2<2, 3>>::zeros();
    let _z = x.cat::<2, _>(&y);
}
