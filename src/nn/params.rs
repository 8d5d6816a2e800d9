//! Making a module's parameters visible: [`Parameters`] lists every parameter tensor with
//! its PyTorch `state_dict` name (`linear1.weight`), shape-erased as [`AnyParam`] so that
//! one list holds a `Rank2<100, 1000>` weight and a `Rank1<100>` bias. A custom module gets
//! it from [`#[derive(Module)]`](crate::nn::Module).
use std::any::Any;

use crate::Result;
use crate::autograd::Raw;
use crate::device::{Cpu, Device};
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::ops::arith::BinaryOp;
use crate::shape::{DYN, Dims, Rank1, Shape};
use crate::tensor::{Tensor, expect_device};

/// A parameter tensor of any shape (implemented for every float [`Tensor`]).
pub trait AnyParam<E: FloatDtype, D: Device>: Send + Sync {
    /// The parameter's dimensions.
    fn dims(&self) -> Dims;
    /// Whether it records gradients.
    fn requires_grad(&self) -> bool;
    /// Clears its gradient (`param.grad = None`).
    fn zero_grad(&self);
    /// `param -= lr * param.grad`, the lesson's manual update (call inside `no_grad`).
    /// A parameter without a gradient is left as it is.
    fn sub_scaled_grad_(&mut self, lr: E);
    /// `p.grad` of any parameter, flattened to one typed tensor (`None` without a
    /// gradient): what `clip_grad_norm_` and other code over every parameter's gradient
    /// needs. Only a device failure (copying a strided gradient) is an `Err`.
    fn grad_flat(&self) -> Result<Option<Tensor<Rank1<DYN>, E, D>>>;
    /// Sets `p.grad` from a flat tensor with the parameter's element count (`None` clears
    /// it); another element count is an `Err` and changes nothing.
    fn set_grad_flat(&self, grad: Option<&Tensor<Rank1<DYN>, E, D>>) -> Result<()>;
    /// The tensor itself, to downcast to its concrete `Tensor<S, E, D>`.
    fn as_any(&self) -> &dyn Any;
    /// The tensor itself, mutably.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    #[doc(hidden)]
    fn raw_value(&self) -> Raw<E, D>;
    #[doc(hidden)]
    fn raw_grad(&self) -> Option<Raw<E, D>>;
    /// Replaces the values (same dims), keeping the tensor's identity and gradient.
    #[doc(hidden)]
    fn set_raw_value(&mut self, value: Raw<E, D>);
}

impl<S: Shape, E: FloatDtype, D: Device> AnyParam<E, D> for Tensor<S, E, D> {
    fn dims(&self) -> Dims {
        Tensor::dims(self)
    }
    fn requires_grad(&self) -> bool {
        Tensor::requires_grad(self)
    }
    fn zero_grad(&self) {
        Tensor::zero_grad(self);
    }
    fn sub_scaled_grad_(&mut self, lr: E) {
        let Some(g) = self.grad() else { return };
        // `*self -= &g.mul_scalar(lr)`, in one pass when the parameter's storage is its own:
        // the product is rounded before the subtraction either way.
        let lg = g.layout;
        let written = self.write_in_place(&[], |device, storage, l| {
            device.binary_assign(BinaryOp::Sub, storage, l, &g.storage, &lg, Some(lr))
        });
        match written {
            Some(done) => expect_device(done),
            None => *self -= &g.mul_scalar(lr),
        }
    }
    fn grad_flat(&self) -> Result<Option<Tensor<Rank1<DYN>, E, D>>> {
        let Some(g) = self.grad() else {
            return Ok(None);
        };
        let flat = Dims::new(&[g.numel()]).unwrap_or(g.dims());
        g.try_reshaped("ViewBackward0", flat).map(Some)
    }
    fn set_grad_flat(&self, grad: Option<&Tensor<Rank1<DYN>, E, D>>) -> Result<()> {
        let Some(g) = grad else {
            self.set_grad(None);
            return Ok(());
        };
        if g.numel() != self.numel() {
            return Err(Error::IncompatibleShapes {
                op: "set_grad_flat",
                lhs: self.dims().as_slice().to_vec(),
                rhs: g.dims().as_slice().to_vec(),
                rule: "a gradient has the parameter's element count",
            });
        }
        let g: Tensor<S, E, D> = g.detach().try_reshaped("ViewBackward0", self.dims())?;
        self.set_grad(Some(&g));
        Ok(())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn raw_value(&self) -> Raw<E, D> {
        self.raw()
    }
    fn raw_grad(&self) -> Option<Raw<E, D>> {
        self.grad().map(|g| g.raw())
    }
    fn set_raw_value(&mut self, value: Raw<E, D>) {
        debug_assert_eq!(value.dims(), Tensor::dims(self));
        self.storage = value.storage;
        self.layout = value.layout;
    }
}

/// One parameter and its `state_dict` name.
pub struct Param<'a, E: FloatDtype = f32, D: Device = Cpu> {
    /// PyTorch's name, e.g. `"0.weight"` in a `Sequential`, `"linear1.weight"` in a struct.
    pub name: String,
    /// The parameter tensor.
    pub tensor: &'a mut dyn AnyParam<E, D>,
}

/// One parameter, read-only.
pub struct ParamRef<'a, E: FloatDtype = f32, D: Device = Cpu> {
    /// PyTorch's name.
    pub name: String,
    /// The parameter tensor.
    pub tensor: &'a dyn AnyParam<E, D>,
}

/// A module whose parameter tensors optimizers can update: `model.parameters()`.
pub trait Parameters<E: FloatDtype = f32, D: Device = Cpu> {
    /// Every parameter with its name, in a fixed order.
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>>;
    /// Every parameter, mutably, in the same order.
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>>;
    /// `model.zero_grad()`: clears every parameter's gradient.
    fn zero_grad(&self) {
        for p in self.parameters() {
            p.tensor.zero_grad();
        }
    }
    /// The number of parameter elements.
    fn num_parameters(&self) -> usize {
        self.parameters()
            .iter()
            .map(|p| p.tensor.dims().numel())
            .sum()
    }
    /// `model.buffers()` with their `state_dict` names (`1.running_mean`): state that is
    /// saved and loaded with the parameters ([`nn::save`](crate::nn::save)) but never
    /// trained, as BatchNorm's running statistics. None by default.
    fn buffers(&self) -> Vec<Buffer<E, D>> {
        Vec::new()
    }
    /// Replaces the buffer called `name` (what `load_state_dict` does): `Ok(false)` when
    /// there is no such buffer, `Err` for a value of the wrong kind or size (then nothing
    /// changes).
    fn set_buffer(&mut self, name: &str, value: BufferValue<E, D>) -> Result<bool> {
        let _ = (name, value);
        Ok(false)
    }
}

/// A buffer's value: a float vector (a running mean) or a count (`num_batches_tracked`,
/// an `int64` scalar in PyTorch's `state_dict`).
#[derive(Clone, Debug)]
pub enum BufferValue<E: FloatDtype = f32, D: Device = Cpu> {
    /// A float vector.
    Float(Tensor<Rank1<DYN>, E, D>),
    /// A count.
    Count(i64),
}

/// One buffer and its `state_dict` name.
#[derive(Clone, Debug)]
pub struct Buffer<E: FloatDtype = f32, D: Device = Cpu> {
    /// PyTorch's name, e.g. `"1.running_var"`.
    pub name: String,
    /// Its value (a copy: buffers are small).
    pub value: BufferValue<E, D>,
}

/// Prefixes buffer names with `prefix.` (a struct field or a `Sequential` index).
pub fn prefixed_buffers<E: FloatDtype, D: Device>(
    prefix: &str,
    buffers: Vec<Buffer<E, D>>,
) -> Vec<Buffer<E, D>> {
    buffers
        .into_iter()
        .map(|b| Buffer {
            name: join(prefix, &b.name),
            value: b.value,
        })
        .collect()
}

/// `name` without `prefix.`, if it starts so: where a container sends `set_buffer`.
pub fn strip_prefix<'a>(name: &'a str, prefix: &str) -> Option<&'a str> {
    name.strip_prefix(prefix)?.strip_prefix('.')
}

/// `prefix.name`, or `prefix` for a tensor that is itself the parameter (empty name).
fn join(prefix: &str, name: &str) -> String {
    if name.is_empty() {
        prefix.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// A tensor is one parameter, named by whatever holds it: a field marked
/// `#[module(param)]`, or an element of a tuple handed to an optimizer
/// (`optimizer.step(&mut (w1, w2))` names them `0` and `1`, as `torch.optim.Adam([w1, w2])`
/// numbers them).
impl<S: Shape, E: FloatDtype, D: Device> Parameters<E, D> for Tensor<S, E, D> {
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        vec![ParamRef {
            name: String::new(),
            tensor: self,
        }]
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        vec![Param {
            name: String::new(),
            tensor: self,
        }]
    }
}

/// The parameters of a borrowed module: `optimizer.step(&mut (&mut w1, &mut w2))` updates
/// tensors that stay in their own variables.
impl<E: FloatDtype, D: Device, M: Parameters<E, D> + ?Sized> Parameters<E, D> for &mut M {
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        (**self).parameters()
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        (**self).parameters_mut()
    }
    fn buffers(&self) -> Vec<Buffer<E, D>> {
        (**self).buffers()
    }
    fn set_buffer(&mut self, name: &str, value: BufferValue<E, D>) -> Result<bool> {
        (**self).set_buffer(name, value)
    }
}

/// Prefixes names with `prefix.` (a struct field or a `Sequential` index).
pub fn prefixed<'a, E: FloatDtype, D: Device>(
    prefix: &str,
    params: Vec<Param<'a, E, D>>,
) -> Vec<Param<'a, E, D>> {
    params
        .into_iter()
        .map(|p| Param {
            name: join(prefix, &p.name),
            tensor: p.tensor,
        })
        .collect()
}

/// Read-only twin of [`prefixed`].
pub fn prefixed_ref<'a, E: FloatDtype, D: Device>(
    prefix: &str,
    params: Vec<ParamRef<'a, E, D>>,
) -> Vec<ParamRef<'a, E, D>> {
    params
        .into_iter()
        .map(|p| ParamRef {
            name: join(prefix, &p.name),
            tensor: p.tensor,
        })
        .collect()
}

/// Implements [`Parameters`] alone for a struct by listing its module fields (PyTorch finds
/// them by reflection). [`#[derive(Module)]`](crate::nn::Module) does this and more
/// (`train()`/`eval()`, printing, device moves); the macro remains for code written with it.
///
/// ```
/// use typetensor::nn::{Linear, Module, Parameters};
/// use typetensor::{Rank2, Tensor};
///
/// struct TwoLayerNet {
///     linear1: Linear<1000, 100>,
///     linear2: Linear<100, 10>,
/// }
/// typetensor::parameters!(TwoLayerNet { linear1, linear2 });
///
/// let net = TwoLayerNet { linear1: Linear::no_bias(), linear2: Linear::no_bias() };
/// let names: Vec<String> = net.parameters().into_iter().map(|p| p.name).collect();
/// assert_eq!(names, ["linear1.weight", "linear2.weight"]);
/// ```
///
/// A generic module lists its parameters after `impl`, in brackets:
/// `typetensor::parameters!(impl[const H: usize] Net<H> { linear1, linear2 });`, and a model
/// of another element type or device names them: `parameters!(Net [f64, Cpu] { .. })`; a
/// module generic over its device does both:
/// `parameters!(impl[D: Device] Net<D> [f32, D] { linear1, linear2 })`.
#[macro_export]
macro_rules! parameters {
    (impl[$($gen:tt)*] $ty:ty { $($field:ident),* $(,)? }) => {
        $crate::parameters!(@impl [$($gen)*] $ty [f32, $crate::Cpu] { $($field),* });
    };
    (impl[$($gen:tt)*] $ty:ty [$e:ty, $d:ty] { $($field:ident),* $(,)? }) => {
        $crate::parameters!(@impl [$($gen)*] $ty [$e, $d] { $($field),* });
    };
    ($ty:ty { $($field:ident),* $(,)? }) => {
        $crate::parameters!(@impl [] $ty [f32, $crate::Cpu] { $($field),* });
    };
    ($ty:ty [$e:ty, $d:ty] { $($field:ident),* $(,)? }) => {
        $crate::parameters!(@impl [] $ty [$e, $d] { $($field),* });
    };
    (@impl [$($gen:tt)*] $ty:ty [$e:ty, $d:ty] { $($field:ident),* $(,)? }) => {
        impl<$($gen)*> $crate::nn::Parameters<$e, $d> for $ty {
            fn parameters(&self) -> ::std::vec::Vec<$crate::nn::ParamRef<'_, $e, $d>> {
                let mut all = ::std::vec::Vec::new();
                $(all.extend($crate::nn::prefixed_ref(
                    stringify!($field),
                    $crate::nn::Parameters::<$e, $d>::parameters(&self.$field),
                ));)*
                all
            }
            fn parameters_mut(&mut self) -> ::std::vec::Vec<$crate::nn::Param<'_, $e, $d>> {
                let mut all = ::std::vec::Vec::new();
                $(all.extend($crate::nn::prefixed(
                    stringify!($field),
                    $crate::nn::Parameters::<$e, $d>::parameters_mut(&mut self.$field),
                ));)*
                all
            }
        }
    };
}
