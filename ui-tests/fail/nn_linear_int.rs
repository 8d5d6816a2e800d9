// Rule: layers hold floating-point parameters only: a `Linear` of `i64` is rejected.
use typetensor::nn::Linear;

fn main() {
    let _layer = Linear::<4, 3, i64>::new();
}
