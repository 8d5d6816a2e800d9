// Rule: nn.NLLLoss's targets are the log-probabilities' shape without the class dimension: [8, 5, 3] takes [8, 3], not [8, 5].
use typetensor::nn::NLLLoss;
use typetensor::{Rank2, Rank3, Tensor};

fn main() {
    let logp = Tensor::<Rank3<8, 5, 3>>::randn().log_softmax::<1>();
    let target = Tensor::<Rank2<8, 5>, i64>::zeros();
    let _loss = NLLLoss::new().forward(&logp, &target);
}
