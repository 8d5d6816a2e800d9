//! Moving a whole module to another device: the lesson's `model = model.cuda()`.
use crate::Result;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::nn::activation::{ReLU, Sigmoid, Tanh};
use crate::nn::linear::Linear;
use crate::nn::loss::MSELoss;
use crate::nn::sequential::Sequential;
use crate::shape::Shape;
use crate::tensor::{Tensor, expect_device};

/// A module that can be moved to device `D2`: `model.to(device)` / `model.cuda()`.
///
/// A module's device is part of its type (`Linear<I, O, E, D>`), so a move makes a new
/// module, `Self::Output`, with every parameter copied to `D2`. Parameters stay leaves that
/// require grad (their gradients, if any, move with them), so an optimizer created
/// afterwards trains the moved model. Implemented for every module of [`nn`](crate::nn)
/// and [`Sequential`] (and tuples of modules), and derived by
/// [`#[derive(Module)]`](crate::nn::Module) for a custom module generic over its device.
///
/// ```
/// use typetensor::nn::{Linear, Module, ReLU, Sequential, ToDevice};
/// use typetensor::{Cpu, Rank2, Tensor};
/// let model = Sequential::new((Linear::<4, 3>::new(), ReLU, Linear::<3, 2>::new()));
/// let device = Cpu; // or typetensor::Cuda::new()? with the `cuda` feature
/// let model = model.to_device(&device); // model = model.to(device)
/// let y = model.forward(&Tensor::<Rank2<5, 4>>::randn().to_device(&device));
/// assert_eq!(y.shape(), [5, 2]);
/// ```
///
/// By hand (what the derive writes), a custom module moves each field; its `Output` is the
/// same struct with the new device:
///
/// ```
/// use typetensor::nn::{Linear, ToDevice};
/// use typetensor::{Cpu, Device, Result};
///
/// struct TwoLayerNet<D: Device = Cpu> {
///     linear1: Linear<1000, 100, f32, D>,
///     linear2: Linear<100, 10, f32, D>,
/// }
///
/// impl<D: Device, D2: Device> ToDevice<D2> for TwoLayerNet<D> {
///     type Output = TwoLayerNet<D2>;
///     fn try_to_device(&self, device: &D2) -> Result<TwoLayerNet<D2>> {
///         Ok(TwoLayerNet {
///             linear1: self.linear1.try_to_device(device)?,
///             linear2: self.linear2.try_to_device(device)?,
///         })
///     }
/// }
///
/// let net = TwoLayerNet { linear1: Linear::no_bias(), linear2: Linear::no_bias() };
/// let moved: TwoLayerNet<Cpu> = net.to_device(&Cpu); // net.cuda() with a `Cuda` device
/// assert!(moved.linear1.weight.requires_grad());
/// ```
pub trait ToDevice<D2: Device> {
    /// The same module on `D2`.
    type Output;

    /// The module with its parameters copied to `device`, or the device's error.
    fn try_to_device(&self, device: &D2) -> Result<Self::Output>;

    /// The module on `device`: `model.to(device)`. Panics only if the device fails; see
    /// [`try_to_device`](Self::try_to_device).
    #[track_caller]
    fn to_device(&self, device: &D2) -> Self::Output {
        expect_device(self.try_to_device(device))
    }
}

impl<const I: usize, const O: usize, E: FloatDtype, D: Device, D2: Device> ToDevice<D2>
    for Linear<I, O, E, D>
{
    type Output = Linear<I, O, E, D2>;
    fn try_to_device(&self, device: &D2) -> Result<Linear<I, O, E, D2>> {
        Ok(Linear {
            weight: self.weight.try_move_param(device)?,
            bias: match &self.bias {
                Some(b) => Some(b.try_move_param(device)?),
                None => None,
            },
        })
    }
}

/// A parameter tensor on `device`, still a leaf that requires grad (what
/// `#[derive(Module)]` does with a `#[module(param)]` field).
pub fn move_param<S: Shape, E: FloatDtype, D: Device, D2: Device>(
    param: &Tensor<S, E, D>,
    device: &D2,
) -> Result<Tensor<S, E, D2>> {
    param.try_move_param(device)
}

// Modules without parameters are the same value on every device.
macro_rules! stateless {
    ($($t:ty),*) => {$(
        impl<D2: Device> ToDevice<D2> for $t {
            type Output = $t;
            fn try_to_device(&self, _: &D2) -> Result<$t> {
                Ok(*self)
            }
        }
    )*};
}
stateless!(ReLU, Sigmoid, Tanh, MSELoss);

impl<D2: Device, T: ToDevice<D2>> ToDevice<D2> for Sequential<T> {
    type Output = Sequential<T::Output>;
    fn try_to_device(&self, device: &D2) -> Result<Self::Output> {
        // Moving keeps the layers, so they chain as they did.
        Ok(Sequential {
            layers: self.layers.try_to_device(device)?,
        })
    }
}

// Tuples of modules (a `Sequential`'s layers), up to six as `Sequential`.
macro_rules! tuple_to_device {
    ($($l:ident $i:tt),*) => {
        impl<D2: Device, $($l: ToDevice<D2>),*> ToDevice<D2> for ($($l,)*) {
            type Output = ($($l::Output,)*);
            fn try_to_device(&self, device: &D2) -> Result<Self::Output> {
                Ok(($(self.$i.try_to_device(device)?,)*))
            }
        }
    };
}
tuple_to_device!(L0 0);
tuple_to_device!(L0 0, L1 1);
tuple_to_device!(L0 0, L1 1, L2 2);
tuple_to_device!(L0 0, L1 1, L2 2, L3 3);
tuple_to_device!(L0 0, L1 1, L2 2, L3 3, L4 4);
tuple_to_device!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::autograd::no_grad;
    use crate::device::Cpu;
    use crate::nn::{Module, Parameters};
    use crate::shape::Rank2;
    use crate::tensor::Tensor;

    #[test]
    fn moved_parameters_are_leaves_with_their_gradients() {
        crate::manual_seed(3);
        let model = Sequential::new((Linear::<3, 2>::new(), ReLU));
        let x = Tensor::<Rank2<4, 3>>::randn();
        model.forward(&x).sum().backward();
        let moved = model.to_device(&Cpu);
        let (a, b) = (&model.layers.0, &moved.layers.0);
        assert_eq!(a.weight.to_vec(), b.weight.to_vec());
        assert!(b.weight.requires_grad() && b.weight.is_leaf());
        assert_eq!(
            a.weight.grad().unwrap().to_vec(),
            b.weight.grad().unwrap().to_vec()
        );
        assert_eq!(moved.num_parameters(), 8);
        // The moved model trains on its own: its update leaves the original alone.
        let mut moved = moved;
        let before = model.layers.0.weight.to_vec();
        no_grad(|| {
            for p in moved.parameters_mut() {
                p.tensor.sub_scaled_grad_(0.5);
            }
        });
        assert_eq!(model.layers.0.weight.to_vec(), before);
        assert_ne!(moved.layers.0.weight.to_vec(), before);
    }
}
