//! Lesson stage 11: a custom module. `TwoLayerNet` is a plain struct with
//! `#[derive(Module)]`; its `forward` is written by hand.
//!
//! Run: `cargo run --release --example 11_custom_module` (add `--features cuda` and
//! `-- --device cuda` to train on the GPU).
use typetensor::nn::{Linear, MSELoss, Module, Reduction, ToDevice};
use typetensor::optim::{Adam, Optimizer};
use typetensor::prelude::*;
use typetensor::{Device, PyFloat};

// Shared by the network stages; `lesson` (and the tests) include several of them.
#[allow(clippy::duplicate_mod)]
#[path = "support/device.rs"]
mod device;

/// `class TwoLayerNet(torch.nn.Module)`: the sizes are part of the type, so a forward pass
/// with the wrong input shape does not compile. `Dev` is the device its parameters live on.
/// The derive gives what `nn.Module` gives by reflection: `parameters()` (named
/// `linear1.weight`, …), `zero_grad()`, `train()`/`eval()`, `print(model)` and `model.to(device)`.
#[derive(Module)]
pub struct TwoLayerNet<const D_IN: usize, const H: usize, const D_OUT: usize, Dev: Device = Cpu> {
    /// `self.linear1 = torch.nn.Linear(D_in, H, bias=False)`
    pub linear1: Linear<D_IN, H, f32, Dev>,
    /// `self.linear2 = torch.nn.Linear(H, D_out, bias=False)`
    pub linear2: Linear<H, D_OUT, f32, Dev>,
}

impl<const N: usize, const D_IN: usize, const H: usize, const D_OUT: usize, Dev: Device>
    Module<&Tensor<Rank2<N, D_IN>, f32, Dev>> for TwoLayerNet<D_IN, H, D_OUT, Dev>
{
    type Output = Tensor<Rank2<N, D_OUT>, f32, Dev>;

    fn forward(&self, x: &Tensor<Rank2<N, D_IN>, f32, Dev>) -> Self::Output {
        self.linear2.forward(self.linear1.forward(x).clamp_min(0.0))
    }
}

/// The lesson's loop: calls `report(it, loss)` each iteration.
pub fn train<const N: usize, const D_IN: usize, const H: usize, const D_OUT: usize, Dev: Device>(
    model: &mut TwoLayerNet<D_IN, H, D_OUT, Dev>,
    x: &Tensor<Rank2<N, D_IN>, f32, Dev>,
    y: &Tensor<Rank2<N, D_OUT>, f32, Dev>,
    iterations: usize,
    mut report: impl FnMut(usize, f32),
) {
    let loss_fn = MSELoss::new(Reduction::Sum);
    let learning_rate = 1e-4;
    let mut optimizer = Adam::new(learning_rate); // torch.optim.Adam(model.parameters(), lr=learning_rate)
    // The three lines of every training step, in this order:
    // 1. optimizer.zero_grad()  2. loss.backward()  3. optimizer.step()
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

pub fn main() {
    match device::device_arg() {
        device::DeviceArg::Cpu => run(&Cpu),
        device::DeviceArg::Cuda(cuda) => run(&cuda),
    }
}

/// The stage on `device`.
pub fn run<Dev: Device>(device: &Dev) {
    println!("== 11. Custom nn Modules ==\n");
    manual_seed(11);
    let x = Tensor::<Rank2<64, 1000>>::randn().to_device(device);
    let y = Tensor::<Rank2<64, 10>>::randn().to_device(device);
    // model = TwoLayerNet(D_in, H, D_out)
    let model = TwoLayerNet::<1000, 100, 10> {
        linear1: Linear::no_bias(), // torch.nn.Linear(D_in, H, bias=False)
        linear2: Linear::no_bias(),
    };
    let mut model = model.to_device(device); // model.to(device)
    train(&mut model, &x, &y, 500, |it, loss| {
        println!("{it} {}", PyFloat(loss.into()))
    });
    println!();
}
