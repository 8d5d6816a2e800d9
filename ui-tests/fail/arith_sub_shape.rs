// Rule: `-` needs equal (or broadcastable) shapes.
use typetensor::{Rank2, Tensor};

fn main() {
    let y_pred = Tensor::<Rank2<64, 10>>::randn();
    let y = Tensor::<Rank2<64, 1>>::randn();
    let _loss = (&y_pred - &y).pow(2.0).sum().item();
}
