//! `torch.optim`: optimizers that update a model's parameters from their gradients, with
//! PyTorch's update formulas evaluated in PyTorch's order and rounding, so a trajectory
//! matches `torch.optim`'s to the last bit of an `f32` (the tests replay PyTorch's own).
//! One caveat: PyTorch's x86 builds take Adam's and RMSprop's square roots with MKL's
//! vector math, which is off by one ulp for about one float in five; typetensor's square
//! root is IEEE's (correctly rounded), so against those builds the trajectories agree to a
//! few ulp rather than to the bit. SGD, which takes no square root, matches exactly.
//!
//! | PyTorch | typetensor |
//! |---|---|
//! | `torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)` | [`SGD::new(1e-2).momentum(0.9)`](SGD) |
//! | `torch.optim.Adam(model.parameters(), lr=1e-4)` | [`Adam::new(1e-4)`](Adam) |
//! | `torch.optim.RMSprop(model.parameters())` | [`RMSprop::default()`](RMSprop) |
//! | `optimizer.zero_grad()` | [`optimizer.zero_grad(&model)`](Optimizer::zero_grad) |
//! | `optimizer.step()` | [`optimizer.step(&mut model)`](Optimizer::step) |
//!
//! An optimizer does not hold the parameters (Rust's borrows would then lock the model for
//! the optimizer's lifetime); `zero_grad` and `step` take the model instead. Its state
//! (momentum buffers, Adam's moments, step counts) is created on the first `step` for the
//! model's parameters in [`Parameters`] order, and every later step checks that it is given
//! the same model: a model whose parameters differ in number, name or shape is an `Err` from
//! [`try_step`](Optimizer::try_step) (a panic from `step`), never a silent update with
//! another parameter's state. These errors are [`Error::Autograd`] values whose message
//! starts with the optimizer's name. Hyper-parameters are checked as PyTorch's constructors check
//! them, at the first `step` (the builders cannot fail, so they chain):
//! `SGD::new(0.1).nesterov(true)` without momentum is an `Err` from `try_step`.
//!
//! `step` panics on an error and `try_step` returns it, as [`Tensor::backward`] and
//! [`Tensor::try_backward`]. A parameter without a gradient is skipped (its state is not
//! even created), as in PyTorch. The update is not recorded by autograd and keeps every
//! parameter's identity: it is still the same leaf, with the same `grad`.
//!
//! ```
//! use typetensor::nn::{Linear, MSELoss, Module, ReLU, Reduction, Sequential};
//! use typetensor::optim::{Adam, Optimizer};
//! use typetensor::{Rank2, Tensor, manual_seed};
//!
//! manual_seed(0);
//! let x = Tensor::<Rank2<64, 100>>::randn(); // x = torch.randn(N, D_in)
//! let y = Tensor::<Rank2<64, 10>>::randn(); // y = torch.randn(N, D_out)
//! let mut model = Sequential::new((Linear::<100, 50>::new(), ReLU, Linear::<50, 10>::new()));
//! let loss_fn = MSELoss::new(Reduction::Sum); // torch.nn.MSELoss(reduction='sum')
//!
//! let mut optimizer = Adam::new(1e-3); // torch.optim.Adam(model.parameters(), lr=1e-3)
//! let mut losses = Vec::new();
//! for _t in 0..50 {
//!     let y_pred = model.forward(&x); // y_pred = model(x)
//!     let loss = loss_fn.forward(&y_pred, &y); // loss = loss_fn(y_pred, y)
//!     losses.push(loss.item());
//!     optimizer.zero_grad(&model); // optimizer.zero_grad()
//!     loss.backward(); // loss.backward()
//!     optimizer.step(&mut model); // optimizer.step()
//! }
//! assert!(losses[49] < losses[0] / 2.0);
//! ```
//!
//! Devices: the arithmetic is one fused kernel per parameter and step ([`OptimKernel`],
//! part of every [`Device`]): one pass over the parameter, its gradient and its state, where
//! PyTorch's single-tensor path makes several.
//!
//! Not replicated: parameter groups (one learning rate and one set of hyper-parameters for
//! the whole model; [`Optimizer::set_lr`] changes it, as a scheduler would), `foreach`,
//! `fused`, `capturable` and `differentiable` (a tensor learning rate or betas), Adam's
//! `decoupled_weight_decay` (AdamW), complex parameters, sparse gradients, `state_dict`,
//! and `zero_grad(set_to_none=False)`.
use std::sync::Arc;

use crate::Result;
use crate::autograd::Raw;
use crate::device::{Cpu, Device, DeviceStorage};
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::layout::Layout;
use crate::nn::{AnyParam, Param, Parameters};
use crate::shape::Dims;
#[cfg(doc)]
use crate::tensor::Tensor;

mod adam;
mod checkpoint;
mod cpu;
pub mod lr_scheduler;
mod rmsprop;
mod sgd;
#[cfg(test)]
mod tests;

pub use adam::{Adam, AdamW};
pub use rmsprop::RMSprop;
pub use sgd::SGD;

/// What every optimizer does: `optimizer.zero_grad()` and `optimizer.step()`, given the
/// model (see the [module docs](self) for why the optimizer does not hold it).
pub trait Optimizer<E: FloatDtype = f32, D: Device = Cpu> {
    /// `optimizer.step()`, returning errors: the hyper-parameters are invalid (PyTorch's
    /// constructor `ValueError`s), or `model` is not the model this optimizer's state was
    /// created for; or the device failed. Checks and allocations (running out of memory
    /// for a state buffer or a copy) come before any parameter changes, so such an error
    /// leaves the model as it was; only a kernel failing part-way through the updates (a
    /// device fault) can leave some parameters updated and the rest not.
    fn try_step<M: Parameters<E, D> + ?Sized>(&mut self, model: &mut M) -> Result<()>;

    /// `optimizer.step()`: updates every parameter of `model` that has a gradient. Panics
    /// where [`try_step`](Self::try_step) returns an error.
    #[track_caller]
    fn step<M: Parameters<E, D> + ?Sized>(&mut self, model: &mut M) {
        if let Err(e) = self.try_step(model) {
            panic!("typetensor: {e}");
        }
    }

    /// `optimizer.zero_grad()`: clears every parameter's gradient (`param.grad = None`, the
    /// PyTorch 2 default `set_to_none=True`).
    fn zero_grad<M: Parameters<E, D> + ?Sized>(&self, model: &M) {
        model.zero_grad();
    }

    /// The learning rate (`optimizer.param_groups[0]['lr']`).
    fn lr(&self) -> f64;

    /// Sets the learning rate for the following steps, as a learning-rate scheduler does.
    fn set_lr(&mut self, lr: f64);

    /// `optimizer.state_dict()` as safetensors bytes: every parameter's state under
    /// PyTorch's names (`state.0.exp_avg`, `state.0.step`, `state.1.momentum_buffer`) and
    /// the hyper-parameters as metadata (`param_groups.0.lr`, …). Only a device failure
    /// (copying a buffer to the host) is an `Err`.
    fn state_to_bytes(&self) -> Result<Vec<u8>>;

    /// `optimizer.load_state_dict(...)` from [`state_to_bytes`](Self::state_to_bytes)'
    /// bytes, its buffers put on `device`: the state, its binding to the model's parameter
    /// names and shapes, and the learning rate (a scheduler may have changed it). The other
    /// hyper-parameters must equal this optimizer's, or it is an `Err` (as is a corrupt
    /// file, or another optimizer's state), and then nothing changes.
    fn load_state_from_bytes(&mut self, bytes: &[u8], device: &D) -> Result<()>;

    /// [`state_to_bytes`](Self::state_to_bytes) written to a file (beside `path`, then
    /// renamed into place, so a failed save never leaves a truncated file).
    ///
    /// ```
    /// use typetensor::nn::{Linear, Module};
    /// use typetensor::optim::{Adam, Optimizer};
    /// use typetensor::{Cpu, Rank2, Tensor};
    /// let path = std::env::temp_dir().join("typetensor_doc_adam_state.safetensors");
    /// let mut model = Linear::<3, 2>::new();
    /// let mut optimizer = Adam::new(1e-3);
    /// model.forward(&Tensor::<Rank2<4, 3>>::randn()).sum().backward();
    /// optimizer.step(&mut model);
    /// optimizer.save_state(&path).unwrap(); // torch.save(optimizer.state_dict(), path)
    /// let mut resumed = Adam::<f32>::new(1e-3);
    /// resumed.load_state(&path, &Cpu).unwrap(); // optimizer.load_state_dict(torch.load(path))
    /// assert!(Adam::<f32>::new(1e-3).amsgrad(true).load_state(&path, &Cpu).is_err());
    /// # std::fs::remove_file(path).unwrap();
    /// ```
    fn save_state(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        let bytes = self.state_to_bytes()?;
        crate::nn::safetensors::write_bytes_atomically(path.as_ref(), &bytes)
    }

    /// [`load_state_from_bytes`](Self::load_state_from_bytes) from a file.
    fn load_state(&mut self, path: impl AsRef<std::path::Path>, device: &D) -> Result<()> {
        let bytes = std::fs::read(path)?;
        self.load_state_from_bytes(&bytes, device)
    }
}

/// The scalars of one [`SGD`] update, cast to the parameter's element type where PyTorch's
/// kernels cast them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdScalars<E> {
    /// `-lr` (the `alpha` of `param.add_(grad, alpha=-lr)`).
    pub neg_lr: E,
    /// `weight_decay`, `None` when it is zero (PyTorch then skips the term).
    pub weight_decay: Option<E>,
    /// `momentum` (used when a momentum buffer is given).
    pub momentum: E,
    /// `1 - dampening`, computed in f64 before the cast as in PyTorch.
    pub one_minus_dampening: E,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// Ascend instead of descend: the gradient is negated.
    pub maximize: bool,
    /// This step creates the momentum buffer (`buf = grad.clone()`) instead of updating it.
    pub first_step: bool,
}

/// The scalars of one [`Adam`] update of one parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamScalars<E> {
    /// `weight_decay` (L2, added to the gradient), `None` when zero.
    pub weight_decay: Option<E>,
    /// `1 - beta1`, the weight of `exp_avg.lerp_(grad, 1 - beta1)`.
    pub one_minus_beta1: E,
    /// `beta2`.
    pub beta2: E,
    /// `1 - beta2`.
    pub one_minus_beta2: E,
    /// `(1 - beta2 ** step) ** 0.5`.
    pub bias_correction2_sqrt: E,
    /// `-lr / (1 - beta1 ** step)`.
    pub neg_step_size: E,
    /// `eps`.
    pub eps: E,
    /// Ascend instead of descend.
    pub maximize: bool,
}

/// The scalars of one [`RMSprop`] update.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmspropScalars<E> {
    /// `-lr`.
    pub neg_lr: E,
    /// `alpha`, the smoothing constant.
    pub alpha: E,
    /// `1 - alpha`.
    pub one_minus_alpha: E,
    /// `eps`.
    pub eps: E,
    /// `weight_decay`, `None` when zero.
    pub weight_decay: Option<E>,
    /// `momentum` (used when a momentum buffer is given).
    pub momentum: E,
    /// Ascend instead of descend.
    pub maximize: bool,
}

/// Fused optimizer updates, in place: for each of the first `numel` elements, one read of
/// the gradient and one read and write of the parameter and of each state buffer, with
/// PyTorch's single-tensor arithmetic (its `add(alpha=)`, `lerp_` and `addcmul_` are fused
/// multiply-adds on the CPU) in its order. Every buffer holds at least `numel` elements,
/// element `i` of the parameter at index `i`; an optional buffer is present exactly when its
/// feature is on (momentum, AMSGrad, centring).
pub trait OptimKernel: DeviceStorage {
    /// One `torch.optim.SGD` step (`_single_tensor_sgd`).
    fn sgd_step<E: FloatDtype>(
        &self,
        numel: usize,
        param: &mut Self::Storage<E>,
        grad: &Self::Storage<E>,
        momentum_buffer: Option<&mut Self::Storage<E>>,
        scalars: &SgdScalars<E>,
    ) -> Result<()>;

    /// One `torch.optim.Adam` step (`_single_tensor_adam`).
    #[allow(clippy::too_many_arguments)]
    fn adam_step<E: FloatDtype>(
        &self,
        numel: usize,
        param: &mut Self::Storage<E>,
        grad: &Self::Storage<E>,
        exp_avg: &mut Self::Storage<E>,
        exp_avg_sq: &mut Self::Storage<E>,
        max_exp_avg_sq: Option<&mut Self::Storage<E>>,
        scalars: &AdamScalars<E>,
    ) -> Result<()>;

    /// One `torch.optim.RMSprop` step (`_single_tensor_rmsprop`).
    #[allow(clippy::too_many_arguments)]
    fn rmsprop_step<E: FloatDtype>(
        &self,
        numel: usize,
        param: &mut Self::Storage<E>,
        grad: &Self::Storage<E>,
        square_avg: &mut Self::Storage<E>,
        grad_avg: Option<&mut Self::Storage<E>>,
        momentum_buffer: Option<&mut Self::Storage<E>>,
        scalars: &RmspropScalars<E>,
    ) -> Result<()>;
}

/// The error for hyper-parameters PyTorch's constructor rejects.
pub(crate) fn invalid(optimizer: &str, msg: String) -> Error {
    Error::Autograd(format!("{optimizer}: {msg}"))
}

/// Checks `0 <= value` (NaN fails) as PyTorch's `if not 0.0 <= value: raise ValueError`.
pub(crate) fn non_negative(optimizer: &str, what: &str, value: f64) -> Result<()> {
    if value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(optimizer, format!("Invalid {what}: {value}")))
    }
}

/// Converts a hyper-parameter to the element type, as PyTorch's kernels do.
pub(crate) fn cast<E: FloatDtype>(v: f64) -> E {
    E::from_f64(v)
}

/// The weight decay term, present when PyTorch's `if weight_decay != 0` is true.
pub(crate) fn decay<E: FloatDtype>(weight_decay: f64) -> Option<E> {
    (weight_decay != 0.0).then(|| cast(weight_decay))
}

/// One parameter's state and whose it is.
struct Slot<T> {
    name: String,
    dims: Dims,
    state: Option<T>,
}

/// Per-parameter optimizer state, by position, bound on the first step to that model's
/// parameter names and shapes, and to the device of its buffers.
pub(crate) struct ParamStates<T, D = Cpu> {
    slots: Option<Vec<Slot<T>>>,
    device: Option<D>,
}

impl<T, D> Default for ParamStates<T, D> {
    fn default() -> Self {
        ParamStates {
            slots: None,
            device: None,
        }
    }
}

impl<T, D: Device> ParamStates<T, D> {
    /// Refuses a model other than the one the state was created for.
    fn check<E: FloatDtype>(&self, optimizer: &str, params: &[Param<'_, E, D>]) -> Result<()> {
        let Some(slots) = &self.slots else {
            return Ok(());
        };
        let hint = "an optimizer's state belongs to the model of its first step; \
                    use a new optimizer for another model";
        if slots.len() != params.len() {
            return Err(Error::Autograd(format!(
                "{optimizer}: the model has {} parameters, but this optimizer's state is for \
                 a model with {} ({hint})",
                params.len(),
                slots.len()
            )));
        }
        for (i, (slot, p)) in slots.iter().zip(params).enumerate() {
            let dims = p.tensor.dims();
            if slot.name != p.name || slot.dims != dims {
                return Err(Error::Autograd(format!(
                    "{optimizer}: parameter {i} is `{}` of shape {:?}, but this optimizer's \
                     state is for `{}` of shape {:?} ({hint})",
                    p.name,
                    dims.as_slice(),
                    slot.name,
                    slot.dims.as_slice()
                )));
            }
        }
        Ok(())
    }

    /// One optimizer step over `model`, in two phases so that a failure leaves the model and
    /// the optimizer as a retry needs them. First every check and every allocation: the
    /// model and each gradient's shape, the state of each parameter with a gradient
    /// (`init(device, numel)` if it has none, then `grow(state, device, numel)` for buffers a
    /// later-enabled feature needs) and contiguous, uniquely owned storage for its values.
    /// An error there restores every parameter as it was (new state buffers are kept: they
    /// hold what a fresh state holds). Then `update(state, device, numel, param, grad)` runs
    /// for each; only a failing kernel launch (a device fault) can stop that part-way.
    pub(crate) fn step<E, M>(
        &mut self,
        optimizer: &str,
        model: &mut M,
        mut init: impl FnMut(&D, usize) -> Result<T>,
        mut grow: impl FnMut(&mut T, &D, usize) -> Result<()>,
        mut update: impl FnMut(&mut T, &D, usize, &mut D::Storage<E>, &D::Storage<E>) -> Result<()>,
    ) -> Result<()>
    where
        E: FloatDtype,
        M: Parameters<E, D> + ?Sized,
    {
        let mut params = model.parameters_mut();
        self.check(optimizer, &params)?;
        let grads: Vec<Option<Raw<E, D>>> = params.iter().map(|p| p.tensor.raw_grad()).collect();
        for (p, g) in params.iter().zip(&grads) {
            if let Some(g) = g
                && g.dims() != p.tensor.dims()
            {
                return Err(Error::Autograd(format!(
                    "{optimizer}: the gradient of `{}` has shape {:?}, the parameter {:?}",
                    p.name,
                    g.dims().as_slice(),
                    p.tensor.dims().as_slice()
                )));
            }
        }
        let slots = self.slots.get_or_insert_with(|| {
            params
                .iter()
                .map(|p| Slot {
                    name: p.name.clone(),
                    dims: p.tensor.dims(),
                    state: None,
                })
                .collect()
        });
        let mut ready = Vec::new();
        for ((p, grad), slot) in params.iter_mut().zip(grads).zip(slots.iter_mut()) {
            let Some(grad) = grad else {
                continue;
            };
            let (device, numel) = (grad.device.clone(), grad.dims().numel());
            if self.device.is_none() {
                self.device = Some(device.clone());
            }
            let prepared = (|| {
                let state = match slot.state.take() {
                    Some(s) => slot.state.insert(s),
                    None => slot.state.insert(init(&device, numel)?),
                };
                grow(state, &device, numel)?;
                Ok((state, take_values(&mut *p.tensor, grad)?))
            })();
            match prepared {
                Ok((state, values)) => ready.push((state, values)),
                Err(e) => {
                    for (_, values) in ready {
                        values.put_back();
                    }
                    return Err(e);
                }
            }
        }
        let mut result = Ok(());
        for (state, mut v) in ready {
            if result.is_ok() {
                // `make_mut` never copies here: `take_values` made `value` the only owner.
                let value = Arc::make_mut(&mut v.value);
                result = update(state, &v.device, v.layout.numel(), value, &v.grad);
            }
            v.put_back();
        }
        result
    }
}

/// A parameter's values taken out for an in-place update: contiguous from offset 0 and owned
/// by nobody else, with its gradient likewise contiguous. Meanwhile the parameter holds its
/// gradient's storage (same dims), so that it does not share the values it will get back.
struct Taken<'p, E: FloatDtype, D: Device> {
    param: &'p mut dyn AnyParam<E, D>,
    /// Its only owner (so writing it in place never copies).
    value: Arc<D::Storage<E>>,
    layout: Layout,
    grad: Arc<D::Storage<E>>,
    device: D,
}

impl<E: FloatDtype, D: Device> Taken<'_, E, D> {
    /// Gives the parameter its values back (same leaf, same gradient, nothing recorded).
    fn put_back(self) {
        self.param.set_raw_value(Raw {
            storage: self.value,
            layout: self.layout,
            device: self.device,
        });
    }
}

/// Takes `param`'s values for [`Taken`]. The storage is moved out when the parameter is its
/// only owner and already dense; it is copied when it is shared (with a clone of the tensor,
/// or with an autograd graph that is still alive and saved it for its backward) or strided,
/// which is copy-on-write: the sharers keep the old values. On an error `param` is as it was.
fn take_values<'p, E: FloatDtype, D: Device>(
    param: &'p mut dyn AnyParam<E, D>,
    grad: Raw<E, D>,
) -> Result<Taken<'p, E, D>> {
    let dims = param.dims();
    let device = grad.device.clone();
    let dense = |l: &Layout| l.is_contiguous() && l.offset() == 0;
    let grad_storage = if dense(&grad.layout) {
        Arc::clone(&grad.storage)
    } else {
        Arc::new(device.contiguous(&grad.storage, &grad.layout)?)
    };
    let Raw {
        mut storage,
        layout,
        ..
    } = param.raw_value();
    param.set_raw_value(grad);
    let (value, layout) = if dense(&layout) && Arc::get_mut(&mut storage).is_some() {
        (storage, layout)
    } else {
        match device.contiguous(&storage, &layout) {
            Ok(copy) => (Arc::new(copy), Layout::contiguous(dims)),
            Err(e) => {
                param.set_raw_value(Raw {
                    storage,
                    layout,
                    device,
                });
                return Err(e);
            }
        }
    };
    Ok(Taken {
        param,
        value,
        layout,
        grad: grad_storage,
        device,
    })
}
