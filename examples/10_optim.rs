//! Lesson stage 10: `optim` updates the parameters (`SGD`, and the lesson's commented-out
//! `Adam`): `optimizer.zero_grad()`, `loss.backward()`, `optimizer.step()`.
//!
//! Run: `cargo run --release --example 10_optim` (add `--features cuda` and
//! `-- --device cuda` to train on the GPU).
use typetensor::nn::{self, Linear, MSELoss, Module, ReLU, Reduction, Sequential, ToDevice};
use typetensor::optim::{Adam, Optimizer, SGD};
use typetensor::prelude::*;
use typetensor::{Device, PyFloat};

// Shared by the network stages; `lesson` (and the tests) include several of them.
#[allow(clippy::duplicate_mod)]
#[path = "support/device.rs"]
mod device;

/// The lesson's model: `Linear(D_in, H, bias=False), ReLU(), Linear(H, D_out, bias=False)`,
/// on device `Dev` (the CPU unless named).
pub type Model<const D_IN: usize, const H: usize, const D_OUT: usize, Dev = Cpu> =
    Sequential<(Linear<D_IN, H, f32, Dev>, ReLU, Linear<H, D_OUT, f32, Dev>)>;

/// The lesson's loop with any optimizer; calls `report(it, loss)` each iteration.
pub fn train<const N: usize, const D_IN: usize, const H: usize, const D_OUT: usize, Dev: Device>(
    model: &mut Model<D_IN, H, D_OUT, Dev>,
    optimizer: &mut impl Optimizer<f32, Dev>,
    x: &Tensor<Rank2<N, D_IN>, f32, Dev>,
    y: &Tensor<Rank2<N, D_OUT>, f32, Dev>,
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
    match device::device_arg() {
        device::DeviceArg::Cpu => run(&Cpu),
        device::DeviceArg::Cuda(cuda) => run(&cuda),
    }
}

/// The stage on `device`.
pub fn run<Dev: Device>(device: &Dev) {
    println!("== 10. optim ==\n");
    manual_seed(10);
    let x = Tensor::<Rank2<64, 1000>>::randn().to_device(device);
    let y = Tensor::<Rank2<64, 10>>::randn().to_device(device);

    let mut model = normal_model().to_device(device); // model.to(device)
    let learning_rate = 1e-6;
    let mut optimizer = SGD::new(learning_rate); // torch.optim.SGD(model.parameters(), lr=learning_rate)
    train(&mut model, &mut optimizer, &x, &y, 500, |it, loss| {
        println!("{it} {}", PyFloat(loss.into()))
    });

    println!("\n-- the same with Adam (learning_rate = 1e-4) --\n");
    let mut model = normal_model().to_device(device);
    let mut optimizer = Adam::new(1e-4); // torch.optim.Adam(model.parameters(), lr=learning_rate)
    train(&mut model, &mut optimizer, &x, &y, 500, |it, loss| {
        println!("{it} {}", PyFloat(loss.into()))
    });
    println!();
}
