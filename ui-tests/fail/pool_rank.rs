// Rule: 2-D pooling takes [N, C, H, W] or [C, H, W]; a matrix has no channels.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<8, 8>>::zeros();
    let _y = x.avg_pool2d::<2>();
}
