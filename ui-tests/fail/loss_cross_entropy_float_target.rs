// Rule: class-index targets are `i64` tensors (PyTorch's torch.long); float class probabilities go to `cross_entropy_probs`.
use typetensor::nn::functional as F;
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let logits = Tensor::<Rank2<8, 3>>::randn();
    let target = Tensor::<Rank1<8>>::zeros();
    let _loss = F::cross_entropy(&logits, &target);
}
