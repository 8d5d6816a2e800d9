// Rule: a run-time batch keeps the feature check: `Linear<10, 5>` on a `Rank2<DYN, 9>` batch does not compile.
use typetensor::nn::{Linear, Module};
use typetensor::{DYN, Rank2, Tensor};

fn main() {
    let layer = Linear::<10, 5>::new();
    let x = Tensor::<Rank2<DYN, 9>>::zeros_dims(&[3, 9]).unwrap();
    let _y = layer.forward(&x);
}
