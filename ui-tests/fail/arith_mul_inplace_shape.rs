// Rule: `mul_` needs the right side to equal (or broadcast onto) the left's shape.
use typetensor::{Rank2, Tensor};

fn main() {
    let mut x = Tensor::<Rank2<2, 3>>::ones();
    let y = Tensor::<Rank2<3, 2>>::ones();
    x.mul_(&y);
}
