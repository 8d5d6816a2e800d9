// Rule: average pooling has no dilation (as PyTorch's avg_pool2d): `PoolOpts` with dilation 2 is refused.
use typetensor::ops::pool::PoolOpts;
use typetensor::{Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<1, 1, 8, 8>>::zeros();
    let _y = x.avg_pool2d_with(PoolOpts::<2, 2, 0, 2>);
}
