// Rule: a dilated kernel spans D * (K - 1) + 1 positions: 3 taps with dilation 4 span 9, more than 5 + 2 * 1.
use typetensor::ops::conv::ConvOpts;
use typetensor::{Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<1, 2, 5, 5>>::zeros();
    let w = Tensor::<Rank4<4, 2, 3, 3>>::zeros();
    let _y = x.conv2d_with(&w, None, ConvOpts::<1, 1, 4>);
}
