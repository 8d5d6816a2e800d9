//! `torch.nn.init`: fill parameters in place, without recording the fill (PyTorch's init
//! functions run under `no_grad` too).
use crate::autograd::no_grad;
use crate::device::Cpu;
use crate::dtype::FloatDtype;
use crate::shape::Shape;
use crate::tensor::{Tensor, expect_device};

/// `torch.nn.init.normal_(t, mean, std)`: samples from N(mean, std²).
///
/// ```
/// use typetensor::nn::{init, Linear};
/// let mut layer = Linear::<1000, 100>::no_bias();
/// init::normal_(&mut layer.weight, 0.0, 1.0); // torch.nn.init.normal_(model[0].weight)
/// assert!(layer.weight.requires_grad());
/// ```
pub fn normal_<S: Shape, E: FloatDtype>(t: &mut Tensor<S, E, Cpu>, mean: E, std: E) {
    no_grad(|| {
        let new = t.randn_like().mul_scalar(std).add_scalar(mean);
        expect_device(t.assign(new));
    });
}

/// `torch.nn.init.uniform_(t, a, b)`: samples from U[a, b).
pub fn uniform_<S: Shape, E: FloatDtype>(t: &mut Tensor<S, E, Cpu>, a: E, b: E) {
    no_grad(|| {
        let new = t.rand_like().mul_scalar(b - a).add_scalar(a);
        expect_device(t.assign(new));
    });
}

/// `torch.nn.init.constant_(t, value)`.
pub fn constant_<S: Shape, E: FloatDtype>(t: &mut Tensor<S, E, Cpu>, value: E) {
    no_grad(|| {
        let new = t.full_like(value);
        expect_device(t.assign(new));
    });
}

/// `torch.nn.init.zeros_(t)`.
pub fn zeros_<S: Shape, E: FloatDtype>(t: &mut Tensor<S, E, Cpu>) {
    constant_(t, E::zero());
}
