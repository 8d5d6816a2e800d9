//! `torch.nn.functional`: the stateless activations, losses and regularisers, as functions
//! of tensors. `use typetensor::nn::functional as F;` reads like PyTorch's
//! `import torch.nn.functional as F`.
//!
//! Ops that PyTorch also has as tensor methods (`softmax`, `log_softmax`, `logsumexp`,
//! `gather`, `scatter_add`) are methods here too; the functions below call them.
use crate::Result;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::ops::unary::FloatUnaryOp;
use crate::shape::Shape;
use crate::tensor::{Tensor, expect_device};

/// `gelu`'s `approximate` argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GeluApproximate {
    /// `approximate='none'` (the default): `x Φ(x)` with the exact normal CDF (`erf`).
    #[default]
    None,
    /// `approximate='tanh'`: `0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))`.
    Tanh,
}

/// `F.gelu(x)`: `x Φ(x)`, with `Φ` the standard normal CDF.
///
/// ```
/// use typetensor::nn::functional as F;
/// use typetensor::tensor;
/// let y = F::gelu(&tensor([-1.0f32, 0.0, 1.0])); // F.gelu(x)
/// assert!((y.to_vec()[2] - 0.841_344_7).abs() < 1e-6);
/// ```
pub fn gelu<S: Shape, E: FloatDtype, D: Device>(x: &Tensor<S, E, D>) -> Tensor<S, E, D> {
    gelu_with(x, GeluApproximate::None)
}

/// `F.gelu(x, approximate=...)`.
///
/// ```
/// use typetensor::nn::functional::{self as F, GeluApproximate};
/// use typetensor::tensor;
/// let y = F::gelu_with(&tensor([1.0f64]), GeluApproximate::Tanh); // approximate='tanh'
/// assert!((y.item() - 0.841_191_990_607_9).abs() < 1e-12);
/// ```
pub fn gelu_with<S: Shape, E: FloatDtype, D: Device>(
    x: &Tensor<S, E, D>,
    approximate: GeluApproximate,
) -> Tensor<S, E, D> {
    expect_device(try_gelu_with(x, approximate))
}

/// [`gelu_with`] with device errors returned.
pub fn try_gelu_with<S: Shape, E: FloatDtype, D: Device>(
    x: &Tensor<S, E, D>,
    approximate: GeluApproximate,
) -> Result<Tensor<S, E, D>> {
    x.try_unary_float(match approximate {
        GeluApproximate::None => FloatUnaryOp::Gelu,
        GeluApproximate::Tanh => FloatUnaryOp::GeluTanh,
    })
}

/// `F.leaky_relu(x, negative_slope)`: `x` where `x > 0`, else `negative_slope * x`
/// (PyTorch's default slope is 0.01). Its gradient at 0 is `negative_slope`, as PyTorch's.
///
/// ```
/// use typetensor::nn::functional as F;
/// use typetensor::tensor;
/// let y = F::leaky_relu(&tensor([-2.0f32, 3.0]), 0.01); // F.leaky_relu(x, 0.01)
/// assert_eq!(y.to_vec(), vec![-0.02, 3.0]);
/// ```
pub fn leaky_relu<S: Shape, E: FloatDtype, D: Device>(
    x: &Tensor<S, E, D>,
    negative_slope: E,
) -> Tensor<S, E, D> {
    expect_device(try_leaky_relu(x, negative_slope))
}

/// [`leaky_relu`] with device errors returned.
pub fn try_leaky_relu<S: Shape, E: FloatDtype, D: Device>(
    x: &Tensor<S, E, D>,
    negative_slope: E,
) -> Result<Tensor<S, E, D>> {
    x.try_unary_float(FloatUnaryOp::LeakyRelu(negative_slope))
}
