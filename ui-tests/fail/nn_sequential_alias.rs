// Rule: a wrong hidden size in a `Sequential` model type is one error where the model is built (and one where it runs forward), not one per use of its type name.
use typetensor::nn::{Linear, MSELoss, Module, ReLU, Reduction, Sequential};
use typetensor::optim::{Adam, Optimizer};
use typetensor::{Rank2, Tensor};

type Model = Sequential<(Linear<1000, 64>, ReLU, Linear<32, 10>)>;

fn make() -> Model {
    Sequential::new((Linear::new(), ReLU, Linear::new()))
}

fn step(model: &mut Model, opt: &mut Adam, x: &Tensor<Rank2<8, 1000>>, y: &Tensor<Rank2<8, 10>>) {
    let loss = MSELoss::new(Reduction::Mean).forward(&model.forward(x), y);
    opt.zero_grad(model);
    loss.backward();
    opt.step(model);
}

fn main() {
    let mut model: Model = make();
    let mut opt = Adam::new(1e-3);
    let (x, y) = (Tensor::randn(), Tensor::randn());
    for _ in 0..3 {
        step(&mut model, &mut opt, &x, &y);
    }
    let _same: &Model = &model;
}
