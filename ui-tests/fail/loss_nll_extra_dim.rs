// Rule: logits [N, C, d1] take targets [N, d1]: a [4, 10, 7] against [4, 8] does not fit.
use typetensor::nn::functional as F;
use typetensor::{Rank2, Rank3, Tensor};

fn main() {
    let logp = Tensor::<Rank3<4, 10, 7>>::randn().log_softmax::<1>();
    let target = Tensor::<Rank2<4, 8>, i64>::zeros();
    let _loss = F::nll_loss(&logp, &target);
}
