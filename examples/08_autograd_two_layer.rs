//! Lesson stage 8: the two-layer network with autograd computing the gradients.
//!
//! Run: `cargo run --release --example 08_autograd_two_layer` (add `--features cuda` and
//! `-- --device cuda` to train on the GPU).
use typetensor::autograd::no_grad;
use typetensor::prelude::*;
use typetensor::{Device, PyFloat};

// Shared by the network stages; `lesson` (and the tests) include several of them.
#[allow(clippy::duplicate_mod)]
#[path = "support/device.rs"]
mod device;

/// The lesson's loop; `w1` and `w2` must require grad. Calls `report(it, loss)` each
/// iteration and returns (w1, w2).
pub fn train<const N: usize, const D_IN: usize, const H: usize, const D_OUT: usize, Dev: Device>(
    x: &Tensor<Rank2<N, D_IN>, f32, Dev>,
    y: &Tensor<Rank2<N, D_OUT>, f32, Dev>,
    mut w1: Tensor<Rank2<D_IN, H>, f32, Dev>,
    mut w2: Tensor<Rank2<H, D_OUT>, f32, Dev>,
    iterations: usize,
    mut report: impl FnMut(usize, f32),
) -> (
    Tensor<Rank2<D_IN, H>, f32, Dev>,
    Tensor<Rank2<H, D_OUT>, f32, Dev>,
) {
    let learning_rate = 1e-6f32;
    for it in 0..iterations {
        // Forward pass
        let y_pred = x.mm(&w1).clamp_min(0.0).mm(&w2);

        // compute loss
        let loss = (&y_pred - y).pow(2.0).sum(); // computation graph
        report(it, loss.item());

        // Backward pass
        loss.backward();

        // update weights of w1 and w2
        no_grad(|| {
            w1 -= learning_rate * &w1.grad().unwrap(); // w1 -= learning_rate * w1.grad
            w2 -= learning_rate * &w2.grad().unwrap();
            // w1.grad.zero_(): `w1.grad().unwrap().zero_()` does exactly that; setting the
            // gradient to None instead skips a pass of zeros (PyTorch's own `zero_grad()`).
            w1.zero_grad();
            w2.zero_grad();
        });
    }
    (w1, w2)
}

pub fn main() {
    match device::device_arg() {
        device::DeviceArg::Cpu => run(&Cpu),
        device::DeviceArg::Cuda(cuda) => run(&cuda),
    }
}

/// The stage on `device`: the lesson's `torch.randn(..., device=device, requires_grad=True)`
/// (made on the CPU with the same seed, moved, then marked as leaves).
pub fn run<Dev: Device>(device: &Dev) {
    println!("== 8. Tensors and autograd ==\n");
    manual_seed(8);
    let x = Tensor::<Rank2<64, 1000>>::randn().to_device(device);
    let y = Tensor::<Rank2<64, 10>>::randn().to_device(device);
    let w1 = Tensor::<Rank2<1000, 100>>::randn()
        .to_device(device)
        .requires_grad_();
    let w2 = Tensor::<Rank2<100, 10>>::randn()
        .to_device(device)
        .requires_grad_();
    train(&x, &y, w1, w2, 500, |it, loss| {
        println!("{it} {}", PyFloat(loss.into()))
    });
    println!();
}
