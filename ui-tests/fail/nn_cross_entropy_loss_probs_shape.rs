// Rule: nn.CrossEntropyLoss's class-probability targets have the logits' shape ([64, 10], not [64, 5]).
use typetensor::nn::CrossEntropyLoss;
use typetensor::{Rank2, Tensor};

fn main() {
    let loss_fn = CrossEntropyLoss::new().label_smoothing(0.1);
    let logits = Tensor::<Rank2<64, 10>>::randn();
    let probs = Tensor::<Rank2<64, 5>>::rand();
    let _loss = loss_fn.forward_probs(&logits, &probs);
}
