// Rule: the output size is computed in the type: a 5x5 kernel over 32x32 gives 28x28, not 32x32 (that needs padding 2).
use typetensor::nn::{Conv2d, Module};
use typetensor::{Rank4, Tensor};

fn main() {
    let conv1 = Conv2d::<1, 6, 5>::new();
    let _y: Tensor<Rank4<4, 6, 32, 32>> = conv1.forward(&Tensor::<Rank4<4, 1, 32, 32>>::zeros());
}
