// Rule: nn.BCEWithLogitsLoss compares logits and targets of the same shape ([32, 3], not [32, 1]).
use typetensor::nn::BCEWithLogitsLoss;
use typetensor::{Rank2, Tensor};

fn main() {
    let logits = Tensor::<Rank2<32, 3>>::randn();
    let target = Tensor::<Rank2<32, 1>>::ones();
    let _loss = BCEWithLogitsLoss::new().forward(&logits, &target);
}
