// Rule: an ill-chained Sequential cannot be built: a struct field may name its type, and the error is where it is built (once, at `Sequential::new`).
use typetensor::nn::{Linear, Sequential, Tanh};

struct Model {
    _net: Sequential<(Linear<4, 3>, Tanh, Linear<2, 1>)>,
}

fn main() {
    let _m = Model {
        _net: Sequential::new((Linear::new(), Tanh, Linear::new())),
    };
}
