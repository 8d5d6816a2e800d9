// Rule: `-=` needs the right side to equal (or broadcast onto) the left's shape.
use typetensor::{Rank2, Tensor};

fn main() {
    let mut w1 = Tensor::<Rank2<1000, 100>>::randn();
    let grad_w1 = Tensor::<Rank2<100, 1000>>::randn();
    let learning_rate = 1e-6f32;
    w1 -= learning_rate * &grad_w1;
}
