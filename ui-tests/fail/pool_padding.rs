// Rule: pooling padding is at most half the window (PyTorch: "pad should be at most half of effective kernel size").
use typetensor::ops::pool::PoolOpts;
use typetensor::{Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<2, 6, 8, 8>>::zeros();
    let _y = x.max_pool2d_with(PoolOpts::<2, 2, 2>);
}
