// Rule: a Linear<I, O> takes inputs with I features.
use typetensor::nn::{Linear, Module};
use typetensor::{Rank2, Tensor};

fn main() {
    let layer = Linear::<1000, 100>::new();
    let x = Tensor::<Rank2<64, 999>>::zeros();
    let _y = layer.forward(&x);
}
