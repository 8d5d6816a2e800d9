//! Regression losses (`nn.MSELoss`, `nn.L1Loss`), the reductions and the target-shape rule
//! that every loss shares.
use std::fmt;

use crate::Result;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::nn::activation::no_state;
use crate::nn::class_loss::same_shape;
use crate::nn::fmt_module;
use crate::nn::functional;
use crate::ops::arith::BinaryOp;
use crate::shape::{Rank0, Shape};
use crate::tensor::{Tensor, expect_device};

/// How a loss combines the per-element losses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Reduction {
    /// The average (PyTorch's default).
    #[default]
    Mean,
    /// The sum (the lesson's `reduction='sum'`).
    Sum,
}

/// A loss's target has the prediction's shape `S` (a rule of its own, so that a mismatch
/// names both shapes rather than rustc's "expected `10`, found `1`").
#[diagnostic::on_unimplemented(
    message = "a loss needs the target's shape to equal the prediction's: the target is `{Self}`, the prediction `{S}`",
    label = "a target of another shape",
    note = "PyTorch would broadcast (with a warning); here reshape the target first, say `y.view::<RankN<..>>()`"
)]
pub trait LossTarget<S: Shape>: Shape {}
impl<S: Shape> LossTarget<S> for S {}
// A where-clause on the target's type rather than one type for both arguments: a mismatch of
// two known shapes is then reported with the message above instead of rustc's "expected `10`,
// found `1`". (A target whose type only the prediction could tell, `&Tensor::zeros()`, now
// needs its type written.)

/// `nn.MSELoss(reduction=…)`: the squared error between a prediction and a target of the
/// same shape (checked by the types).
///
/// ```
/// use typetensor::nn::{MSELoss, Reduction};
/// use typetensor::tensor;
/// let loss_fn = MSELoss::new(Reduction::Sum); // nn.MSELoss(reduction='sum')
/// let loss = loss_fn.forward(&tensor([1.0f32, 2.0]), &tensor([0.0f32, 0.0]));
/// assert_eq!(loss.item(), 5.0);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct MSELoss {
    /// Sum or mean.
    pub reduction: Reduction,
}

impl MSELoss {
    /// A loss with this reduction.
    pub fn new(reduction: Reduction) -> Self {
        MSELoss { reduction }
    }

    /// `loss_fn(input, target)`: a one-element tensor, recorded as `MseLossBackward0`.
    pub fn forward<S: Shape, ST: LossTarget<S>, E: FloatDtype, D: Device>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<ST, E, D>,
    ) -> Tensor<Rank0, E, D> {
        expect_device(self.try_forward(input, target))
    }

    /// [`forward`](Self::forward) with device errors returned.
    pub fn try_forward<S: Shape, ST: LossTarget<S>, E: FloatDtype, D: Device>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<ST, E, D>,
    ) -> Result<Tensor<Rank0, E, D>> {
        let target: &Tensor<S, E, D> = &same_shape("mse_loss", input, target)?;
        let reduction = self.reduction;
        let n = E::from_f64(input.numel() as f64);
        let loss = crate::autograd::no_grad(|| {
            let sq = input
                .try_sub(target)?
                .try_pow(E::one() + E::one())?
                .try_sum()?;
            match reduction {
                Reduction::Sum => Ok(sq),
                Reduction::Mean => sq.try_div_scalar(n),
            }
        })?;
        let (ri, rt) = (input.raw(), target.raw());
        Ok(loss.record2(
            "MseLossBackward0",
            input,
            target,
            move |g, need_input, need_target| {
                // d/d input = 2 (input - target) · g (/ n for the mean)
                let two = E::one() + E::one();
                let scale = match reduction {
                    Reduction::Sum => two,
                    Reduction::Mean => two / n,
                };
                let d = ri
                    .binary(BinaryOp::Sub, &rt)?
                    .mul_scalar(scale)?
                    .binary(BinaryOp::Mul, g)?;
                let gt = if need_target { Some(d.neg()?) } else { None };
                Ok((need_input.then_some(d), gt))
            },
        ))
    }
}

/// `nn.L1Loss(reduction=…)`: the absolute error between a prediction and a target of the
/// same shape (checked by the types), averaged or summed. Its gradient at equal values is
/// 0, as PyTorch's.
///
/// ```
/// use typetensor::nn::{L1Loss, Reduction};
/// use typetensor::tensor;
/// let loss_fn = L1Loss::new(); // nn.L1Loss()
/// assert_eq!(loss_fn.forward(&tensor([1.0f32, 5.0]), &tensor([2.0f32, 2.0])).item(), 2.0);
/// let sum = L1Loss::new().reduction(Reduction::Sum); // nn.L1Loss(reduction='sum')
/// assert_eq!(sum.forward(&tensor([1.0f32, 5.0]), &tensor([2.0f32, 2.0])).item(), 4.0);
/// assert_eq!(format!("{loss_fn:?}"), "L1Loss()");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct L1Loss {
    /// Mean (the default) or sum.
    pub reduction: Reduction,
}

impl L1Loss {
    /// `nn.L1Loss()`.
    pub fn new() -> Self {
        Self::default()
    }

    /// `reduction='mean'` or `'sum'` (for `'none'` see [`forward_none`](Self::forward_none)).
    pub fn reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }

    /// `loss_fn(input, target)`: a one-element tensor.
    pub fn forward<S: Shape, ST: LossTarget<S>, E: FloatDtype, D: Device>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<ST, E, D>,
    ) -> Tensor<Rank0, E, D> {
        expect_device(self.try_forward(input, target))
    }

    /// [`forward`](Self::forward) with device errors (and run-time sizes that differ)
    /// returned.
    pub fn try_forward<S: Shape, ST: LossTarget<S>, E: FloatDtype, D: Device>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<ST, E, D>,
    ) -> Result<Tensor<Rank0, E, D>> {
        functional::try_l1_loss_with(
            input,
            &same_shape("l1_loss", input, target)?,
            self.reduction,
        )
    }

    /// `nn.L1Loss(reduction='none')(input, target)`: the absolute error of every element.
    pub fn forward_none<S: Shape, ST: LossTarget<S>, E: FloatDtype, D: Device>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<ST, E, D>,
    ) -> Tensor<S, E, D> {
        expect_device(self.try_forward_none(input, target))
    }

    /// [`forward_none`](Self::forward_none) with errors returned.
    pub fn try_forward_none<S: Shape, ST: LossTarget<S>, E: FloatDtype, D: Device>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<ST, E, D>,
    ) -> Result<Tensor<S, E, D>> {
        functional::try_l1_loss_none(input, &same_shape("l1_loss", input, target)?)
    }
}

no_state!(L1Loss);

impl<E: FloatDtype, D: Device> crate::nn::Parameters<E, D> for MSELoss {
    fn parameters(&self) -> Vec<crate::nn::ParamRef<'_, E, D>> {
        Vec::new()
    }
    fn parameters_mut(&mut self) -> Vec<crate::nn::Param<'_, E, D>> {
        Vec::new()
    }
}

impl fmt::Debug for MSELoss {
    /// `MSELoss()`, as PyTorch prints a loss (no options).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_module(f, "MSELoss", "", &[])
    }
}

impl fmt::Debug for L1Loss {
    /// `L1Loss()`, as PyTorch prints a loss (no options).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_module(f, "L1Loss", "", &[])
    }
}
