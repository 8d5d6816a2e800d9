// Rule: `copy_` needs the source to equal (or broadcast onto) the destination's shape.
use typetensor::{Rank2, Tensor};

fn main() {
    let mut dst = Tensor::<Rank2<2, 3>>::zeros();
    let src = Tensor::<Rank2<3, 2>>::ones();
    dst.copy_(&src);
}
