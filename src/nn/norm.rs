//! `nn.LayerNorm` and `nn.BatchNorm1d`, composed from differentiable ops (means, products,
//! a square root), so they run and differentiate on every device.
//!
//! Shape rules: `LayerNorm<H>` takes a tensor whose last dimension is `H`; `BatchNorm1d<C>`
//! takes `[N, C]` or `[N, C, L]`. The batch dimensions pass through by unification, so a
//! run-time batch (`DYN`) works as a static one. Both reshape their input to the rows of a
//! `[rows, features]` matrix (`Rank2<DYN, H>`), normalise those, and reshape back.
use std::fmt;
use std::sync::Mutex;

use crate::Result;
use crate::autograd::no_grad;
use crate::device::{Cpu, Device};
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::nn::params::{Buffer, BufferValue, Param, ParamRef, Parameters};
use crate::nn::sequential::{Features, Follows, Input};
use crate::nn::{Module, ToDevice, Training, fmt_module};
use crate::print::PyFloat;
use crate::shape::{DYN, Dims, Rank1, Rank2, Rank3, Rank4, Shape, ShapeProbe};
use crate::tensor::{Tensor, expect_device};

/// A tensor shape whose last dimension is `H`: what `LayerNorm<H>` normalises.
#[diagnostic::on_unimplemented(
    message = "`LayerNorm<{H}>` cannot normalize a tensor of shape `{Self}`",
    label = "the last dimension is not {H}",
    note = "`LayerNorm<H>` (`nn.LayerNorm(H)`) normalizes over the last dimension, which must be `H`"
)]
pub trait LastDim<const H: usize>: Shape {}

impl<const H: usize> LastDim<H> for Rank1<H> {}
impl<const N: usize, const H: usize> LastDim<H> for Rank2<N, H> {}
impl<const A: usize, const B: usize, const H: usize> LastDim<H> for Rank3<A, B, H> {}
impl<const A: usize, const B: usize, const C: usize, const H: usize> LastDim<H>
    for Rank4<A, B, C, H>
{
}
// A second impl per rank would do; this unusable one keeps rustc from unifying the lone
// candidate and reporting "expected `10`, found `8`" (see `ShapeProbe`).
#[diagnostic::do_not_recommend]
impl<const H: usize> LastDim<H> for ShapeProbe {}

/// `nn.LayerNorm(H, eps=1e-05, elementwise_affine=True, bias=True)`: each vector along the
/// last dimension (of size `H`) normalised to mean 0 and variance 1 (the biased variance,
/// as PyTorch), then scaled by `weight` and shifted by `bias`.
///
/// ```
/// use typetensor::nn::{LayerNorm, Module};
/// use typetensor::{Rank2, Tensor, tensor};
/// let ln = LayerNorm::<3>::new(); // nn.LayerNorm(3)
/// let y: Tensor<Rank2<2, 3>> = ln.forward(&tensor([[1.0f32, 2.0, 3.0], [0.0, 0.0, 3.0]]));
/// let row = &y.to_vec()[..3];
/// assert!((row[0] + 1.2247).abs() < 1e-4 && row[1].abs() < 1e-6);
/// assert_eq!(
///     format!("{ln:?}"),
///     "LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)"
/// );
/// ```
pub struct LayerNorm<const H: usize, E: FloatDtype = f32, D: Device = Cpu> {
    /// `[H]`, ones at first; `None` without `elementwise_affine`.
    pub weight: Option<Tensor<Rank1<H>, E, D>>,
    /// `[H]`, zeros at first; `None` without `elementwise_affine` or with `bias=False`.
    pub bias: Option<Tensor<Rank1<H>, E, D>>,
    /// Added to the variance before the square root (default `1e-5`).
    pub eps: f64,
}

impl<const H: usize, E: FloatDtype> LayerNorm<H, E, Cpu> {
    /// `nn.LayerNorm(H)`: weight ones, bias zeros, `eps=1e-5`.
    pub fn new() -> Self {
        LayerNorm {
            weight: Some(Tensor::ones().requires_grad_()),
            bias: Some(Tensor::zeros().requires_grad_()),
            eps: 1e-5,
        }
    }
}

impl<const H: usize, E: FloatDtype> Default for LayerNorm<H, E, Cpu> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const H: usize, E: FloatDtype, D: Device> LayerNorm<H, E, D> {
    /// `eps=`.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// `elementwise_affine=False`: no weight and no bias.
    pub fn no_affine(mut self) -> Self {
        self.weight = None;
        self.bias = None;
        self
    }

    /// `bias=False`: a weight but no bias.
    pub fn no_bias(mut self) -> Self {
        self.bias = None;
        self
    }

    /// [`Module::forward`] with device errors returned.
    pub fn try_forward<S: LastDim<H>>(&self, x: &Tensor<S, E, D>) -> Result<Tensor<S, E, D>> {
        let dims = x.dims();
        let rows = Dims::new(&[x.numel() / H.max(1), H]).unwrap_or(dims);
        let x2: Tensor<Rank2<DYN, H>, E, D> = x.try_reshaped("ViewBackward0", rows)?;
        let mean = x2.try_mean_dim_keepdim::<1>()?.expand_dim::<1, H>();
        let centred = x2.try_sub(&mean)?;
        let var = centred.try_mul(&centred)?.try_mean_dim_keepdim::<1>()?;
        let std = var.try_add_scalar(E::from_f64(self.eps))?.try_sqrt()?;
        let mut y = centred.try_div(&std.expand_dim::<1, H>())?;
        if let Some(w) = &self.weight {
            y = y.try_mul(w)?;
        }
        if let Some(b) = &self.bias {
            y = y.try_add(b)?;
        }
        y.try_reshaped("ViewBackward0", dims)
    }
}

impl<const H: usize, S: LastDim<H>, E: FloatDtype, D: Device> Module<&Tensor<S, E, D>>
    for LayerNorm<H, E, D>
{
    type Output = Tensor<S, E, D>;
    fn forward(&self, x: &Tensor<S, E, D>) -> Tensor<S, E, D> {
        expect_device(self.try_forward(x))
    }
}

impl<const H: usize, S: LastDim<H>, E: FloatDtype, D: Device> Module<Tensor<S, E, D>>
    for LayerNorm<H, E, D>
{
    type Output = Tensor<S, E, D>;
    fn forward(&self, x: Tensor<S, E, D>) -> Tensor<S, E, D> {
        expect_device(self.try_forward(&x))
    }
}

impl<const H: usize, E: FloatDtype, D: Device> fmt::Debug for LayerNorm<H, E, D> {
    /// `LayerNorm((10,), eps=1e-05, elementwise_affine=True, bias=True)`, as PyTorch.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra = format!(
            "({H},), eps={}, elementwise_affine={}, bias={}",
            PyFloat(self.eps),
            py_bool(self.weight.is_some()),
            py_bool(self.bias.is_some())
        );
        fmt_module(f, "LayerNorm", &extra, &[])
    }
}

fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}

/// An optional weight and bias as parameters named `weight` and `bias`.
fn affine_refs<'a, const N: usize, E: FloatDtype, D: Device>(
    weight: &'a Option<Tensor<Rank1<N>, E, D>>,
    bias: &'a Option<Tensor<Rank1<N>, E, D>>,
) -> Vec<ParamRef<'a, E, D>> {
    [("weight", weight), ("bias", bias)]
        .into_iter()
        .filter_map(|(name, t)| {
            t.as_ref().map(|tensor| ParamRef {
                name: name.into(),
                tensor,
            })
        })
        .collect()
}

/// [`affine_refs`], mutably.
fn affine_muts<'a, const N: usize, E: FloatDtype, D: Device>(
    weight: &'a mut Option<Tensor<Rank1<N>, E, D>>,
    bias: &'a mut Option<Tensor<Rank1<N>, E, D>>,
) -> Vec<Param<'a, E, D>> {
    [("weight", weight), ("bias", bias)]
        .into_iter()
        .filter_map(|(name, t)| {
            t.as_mut().map(|tensor| Param {
                name: name.into(),
                tensor,
            })
        })
        .collect()
}

impl<const H: usize, E: FloatDtype, D: Device> Parameters<E, D> for LayerNorm<H, E, D> {
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        affine_refs(&self.weight, &self.bias)
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        affine_muts(&mut self.weight, &mut self.bias)
    }
}

/// An optional parameter moved to `device`.
fn move_opt<S: Shape, E: FloatDtype, D: Device, D2: Device>(
    t: &Option<Tensor<S, E, D>>,
    device: &D2,
) -> Result<Option<Tensor<S, E, D2>>> {
    t.as_ref().map(|t| t.try_move_param(device)).transpose()
}

impl<const H: usize, E: FloatDtype, D: Device, D2: Device> ToDevice<D2> for LayerNorm<H, E, D> {
    type Output = LayerNorm<H, E, D2>;
    fn try_to_device(&self, device: &D2) -> Result<LayerNorm<H, E, D2>> {
        Ok(LayerNorm {
            weight: move_opt(&self.weight, device)?,
            bias: move_opt(&self.bias, device)?,
            eps: self.eps,
        })
    }
}

impl<const H: usize, E: FloatDtype, D: Device> Training for LayerNorm<H, E, D> {
    fn set_training(&mut self, _: bool) {}
}

/// The shapes `BatchNorm1d<C>` takes: `[N, C]` and `[N, C, L]`, with their rows (one per
/// value of a channel) as a `[rows, C]` matrix and back.
#[diagnostic::on_unimplemented(
    message = "`BatchNorm1d<{C}>` cannot normalize a tensor of shape `{Self}`",
    label = "its channel dimension (dimension 1) is not {C}",
    note = "`BatchNorm1d<C>` (`nn.BatchNorm1d(C)`) takes `[N, C]` or `[N, C, L]`"
)]
pub trait BatchNormInput<const C: usize>: Shape {
    /// `x` as a `[rows, C]` matrix: each row one sample (and position) of every channel.
    #[doc(hidden)]
    fn to_rows<E: FloatDtype, D: Device>(
        x: &Tensor<Self, E, D>,
    ) -> Result<Tensor<Rank2<DYN, C>, E, D>>;
    /// The inverse of [`to_rows`](Self::to_rows), for an input of dims `like`.
    #[doc(hidden)]
    fn from_rows<E: FloatDtype, D: Device>(
        y: &Tensor<Rank2<DYN, C>, E, D>,
        like: Dims,
    ) -> Result<Tensor<Self, E, D>>;
}

impl<const N: usize, const C: usize> BatchNormInput<C> for Rank2<N, C> {
    fn to_rows<E: FloatDtype, D: Device>(
        x: &Tensor<Self, E, D>,
    ) -> Result<Tensor<Rank2<DYN, C>, E, D>> {
        Ok(x.to_dyn::<0>())
    }
    fn from_rows<E: FloatDtype, D: Device>(
        y: &Tensor<Rank2<DYN, C>, E, D>,
        like: Dims,
    ) -> Result<Tensor<Self, E, D>> {
        y.try_reshaped("AliasBackward0", like)
    }
}

impl<const N: usize, const C: usize, const L: usize> BatchNormInput<C> for Rank3<N, C, L> {
    fn to_rows<E: FloatDtype, D: Device>(
        x: &Tensor<Self, E, D>,
    ) -> Result<Tensor<Rank2<DYN, C>, E, D>> {
        let d = x.dims();
        let rows = Dims::new(&[d[0] * d[2], d[1]]).unwrap_or(d);
        x.permute::<0, 2, 1>().try_reshaped("ViewBackward0", rows)
    }
    fn from_rows<E: FloatDtype, D: Device>(
        y: &Tensor<Rank2<DYN, C>, E, D>,
        like: Dims,
    ) -> Result<Tensor<Self, E, D>> {
        let nlc = Dims::new(&[like[0], like[2], like[1]]).unwrap_or(like);
        let y3: Tensor<Rank3<N, L, C>, E, D> = y.try_reshaped("ViewBackward0", nlc)?;
        Ok(y3.permute::<0, 2, 1>())
    }
}

#[diagnostic::do_not_recommend]
impl<const C: usize> BatchNormInput<C> for ShapeProbe {
    fn to_rows<E: FloatDtype, D: Device>(
        _: &Tensor<Self, E, D>,
    ) -> Result<Tensor<Rank2<DYN, C>, E, D>> {
        Err(Error::Autograd("ShapeProbe has no elements".into()))
    }
    fn from_rows<E: FloatDtype, D: Device>(
        _: &Tensor<Rank2<DYN, C>, E, D>,
        _: Dims,
    ) -> Result<Tensor<Self, E, D>> {
        Err(Error::Autograd("ShapeProbe has no elements".into()))
    }
}

/// `BatchNorm1d`'s running statistics (`running_mean`, `running_var`,
/// `num_batches_tracked`), updated by each forward pass in training mode.
struct Running<const C: usize, E: FloatDtype, D: Device> {
    mean: Tensor<Rank1<C>, E, D>,
    var: Tensor<Rank1<C>, E, D>,
    num_batches_tracked: i64,
}

/// `nn.BatchNorm1d(C, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)`:
/// each channel normalised by the batch's mean and (biased) variance in training mode, by
/// the running statistics in evaluation mode; then scaled by `weight` and shifted by
/// `bias`. Input `[N, C]` or `[N, C, L]` (statistics over `N` and `L`).
///
/// In training mode each forward pass updates the running statistics as PyTorch does:
/// `running = (1 - momentum) * running + momentum * batch`, with the unbiased batch
/// variance (`momentum: None` is the cumulative average, `1 / num_batches_tracked`). A
/// forward pass takes `&self`, so the statistics sit behind a lock.
///
/// ```
/// use typetensor::nn::{BatchNorm1d, Module, Training};
/// use typetensor::{Rank2, Tensor, tensor};
/// let mut bn = BatchNorm1d::<2>::new(); // nn.BatchNorm1d(2)
/// let x = tensor([[1.0f32, 10.0], [3.0, 30.0]]);
/// let y: Tensor<Rank2<2, 2>> = bn.forward(&x); // training: the batch's statistics
/// assert!((y.to_vec()[0] + 1.0).abs() < 1e-3);
/// assert_eq!(bn.running_mean().unwrap().to_vec(), vec![0.2, 2.0]);
/// bn.eval(); // now the running statistics
/// let _ = bn.forward(&x);
/// assert_eq!(bn.num_batches_tracked(), Some(1));
/// ```
pub struct BatchNorm1d<const C: usize, E: FloatDtype = f32, D: Device = Cpu> {
    /// `[C]`, ones at first; `None` with `affine=False`.
    pub weight: Option<Tensor<Rank1<C>, E, D>>,
    /// `[C]`, zeros at first; `None` with `affine=False`.
    pub bias: Option<Tensor<Rank1<C>, E, D>>,
    /// Added to the variance before the square root (default `1e-5`).
    pub eps: f64,
    /// The running statistics' update weight (default `Some(0.1)`; `None`: cumulative
    /// average).
    pub momentum: Option<f64>,
    /// Training mode (`model.train()`) or evaluation mode (`model.eval()`).
    pub training: bool,
    running: Option<Mutex<Running<C, E, D>>>,
}

impl<const C: usize, E: FloatDtype> BatchNorm1d<C, E, Cpu> {
    /// `nn.BatchNorm1d(C)`: weight ones, bias zeros, running mean zeros and variance ones.
    pub fn new() -> Self {
        BatchNorm1d {
            weight: Some(Tensor::ones().requires_grad_()),
            bias: Some(Tensor::zeros().requires_grad_()),
            eps: 1e-5,
            momentum: Some(0.1),
            training: true,
            running: Some(Mutex::new(Running {
                mean: Tensor::zeros(),
                var: Tensor::ones(),
                num_batches_tracked: 0,
            })),
        }
    }
}

impl<const C: usize, E: FloatDtype> Default for BatchNorm1d<C, E, Cpu> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const C: usize, E: FloatDtype, D: Device> BatchNorm1d<C, E, D> {
    /// `eps=`.
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// `momentum=` (`None`: the cumulative moving average).
    pub fn momentum(mut self, momentum: Option<f64>) -> Self {
        self.momentum = momentum;
        self
    }

    /// `affine=False`: no weight and no bias.
    pub fn no_affine(mut self) -> Self {
        self.weight = None;
        self.bias = None;
        self
    }

    /// `bias=False`: a weight but no bias.
    pub fn no_bias(mut self) -> Self {
        self.bias = None;
        self
    }

    /// `track_running_stats=False`: batch statistics in both modes, nothing kept.
    pub fn no_running_stats(mut self) -> Self {
        self.running = None;
        self
    }

    fn running(&self) -> Option<std::sync::MutexGuard<'_, Running<C, E, D>>> {
        // A panic while the lock was held cannot leave the statistics half-written: each
        // is replaced whole.
        self.running
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// `bn.running_mean` (`None` with `track_running_stats=False`).
    pub fn running_mean(&self) -> Option<Tensor<Rank1<C>, E, D>> {
        self.running().map(|r| r.mean.clone())
    }

    /// `bn.running_var`.
    pub fn running_var(&self) -> Option<Tensor<Rank1<C>, E, D>> {
        self.running().map(|r| r.var.clone())
    }

    /// `bn.num_batches_tracked`.
    pub fn num_batches_tracked(&self) -> Option<i64> {
        self.running().map(|r| r.num_batches_tracked)
    }

    /// Replaces the running statistics (as `load_state_dict` does); `Err` with
    /// `track_running_stats=False`.
    pub fn set_running_stats(
        &mut self,
        mean: Tensor<Rank1<C>, E, D>,
        var: Tensor<Rank1<C>, E, D>,
        num_batches_tracked: i64,
    ) -> Result<()> {
        let Some(r) = &mut self.running else {
            return Err(Error::Autograd(
                "BatchNorm1d: this module has no running statistics (track_running_stats=False)"
                    .into(),
            ));
        };
        let r = r.get_mut().unwrap_or_else(|e| e.into_inner());
        r.mean = mean.detach();
        r.var = var.detach();
        r.num_batches_tracked = num_batches_tracked;
        Ok(())
    }

    /// [`Module::forward`] with errors returned: a device error, or a training-mode batch
    /// with one value per channel (PyTorch's "Expected more than 1 value per channel when
    /// training").
    pub fn try_forward<S: BatchNormInput<C>>(
        &self,
        x: &Tensor<S, E, D>,
    ) -> Result<Tensor<S, E, D>> {
        let rows = S::to_rows(x)?;
        let m = rows.dims()[0];
        let eps = E::from_f64(self.eps);
        let mut running = self.running();
        let batch_stats = self.training || running.is_none();
        let y = if batch_stats {
            if m <= 1 {
                return Err(Error::IncompatibleShapes {
                    op: "BatchNorm1d",
                    lhs: x.dims().as_slice().to_vec(),
                    rhs: vec![C],
                    rule: "training needs more than 1 value per channel",
                });
            }
            let mean = rows.try_mean_dim::<0>()?;
            let centred = rows.try_sub(&mean)?;
            let var = centred.try_mul(&centred)?.try_mean_dim::<0>()?;
            if self.training
                && let Some(r) = running.as_mut()
            {
                r.num_batches_tracked += 1;
                let factor = match self.momentum {
                    Some(m) => m,
                    None => 1.0 / r.num_batches_tracked as f64,
                };
                no_grad(|| -> Result<()> {
                    let unbiased = var.try_mul_scalar(E::from_f64(m as f64 / (m - 1) as f64))?;
                    let keep = E::from_f64(1.0 - factor);
                    let take = E::from_f64(factor);
                    r.mean = r
                        .mean
                        .try_mul_scalar(keep)?
                        .try_add(&mean.detach().try_mul_scalar(take)?)?;
                    r.var = r
                        .var
                        .try_mul_scalar(keep)?
                        .try_add(&unbiased.detach().try_mul_scalar(take)?)?;
                    Ok(())
                })?;
            }
            centred.try_div(&var.try_add_scalar(eps)?.try_sqrt()?)?
        } else {
            let r = running.as_ref().expect("checked: running statistics exist");
            let std = r.var.try_add_scalar(eps)?.try_sqrt()?;
            rows.try_sub(&r.mean)?.try_div(&std)?
        };
        drop(running);
        let mut y = y;
        if let Some(w) = &self.weight {
            y = y.try_mul(w)?;
        }
        if let Some(b) = &self.bias {
            y = y.try_add(b)?;
        }
        S::from_rows(&y, x.dims())
    }
}

impl<const C: usize, S: BatchNormInput<C>, E: FloatDtype, D: Device> Module<&Tensor<S, E, D>>
    for BatchNorm1d<C, E, D>
{
    type Output = Tensor<S, E, D>;
    fn forward(&self, x: &Tensor<S, E, D>) -> Tensor<S, E, D> {
        expect_device(self.try_forward(x))
    }
}

impl<const C: usize, S: BatchNormInput<C>, E: FloatDtype, D: Device> Module<Tensor<S, E, D>>
    for BatchNorm1d<C, E, D>
{
    type Output = Tensor<S, E, D>;
    fn forward(&self, x: Tensor<S, E, D>) -> Tensor<S, E, D> {
        expect_device(self.try_forward(&x))
    }
}

impl<const C: usize, E: FloatDtype, D: Device> fmt::Debug for BatchNorm1d<C, E, D> {
    /// `BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True,
    /// track_running_stats=True)`, as PyTorch.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let momentum = match self.momentum {
            Some(m) => PyFloat(m).to_string(),
            None => "None".into(),
        };
        let extra = format!(
            "{C}, eps={}, momentum={momentum}, affine={}, bias={}, track_running_stats={}",
            PyFloat(self.eps),
            py_bool(self.weight.is_some()),
            py_bool(self.bias.is_some()),
            py_bool(self.running.is_some())
        );
        fmt_module(f, "BatchNorm1d", &extra, &[])
    }
}

impl<const C: usize, E: FloatDtype, D: Device> Parameters<E, D> for BatchNorm1d<C, E, D> {
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        affine_refs(&self.weight, &self.bias)
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        affine_muts(&mut self.weight, &mut self.bias)
    }
    /// `running_mean`, `running_var`, `num_batches_tracked`, as PyTorch's `state_dict`.
    fn buffers(&self) -> Vec<Buffer<E, D>> {
        let Some(r) = self.running() else {
            return Vec::new();
        };
        let flat = |t: &Tensor<Rank1<C>, E, D>| BufferValue::Float(t.to_dyn::<0>().detach());
        vec![
            Buffer {
                name: "running_mean".into(),
                value: flat(&r.mean),
            },
            Buffer {
                name: "running_var".into(),
                value: flat(&r.var),
            },
            Buffer {
                name: "num_batches_tracked".into(),
                value: BufferValue::Count(r.num_batches_tracked),
            },
        ]
    }
    fn set_buffer(&mut self, name: &str, value: BufferValue<E, D>) -> Result<bool> {
        let Some(r) = &mut self.running else {
            return Ok(false);
        };
        let r = r.get_mut().unwrap_or_else(|e| e.into_inner());
        match (name, value) {
            ("running_mean", BufferValue::Float(t)) => r.mean = t.try_into_shape()?.detach(),
            ("running_var", BufferValue::Float(t)) => r.var = t.try_into_shape()?.detach(),
            ("num_batches_tracked", BufferValue::Count(n)) => r.num_batches_tracked = n,
            ("running_mean" | "running_var" | "num_batches_tracked", _) => {
                return Err(Error::Checkpoint(format!(
                    "BatchNorm1d buffer `{name}` of the wrong kind"
                )));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl<const C: usize, E: FloatDtype, D: Device, D2: Device> ToDevice<D2> for BatchNorm1d<C, E, D> {
    type Output = BatchNorm1d<C, E, D2>;
    fn try_to_device(&self, device: &D2) -> Result<BatchNorm1d<C, E, D2>> {
        let running = match self.running() {
            Some(r) => Some(Mutex::new(Running {
                mean: r.mean.try_to_device(device)?,
                var: r.var.try_to_device(device)?,
                num_batches_tracked: r.num_batches_tracked,
            })),
            None => None,
        };
        Ok(BatchNorm1d {
            weight: move_opt(&self.weight, device)?,
            bias: move_opt(&self.bias, device)?,
            eps: self.eps,
            momentum: self.momentum,
            training: self.training,
            running,
        })
    }
}

impl<const C: usize, E: FloatDtype, D: Device> Training for BatchNorm1d<C, E, D> {
    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
}

// In a `Sequential`: both keep the features they are given, and must be given theirs.
macro_rules! keeps_features {
    ($($m:ident),*) => {$(
        impl<const N: usize, E: FloatDtype, D: Device> Follows<Features<N>> for $m<N, E, D> {
            type Out = Features<N>;
        }
        impl<const N: usize, E: FloatDtype, D: Device> Follows<Input> for $m<N, E, D> {
            type Out = Features<N>;
        }
    )*};
}
keeps_features!(LayerNorm, BatchNorm1d);
