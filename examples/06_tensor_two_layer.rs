//! Lesson stage 6: the same network with typetensor tensors and hand-written gradients.
//! `train` is generic over every size and needs no where-clauses: the shapes check.
//!
//! Run: `cargo run --release --example 06_tensor_two_layer` (add `--features cuda` and
//! `-- --device cuda` to train on the GPU).
use typetensor::prelude::*;
use typetensor::{Device, PyFloat};

// Shared by the network stages; `lesson` (and the tests) include several of them.
#[allow(clippy::duplicate_mod)]
#[path = "support/device.rs"]
mod device;

/// The lesson's loop; calls `report(it, loss)` each iteration and returns (w1, w2).
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
        let h = x.mm(&w1); // N * H
        let h_relu = h.clamp_min(0.0); // N * H
        let y_pred = h_relu.mm(&w2); // N * D_out

        // compute loss
        let loss = (&y_pred - y).pow(2.0).sum().item();
        report(it, loss);

        // Backward pass
        let grad_y_pred = 2.0 * (&y_pred - y);
        let grad_w2 = h_relu.t().mm(&grad_y_pred);
        let grad_h_relu = grad_y_pred.mm(&w2.t());
        let mut grad_h = grad_h_relu.clone();
        grad_h.masked_fill_(&h.lt_scalar(0.0), 0.0); // grad_h[h < 0] = 0
        let grad_w1 = x.t().mm(&grad_h);

        // update weights of w1 and w2
        w1 -= learning_rate * &grad_w1;
        w2 -= learning_rate * &grad_w2;
    }
    (w1, w2)
}

pub fn main() {
    match device::device_arg() {
        device::DeviceArg::Cpu => run(&Cpu),
        device::DeviceArg::Cuda(cuda) => run(&cuda),
    }
}

/// The stage on `device` (`device = torch.device("cuda")`; the data is made on the CPU with
/// the same seed, then moved, so both devices train from the same numbers).
pub fn run<Dev: Device>(device: &Dev) {
    println!("== 6. Tensors with hand-written gradients ==\n");
    manual_seed(6);
    let x = Tensor::<Rank2<64, 1000>>::randn().to_device(device);
    let y = Tensor::<Rank2<64, 10>>::randn().to_device(device);
    let w1 = Tensor::<Rank2<1000, 100>>::randn().to_device(device);
    let w2 = Tensor::<Rank2<100, 10>>::randn().to_device(device);
    train(&x, &y, w1, w2, 500, |it, loss| {
        println!("{it} {}", PyFloat(loss.into()))
    });
    println!();
}
