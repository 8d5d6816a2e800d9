// Rule: a loss compares a prediction and a target of the same shape.
use typetensor::nn::{MSELoss, Reduction};
use typetensor::{Rank2, Tensor};

fn main() {
    let y_pred = Tensor::<Rank2<64, 10>>::zeros();
    let y = Tensor::<Rank2<64, 1>>::zeros();
    let _loss = MSELoss::new(Reduction::Sum).forward(&y_pred, &y);
}
