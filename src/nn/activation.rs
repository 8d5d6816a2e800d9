//! Activation layers: shape-preserving, parameter-free modules.
use std::fmt;

use crate::Result;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::nn::functional::{self, GeluApproximate};
use crate::nn::params::{Param, ParamRef, Parameters};
use crate::nn::sequential::Follows;
use crate::nn::{Module, fmt_module};
use crate::print::PyFloat;
use crate::shape::Shape;
use crate::shape::axis::DimAt;
use crate::tensor::{Tensor, expect_device};

macro_rules! activation {
    ($(#[$doc:meta])* $name:ident, $method:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default)]
        pub struct $name;

        impl<S: Shape, E: FloatDtype, D: Device> Module<Tensor<S, E, D>> for $name {
            type Output = Tensor<S, E, D>;
            fn forward(&self, x: Tensor<S, E, D>) -> Tensor<S, E, D> {
                x.$method()
            }
        }

        impl<S: Shape, E: FloatDtype, D: Device> Module<&Tensor<S, E, D>> for $name {
            type Output = Tensor<S, E, D>;
            fn forward(&self, x: &Tensor<S, E, D>) -> Tensor<S, E, D> {
                x.$method()
            }
        }

        impl<E: FloatDtype, D: Device> Parameters<E, D> for $name {
            fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
                Vec::new()
            }
            fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
                Vec::new()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}()", stringify!($name))
            }
        }
    };
}

activation!(
    /// `torch.nn.ReLU()`: `max(x, 0)`.
    ReLU, relu
);
activation!(
    /// `torch.nn.Sigmoid()`: `1 / (1 + e^-x)`.
    Sigmoid, sigmoid
);
activation!(
    /// `torch.nn.Tanh()`.
    Tanh, tanh
);

/// `Parameters` (none), `ToDevice` (the module itself) and `Training` (no mode) for a
/// module that holds no tensors and behaves the same in training and evaluation;
/// `impl[generics]` before the type for a generic one.
macro_rules! no_state {
    ($t:ty) => {
        $crate::nn::activation::no_state!(impl[] $t);
    };
    (impl[$($g:tt)*] $t:ty) => {
        impl<$($g)* E: $crate::dtype::FloatDtype, D: $crate::device::Device>
            $crate::nn::Parameters<E, D> for $t
        {
            fn parameters(&self) -> Vec<$crate::nn::ParamRef<'_, E, D>> {
                Vec::new()
            }
            fn parameters_mut(&mut self) -> Vec<$crate::nn::Param<'_, E, D>> {
                Vec::new()
            }
        }

        impl<$($g)* D2: $crate::device::Device> $crate::nn::ToDevice<D2> for $t {
            type Output = $t;
            fn try_to_device(&self, _: &D2) -> $crate::Result<$t> {
                Ok(self.clone())
            }
        }

        impl<$($g)*> $crate::nn::Training for $t {
            fn set_training(&mut self, _: bool) {}
        }
    };
}
pub(crate) use no_state;

/// `Module` for owned and borrowed inputs of every shape the method's bound allows, through
/// the module's inherent `try_forward` (a shape-preserving op).
macro_rules! shape_preserving {
    ([$($g:tt)*] $t:ty, $($bound:tt)*) => {
        impl<$($g)* S: $($bound)*, E: FloatDtype, D: Device> Module<Tensor<S, E, D>> for $t {
            type Output = Tensor<S, E, D>;
            fn forward(&self, x: Tensor<S, E, D>) -> Tensor<S, E, D> {
                expect_device(self.try_forward(&x))
            }
        }

        impl<$($g)* S: $($bound)*, E: FloatDtype, D: Device> Module<&Tensor<S, E, D>> for $t {
            type Output = Tensor<S, E, D>;
            fn forward(&self, x: &Tensor<S, E, D>) -> Tensor<S, E, D> {
                expect_device(self.try_forward(x))
            }
        }

        /// Keeps the features it is given (in a `Sequential`).
        impl<$($g)* F> Follows<F> for $t {
            type Out = F;
        }
    };
}

/// `torch.nn.GELU(approximate='none')`: `x Φ(x)` ([`F::gelu`](crate::nn::functional::gelu)).
///
/// ```
/// use typetensor::nn::{GELU, Module, functional::GeluApproximate};
/// use typetensor::tensor;
/// let gelu = GELU::new(); // nn.GELU()
/// assert!((gelu.forward(&tensor([1.0f32])).item() - 0.841_344_7).abs() < 1e-6);
/// let tanh = GELU::approximate(GeluApproximate::Tanh); // nn.GELU(approximate='tanh')
/// assert_eq!(format!("{tanh:?}"), "GELU(approximate='tanh')");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct GELU {
    /// `approximate`: the exact CDF (`None`, the default) or the tanh formula.
    pub approximate: GeluApproximate,
}

impl GELU {
    /// `nn.GELU()`.
    pub fn new() -> Self {
        Self::default()
    }

    /// `nn.GELU(approximate=...)`.
    pub fn approximate(approximate: GeluApproximate) -> Self {
        GELU { approximate }
    }

    /// [`Module::forward`] with device errors returned.
    pub fn try_forward<S: Shape, E: FloatDtype, D: Device>(
        &self,
        x: &Tensor<S, E, D>,
    ) -> Result<Tensor<S, E, D>> {
        functional::try_gelu_with(x, self.approximate)
    }
}

shape_preserving!([] GELU, Shape);
no_state!(GELU);

impl fmt::Debug for GELU {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let approximate = match self.approximate {
            GeluApproximate::None => "approximate='none'",
            GeluApproximate::Tanh => "approximate='tanh'",
        };
        fmt_module(f, "GELU", approximate, &[])
    }
}

/// `torch.nn.LeakyReLU(negative_slope=0.01)`: `x` where positive, else `negative_slope * x`.
///
/// ```
/// use typetensor::nn::{LeakyReLU, Module};
/// use typetensor::tensor;
/// let act = LeakyReLU::new(0.1); // nn.LeakyReLU(0.1)
/// assert_eq!(act.forward(&tensor([-2.0f32, 3.0])).to_vec(), [-0.2, 3.0]);
/// assert_eq!(format!("{:?}", LeakyReLU::default()), "LeakyReLU(negative_slope=0.01)");
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct LeakyReLU {
    /// The slope for negative inputs (PyTorch's default 0.01).
    pub negative_slope: f64,
}

impl Default for LeakyReLU {
    /// `nn.LeakyReLU()`: slope 0.01.
    fn default() -> Self {
        LeakyReLU {
            negative_slope: 0.01,
        }
    }
}

impl LeakyReLU {
    /// `nn.LeakyReLU(negative_slope)`.
    pub fn new(negative_slope: f64) -> Self {
        LeakyReLU { negative_slope }
    }

    /// [`Module::forward`] with device errors returned.
    pub fn try_forward<S: Shape, E: FloatDtype, D: Device>(
        &self,
        x: &Tensor<S, E, D>,
    ) -> Result<Tensor<S, E, D>> {
        functional::try_leaky_relu(x, E::from_f64(self.negative_slope))
    }
}

shape_preserving!([] LeakyReLU, Shape);
no_state!(LeakyReLU);

impl fmt::Debug for LeakyReLU {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra = format!("negative_slope={}", PyFloat(self.negative_slope));
        fmt_module(f, "LeakyReLU", &extra, &[])
    }
}

macro_rules! softmax_module {
    ($(#[$doc:meta])* $name:ident, $try_method:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Default, PartialEq, Eq)]
        pub struct $name<const DIM: usize>;

        impl<const DIM: usize> $name<DIM> {
            /// [`Module::forward`] with device errors returned.
            pub fn try_forward<S: DimAt<DIM>, E: FloatDtype, D: Device>(
                &self,
                x: &Tensor<S, E, D>,
            ) -> Result<Tensor<S, E, D>> {
                x.$try_method::<DIM>()
            }
        }

        shape_preserving!([const DIM: usize,] $name<DIM>, DimAt<DIM>);
        no_state!(impl[const DIM: usize,] $name<DIM>);

        impl<const DIM: usize> fmt::Debug for $name<DIM> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_module(f, stringify!($name), &format!("dim={DIM}"), &[])
            }
        }
    };
}

softmax_module!(
    /// `torch.nn.Softmax(dim=DIM)`: probabilities along dimension `DIM`, which must exist
    /// (checked at compile time).
    ///
    /// ```
    /// use typetensor::nn::{Module, Softmax};
    /// use typetensor::tensor;
    /// let softmax = Softmax::<1>; // nn.Softmax(dim=1)
    /// let p = softmax.forward(&tensor([[0.0f32, 0.0]]));
    /// assert_eq!(p.to_vec(), [0.5, 0.5]);
    /// assert_eq!(format!("{softmax:?}"), "Softmax(dim=1)");
    /// ```
    Softmax, try_softmax
);
softmax_module!(
    /// `torch.nn.LogSoftmax(dim=DIM)`: log-probabilities along dimension `DIM`, which must
    /// exist (checked at compile time).
    ///
    /// ```
    /// use typetensor::nn::{LogSoftmax, Module};
    /// use typetensor::tensor;
    /// let log_softmax = LogSoftmax::<1>; // nn.LogSoftmax(dim=1)
    /// let logp = log_softmax.forward(&tensor([[0.0f32, 0.0]]));
    /// assert_eq!(logp.to_vec(), [-2f32.ln(), -2f32.ln()]);
    /// assert_eq!(format!("{log_softmax:?}"), "LogSoftmax(dim=1)");
    /// ```
    LogSoftmax, try_log_softmax
);
