// Rule: class-index targets must have the logits' batch size: logits [64, 10] take targets [64], not [32].
use typetensor::nn::functional as F;
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let logits = Tensor::<Rank2<64, 10>>::randn();
    let target = Tensor::<Rank1<32>, i64>::zeros();
    let _loss = F::cross_entropy(&logits, &target);
}
