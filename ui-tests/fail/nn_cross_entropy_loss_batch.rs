// Rule: nn.CrossEntropyLoss takes class indices with the logits' batch size: logits [64, 10] take targets [64], not [32].
use typetensor::nn::CrossEntropyLoss;
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let loss_fn = CrossEntropyLoss::new();
    let logits = Tensor::<Rank2<64, 10>>::randn();
    let target = Tensor::<Rank1<32>, i64>::zeros();
    let _loss = loss_fn.forward(&logits, &target);
}
