//! Lesson stage 10: `optim` updates the parameters (`SGD`, and the lesson's commented-out
//! `Adam`): `optimizer.zero_grad()`, `loss.backward()`, `optimizer.step()`.
//!
//! Run: `cargo run --release --example 10_optim`
use typetensor::PyFloat;
use typetensor::nn::{self, Linear, MSELoss, Module, ReLU, Reduction, Sequential};
use typetensor::optim::{Adam, Optimizer, SGD};
use typetensor::prelude::*;

/// The lesson's model: `Linear(D_in, H, bias=False), ReLU(), Linear(H, D_out, bias=False)`.
pub type Model<const D_IN: usize, const H: usize, const D_OUT: usize> =
    Sequential<(Linear<D_IN, H>, ReLU, Linear<H, D_OUT>)>;

/// The lesson's loop with any optimizer; calls `report(it, loss)` each iteration.
pub fn train<const N: usize, const D_IN: usize, const H: usize, const D_OUT: usize>(
    model: &mut Model<D_IN, H, D_OUT>,
    optimizer: &mut impl Optimizer,
    x: &Tensor<Rank2<N, D_IN>>,
    y: &Tensor<Rank2<N, D_OUT>>,
    iterations: usize,
    mut report: impl FnMut(usize, f32),
) {
    let loss_fn = MSELoss::new(Reduction::Sum); // nn.MSELoss(reduction='sum')
    for it in 0..iterations {
        // Forward pass
        let y_pred = model.forward(x); // model.forward()

        // compute loss
        let loss = loss_fn.forward(&y_pred, y); // computation graph
        report(it, loss.item());

        optimizer.zero_grad(model);
        // Backward pass
        loss.backward();

        // update model parameters
        optimizer.step(model);
    }
}

/// The lesson's model, with weights drawn from N(0, 1) as `torch.nn.init.normal_`.
pub fn normal_model() -> Model<1000, 100, 10> {
    let mut model: Model<1000, 100, 10> =
        Sequential::new((Linear::no_bias(), ReLU, Linear::no_bias()));
    nn::init::normal_(&mut model.layers.0.weight, 0.0, 1.0);
    nn::init::normal_(&mut model.layers.2.weight, 0.0, 1.0);
    model
}

pub fn main() {
    println!("== 10. optim ==\n");
    manual_seed(10);
    let x = Tensor::<Rank2<64, 1000>>::randn();
    let y = Tensor::<Rank2<64, 10>>::randn();

    let mut model = normal_model();
    let learning_rate = 1e-6;
    let mut optimizer = SGD::new(learning_rate); // torch.optim.SGD(model.parameters(), lr=learning_rate)
    train(&mut model, &mut optimizer, &x, &y, 500, |it, loss| {
        println!("{it} {}", PyFloat(loss.into()))
    });

    println!("\n-- the same with Adam (learning_rate = 1e-4) --\n");
    let mut model = normal_model();
    let mut optimizer = Adam::new(1e-4); // torch.optim.Adam(model.parameters(), lr=learning_rate)
    train(&mut model, &mut optimizer, &x, &y, 500, |it, loss| {
        println!("{it} {}", PyFloat(loss.into()))
    });
    println!();
}
