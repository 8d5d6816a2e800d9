// Rule: `copy_` keeps the destination's element type; convert the source with `to_dtype` first.
use typetensor::{Rank2, Tensor};

fn main() {
    let mut dst = Tensor::<Rank2<2, 3>>::zeros();
    let src = Tensor::<Rank2<2, 3>, f64>::ones();
    dst.copy_(&src);
}
