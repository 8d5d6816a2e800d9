//! Lesson stage 9: the network as `nn.Sequential`, with `MSELoss(reduction='sum')` and a
//! manual update over `model.parameters()`.
//!
//! Run: `cargo run --release --example 09_nn_sequential` (add `--features cuda` and
//! `-- --device cuda` to train on the GPU).
use typetensor::autograd::no_grad;
use typetensor::nn::{
    self, Linear, MSELoss, Module, Parameters, ReLU, Reduction, Sequential, ToDevice,
};
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

/// The lesson's loop; calls `report(it, loss)` each iteration.
pub fn train<const N: usize, const D_IN: usize, const H: usize, const D_OUT: usize, Dev: Device>(
    model: &mut Model<D_IN, H, D_OUT, Dev>,
    x: &Tensor<Rank2<N, D_IN>, f32, Dev>,
    y: &Tensor<Rank2<N, D_OUT>, f32, Dev>,
    iterations: usize,
    mut report: impl FnMut(usize, f32),
) {
    let loss_fn = MSELoss::new(Reduction::Sum); // nn.MSELoss(reduction='sum')
    let learning_rate = 1e-6f32;
    for it in 0..iterations {
        // Forward pass
        let y_pred = model.forward(x); // model.forward()

        // compute loss
        let loss = loss_fn.forward(&y_pred, y); // computation graph
        report(it, loss.item());

        // Backward pass
        loss.backward();

        // update weights of w1 and w2
        no_grad(|| {
            for param in model.parameters_mut() {
                param.tensor.sub_scaled_grad_(learning_rate); // param -= learning_rate * param.grad
            }
        });

        model.zero_grad();
    }
}

pub fn main() {
    match device::device_arg() {
        device::DeviceArg::Cpu => run(&Cpu),
        device::DeviceArg::Cuda(cuda) => run(&cuda),
    }
}

/// The stage on `device`.
pub fn run<Dev: Device>(device: &Dev) {
    println!("== 9. nn ==\n");
    manual_seed(9);
    let x = Tensor::<Rank2<64, 1000>>::randn().to_device(device);
    let y = Tensor::<Rank2<64, 10>>::randn().to_device(device);

    let mut model: Model<1000, 100, 10> =
        Sequential::new((Linear::no_bias(), ReLU, Linear::no_bias()));
    nn::init::normal_(&mut model.layers.0.weight, 0.0, 1.0); // torch.nn.init.normal_(model[0].weight)
    nn::init::normal_(&mut model.layers.2.weight, 0.0, 1.0);
    println!("{model:?}\n");
    let mut model = model.to_device(device); // model = model.to(device) (model.cuda())

    train(&mut model, &x, &y, 500, |it, loss| {
        println!("{it} {}", PyFloat(loss.into()))
    });
    println!(
        "\n>>> model[0].weight\nParameter containing:\n{}\n",
        model.layers.0.weight
    );
}
