// Rule: nn.L1Loss compares a prediction and a target of the same shape ([16, 4], not [4, 16]).
use typetensor::nn::L1Loss;
use typetensor::{Rank2, Tensor};

fn main() {
    let y_pred = Tensor::<Rank2<16, 4>>::randn();
    let y = Tensor::<Rank2<4, 16>>::randn();
    let _loss = L1Loss::new().forward(&y_pred, &y);
}
