//! Activation layers: shape-preserving, parameter-free modules.
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::nn::Module;
use crate::nn::params::{Param, ParamRef, Parameters};
use crate::shape::Shape;
use crate::tensor::Tensor;

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
