// Rule: check-time arithmetic names a computed size it cannot represent: a padded 3x3 convolution over 4096 gives 4098.
use typetensor::ops::conv::ConvOpts;
use typetensor::{Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<1, 1, 4096, 4096>>::zeros();
    let w = Tensor::<Rank4<1, 1, 3, 3>>::zeros();
    let _y = x.conv2d_with(&w, None, ConvOpts::<1, 2>);
}
