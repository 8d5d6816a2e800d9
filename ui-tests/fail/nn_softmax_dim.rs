// Rule: nn.Softmax(dim=DIM) needs dimension DIM to exist (a `Rank2` has dimensions 0 and 1).
use typetensor::nn::{Module, Softmax};
use typetensor::{Rank2, Tensor};

fn main() {
    let softmax = Softmax::<2>;
    let x = Tensor::<Rank2<4, 10>>::randn();
    let _p = softmax.forward(&x);
}
