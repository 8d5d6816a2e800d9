// Rule: in a Sequential, each Linear's input features equal the previous Linear's outputs.
use typetensor::nn::{Linear, ReLU, Sequential};

fn main() {
    let _model = Sequential::new((Linear::<1000, 100>::no_bias(), ReLU, Linear::<99, 10>::no_bias()));
}
