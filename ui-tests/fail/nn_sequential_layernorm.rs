// Rule: in a Sequential, a `LayerNorm<H>` after a `Linear<I, O>` needs H equal to O.
use typetensor::nn::{LayerNorm, Linear, Sequential};

fn main() {
    let _model = Sequential::new((Linear::<8, 16>::new(), LayerNorm::<10>::new()));
}
