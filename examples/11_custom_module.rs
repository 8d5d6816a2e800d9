//! Lesson stage 11: a custom module. `TwoLayerNet` is a plain struct; its `forward` is
//! written by hand, and one line (`parameters!`) shows its parameters to the optimizer.
//!
//! Run: `cargo run --release --example 11_custom_module`
use typetensor::PyFloat;
use typetensor::nn::{Linear, MSELoss, Module, Reduction};
use typetensor::optim::{Adam, Optimizer};
use typetensor::prelude::*;

/// `class TwoLayerNet(torch.nn.Module)`: the sizes are part of the type, so a forward pass
/// with the wrong input shape does not compile.
pub struct TwoLayerNet<const D_IN: usize, const H: usize, const D_OUT: usize> {
    /// `self.linear1 = torch.nn.Linear(D_in, H, bias=False)`
    pub linear1: Linear<D_IN, H>,
    /// `self.linear2 = torch.nn.Linear(H, D_out, bias=False)`
    pub linear2: Linear<H, D_OUT>,
}

// The one line that shows the parameters to optimizers (PyTorch finds them by reflection).
typetensor::parameters!(impl[const D_IN: usize, const H: usize, const D_OUT: usize] TwoLayerNet<D_IN, H, D_OUT> { linear1, linear2 });

impl<const D_IN: usize, const H: usize, const D_OUT: usize> TwoLayerNet<D_IN, H, D_OUT> {
    /// `TwoLayerNet(D_in, H, D_out)`, with PyTorch's default initialisation.
    pub fn new() -> Self {
        TwoLayerNet {
            linear1: Linear::no_bias(),
            linear2: Linear::no_bias(),
        }
    }
}

impl<const D_IN: usize, const H: usize, const D_OUT: usize> Default
    for TwoLayerNet<D_IN, H, D_OUT>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const D_IN: usize, const H: usize, const D_OUT: usize>
    Module<&Tensor<Rank2<N, D_IN>>> for TwoLayerNet<D_IN, H, D_OUT>
{
    type Output = Tensor<Rank2<N, D_OUT>>;

    fn forward(&self, x: &Tensor<Rank2<N, D_IN>>) -> Self::Output {
        self.linear2.forward(self.linear1.forward(x).clamp_min(0.0))
    }
}

/// The lesson's loop: calls `report(it, loss)` each iteration.
pub fn train<const N: usize, const D_IN: usize, const H: usize, const D_OUT: usize>(
    model: &mut TwoLayerNet<D_IN, H, D_OUT>,
    x: &Tensor<Rank2<N, D_IN>>,
    y: &Tensor<Rank2<N, D_OUT>>,
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
    println!("== 11. Custom nn Modules ==\n");
    manual_seed(11);
    let x = Tensor::<Rank2<64, 1000>>::randn();
    let y = Tensor::<Rank2<64, 10>>::randn();
    let mut model = TwoLayerNet::<1000, 100, 10>::new(); // model = TwoLayerNet(D_in, H, D_out)
    train(&mut model, &x, &y, 500, |it, loss| {
        println!("{it} {}", PyFloat(loss.into()))
    });
    println!();
}
