// Rule: spatial sizes must be concrete at `cargo check` (the batch may be generic): a generic image height has no output size.
use typetensor::nn::{Conv2d, Module};
use typetensor::{Rank4, Tensor};

fn apply<const N: usize, const H: usize>(conv: &Conv2d<1, 6, 5>, x: &Tensor<Rank4<N, 1, H, 32>>) {
    let _y = conv.forward(x);
}

fn main() {}
