// Rule: `Flatten` needs concrete non-batch sizes to know its output's features at `cargo check` (the batch N may be generic).
use typetensor::nn::{Flatten, Module};
use typetensor::{Rank3, Tensor};

fn flatten<const N: usize, const A: usize>(x: &Tensor<Rank3<N, A, 4>>) {
    let _y = Flatten.forward(x);
}

fn main() {
    flatten::<2, 3>(&Tensor::zeros());
}
