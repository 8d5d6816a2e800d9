// Rule: `LayerNorm<H>` normalizes over a last dimension of size H (8 is not 10).
use typetensor::nn::{LayerNorm, Module};
use typetensor::{Rank2, Tensor};

fn main() {
    let ln = LayerNorm::<10>::new();
    let x = Tensor::<Rank2<4, 8>>::zeros();
    let _y = ln.forward(&x);
}
