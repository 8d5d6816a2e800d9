// Rule: a convolution's stride is at least 1 (PyTorch: "non-positive stride is not supported").
use typetensor::ops::conv::ConvOpts;
use typetensor::{Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<1, 1, 8, 8>>::zeros();
    let w = Tensor::<Rank4<1, 1, 3, 3>>::zeros();
    let _y = x.conv2d_with(&w, None, ConvOpts::<0>);
}
