// Rule: even naming an ill-chained Sequential type (a struct field) is an error.
use typetensor::nn::{Linear, Sequential, Tanh};

struct Model {
    _net: Sequential<(Linear<4, 3>, Tanh, Linear<2, 1>)>,
}

fn main() {}
