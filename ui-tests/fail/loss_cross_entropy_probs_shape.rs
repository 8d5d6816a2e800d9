// Rule: class-probability targets must have the logits' shape ([64, 10], not [64, 5]).
use typetensor::nn::functional as F;
use typetensor::{Rank2, Tensor};

fn main() {
    let logits = Tensor::<Rank2<64, 10>>::randn();
    let probs = Tensor::<Rank2<64, 5>>::rand();
    let _loss = F::cross_entropy_probs(&logits, &probs);
}
