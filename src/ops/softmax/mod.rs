//! Softmax along an axis: `softmax`, `log_softmax` and `logsumexp`, computed stably (the
//! axis' maximum is subtracted before exponentiating, so logits of 1e4 neither overflow nor
//! lose the small terms). The shape rule only needs the axis to exist ([`DimAt`]);
//! `logsumexp` drops it from the result ([`Reduced`]).
use crate::Result;
use crate::device::{Device, DeviceStorage};
use crate::dtype::FloatDtype;
use crate::layout::Layout;
use crate::ops::reduce::{Reduced, reduced_shape};
use crate::shape::Shape;
use crate::shape::axis::{DimAt, RemoveDim};
use crate::tensor::{Tensor, expect_device};

mod backward;
pub(crate) mod cpu;
#[cfg(test)]
mod tests;

/// What a softmax kernel computes along its axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SoftmaxOp {
    /// `exp(x - max) / sum(exp(x - max))`.
    Softmax,
    /// `x - max - log(sum(exp(x - max)))`.
    LogSoftmax,
    /// `log(sum(exp(x - m))) + m` with `m` the maximum, or 0 where the maximum is infinite
    /// (so all `-inf` gives `-inf`, as PyTorch); the axis is dropped.
    LogSumExp,
}

/// Softmax kernels: one pass over each line along the axis for the statistics, one to
/// write (PyTorch's CPU and CUDA kernels do the same).
pub trait SoftmaxKernel: DeviceStorage {
    /// `op` along `axis` into new contiguous storage: `x`'s dims for `Softmax` and
    /// `LogSoftmax`, without `axis` for `LogSumExp`. NaN anywhere on a line makes the
    /// line's results NaN.
    fn softmax<E: FloatDtype>(
        &self,
        op: SoftmaxOp,
        x: &Self::Storage<E>,
        l: &Layout,
        axis: usize,
    ) -> Result<Self::Storage<E>>;

    /// The gradient of `Softmax` (`y * (g - sum(g * y))`) or `LogSoftmax`
    /// (`g - exp(y) * sum(g)`) along `axis`, from the output's gradient `g` and the
    /// forward's result `y` (equal dims), into new contiguous storage. `LogSumExp`'s
    /// gradient is `g * softmax(x)`, built from `softmax`.
    #[allow(clippy::too_many_arguments)]
    fn softmax_backward<E: FloatDtype>(
        &self,
        op: SoftmaxOp,
        g: &Self::Storage<E>,
        lg: &Layout,
        y: &Self::Storage<E>,
        ly: &Layout,
        axis: usize,
    ) -> Result<Self::Storage<E>>;
}

/// What [`SoftmaxKernel::softmax_backward`] returns for `LogSumExp`, whose gradient has no
/// kernel of its own.
pub(crate) fn logsumexp_backward_error() -> crate::Error {
    crate::Error::Device("softmax_backward: logsumexp's gradient is g * softmax(x)".into())
}

impl<S: Shape, E: FloatDtype, D: Device> Tensor<S, E, D> {
    /// `op` along a run-time `axis` (which the caller checked exists).
    pub(crate) fn try_softmax_op(&self, op: SoftmaxOp, axis: usize) -> Result<Self> {
        let storage = self.device.softmax(op, &self.storage, &self.layout, axis)?;
        Ok(backward::record(self.with_storage(storage), op, axis, self))
    }

    /// `x.softmax(dim=AX)`: `exp(x)` normalised to sum to 1 along dimension `AX`, computed
    /// as `exp(x - max) / sum(exp(x - max))` so large logits do not overflow.
    ///
    /// ```
    /// use typetensor::tensor;
    /// let x = tensor([[1.0f32, 1.0], [0.0, 1e4]]);
    /// let p = x.softmax::<1>(); // x.softmax(dim=1)
    /// assert_eq!(p.to_vec(), vec![0.5, 0.5, 0.0, 1.0]);
    /// ```
    pub fn softmax<const AX: usize>(&self) -> Self
    where
        S: DimAt<AX>,
    {
        expect_device(self.try_softmax::<AX>())
    }

    /// [`softmax`](Self::softmax) with device errors returned.
    pub fn try_softmax<const AX: usize>(&self) -> Result<Self>
    where
        S: DimAt<AX>,
    {
        self.try_softmax_op(SoftmaxOp::Softmax, AX)
    }

    /// `x.log_softmax(dim=AX)`: `x - logsumexp(x)` along dimension `AX`, without forming
    /// `softmax` first (so it stays finite where `softmax` underflows to 0).
    ///
    /// ```
    /// use typetensor::tensor;
    /// let x = tensor([[0.0f64, 1e4]]);
    /// assert_eq!(x.log_softmax::<1>().to_vec(), vec![-1e4, 0.0]); // x.log_softmax(dim=1)
    /// ```
    pub fn log_softmax<const AX: usize>(&self) -> Self
    where
        S: DimAt<AX>,
    {
        expect_device(self.try_log_softmax::<AX>())
    }

    /// [`log_softmax`](Self::log_softmax) with device errors returned.
    pub fn try_log_softmax<const AX: usize>(&self) -> Result<Self>
    where
        S: DimAt<AX>,
    {
        self.try_softmax_op(SoftmaxOp::LogSoftmax, AX)
    }

    /// `x.logsumexp(dim=AX)`: `log(sum(exp(x)))` along dimension `AX`, which the result
    /// drops, computed with the maximum factored out.
    ///
    /// ```
    /// use typetensor::{tensor, Rank1, Tensor};
    /// let x = tensor([[1e4f32, 1e4], [0.0, f32::NEG_INFINITY]]);
    /// let l: Tensor<Rank1<2>> = x.logsumexp::<1>(); // torch.logsumexp(x, dim=1)
    /// assert_eq!(l.to_vec(), vec![1e4 + std::f32::consts::LN_2, 0.0]);
    /// ```
    pub fn logsumexp<const AX: usize>(&self) -> Tensor<Reduced<S, AX>, E, D>
    where
        S: RemoveDim<AX>,
    {
        expect_device(self.try_logsumexp::<AX>())
    }

    /// [`logsumexp`](Self::logsumexp) with device errors returned.
    pub fn try_logsumexp<const AX: usize>(&self) -> Result<Tensor<Reduced<S, AX>, E, D>>
    where
        S: RemoveDim<AX>,
    {
        let storage = self
            .device
            .softmax(SoftmaxOp::LogSumExp, &self.storage, &self.layout, AX)?;
        let out = Tensor::from_storage(
            storage,
            reduced_shape(&self.layout, AX, false)?,
            self.device.clone(),
        );
        Ok(backward::record_logsumexp(out, AX, self))
    }
}
