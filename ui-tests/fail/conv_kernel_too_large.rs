// Rule: a convolution's kernel must fit in the padded input: a 5x5 kernel over a 3x3 image.
use typetensor::nn::{Conv2d, Module};
use typetensor::{Rank4, Tensor};

fn main() {
    let conv1 = Conv2d::<1, 6, 5>::new();
    let _y = conv1.forward(&Tensor::<Rank4<4, 1, 3, 3>>::zeros());
}
