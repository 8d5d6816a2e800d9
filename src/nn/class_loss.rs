//! Classification losses as modules: `nn.CrossEntropyLoss`, `nn.NLLLoss` and
//! `nn.BCEWithLogitsLoss`, each holding its options and calling `nn::functional`.
//!
//! A loss takes two tensors, so (as [`MSELoss`](crate::nn::MSELoss)) it has an inherent
//! `forward(input, target)` rather than [`Module`](crate::nn::Module)'s one input. It is
//! still a module for a derived custom module's field: it has no parameters, prints as
//! PyTorch's (`CrossEntropyLoss()`: PyTorch shows no options for a loss), moves to any
//! device and ignores `train()`/`eval()`.
//!
//! PyTorch's `reduction='none'` changes the result's type (one loss per target instead of
//! a scalar), so it is a method of its own, `forward_none`, rather than a [`Reduction`].
use std::fmt;

use crate::Result;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::nn::Reduction;
use crate::nn::activation::no_state;
use crate::nn::fmt_module;
use crate::nn::functional::{self, ClassOpts};
use crate::nn::loss::LossTarget;
use crate::ops::loss::{ClassTarget, ProbLosses, ProbTarget};
use crate::shape::{Rank0, Shape};
use crate::tensor::{Tensor, expect_device};

/// `torch.nn.CrossEntropyLoss(reduction='mean', ignore_index=-100, label_smoothing=0.0)`:
/// `-log softmax(input)[target]` averaged over the targets, for logits `input` and class
/// indices `target` (`i64`). The shapes are a compile-time rule
/// ([`ClassTarget`]): logits `[N, C]` take targets `[N]`. A target outside `0..C` (other
/// than `ignore_index`) is an `Err` from [`try_forward`](Self::try_forward), never a wrong
/// loss. [`forward_probs`](Self::forward_probs) takes class probabilities instead.
///
/// ```
/// use typetensor::nn::{CrossEntropyLoss, Reduction};
/// use typetensor::tensor;
/// // nn.CrossEntropyLoss(reduction='sum', label_smoothing=0.1)
/// let loss_fn = CrossEntropyLoss::new().reduction(Reduction::Sum).label_smoothing(0.1);
/// let logits = tensor([[2.0f64, 0.0, 0.0], [0.0, 0.0, 0.0]]);
/// let target = tensor([0i64, -100]); // the second is ignore_index: no loss
/// let loss = loss_fn.forward(&logits, &target); // loss_fn(logits, target)
/// assert!((loss.item() - 0.372_878_099_555_218).abs() < 1e-12);
/// assert!(loss_fn.try_forward(&logits, &tensor([0i64, 3])).is_err()); // class 3 of 3
/// assert_eq!(format!("{loss_fn:?}"), "CrossEntropyLoss()");
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct CrossEntropyLoss {
    /// `reduction`: the mean over the targets not ignored (the default), or the sum.
    pub reduction: Reduction,
    /// `ignore_index`: targets equal to this contribute nothing (default -100).
    pub ignore_index: i64,
    /// `label_smoothing` `ε` in `[0, 1]`: the target becomes `(1 - ε) · one_hot + ε / C`.
    pub label_smoothing: f64,
}

impl Default for CrossEntropyLoss {
    /// `nn.CrossEntropyLoss()`.
    fn default() -> Self {
        let opts = ClassOpts::default();
        CrossEntropyLoss {
            reduction: Reduction::Mean,
            ignore_index: opts.ignore_index,
            label_smoothing: opts.label_smoothing,
        }
    }
}

impl CrossEntropyLoss {
    /// `nn.CrossEntropyLoss()`: mean, `ignore_index=-100`, no smoothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// `reduction='mean'` or `'sum'` (for `'none'` see [`forward_none`](Self::forward_none)).
    pub fn reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }

    /// `ignore_index=…`.
    pub fn ignore_index(mut self, index: i64) -> Self {
        self.ignore_index = index;
        self
    }

    /// `label_smoothing=…` (a value outside `[0, 1]` is an `Err` from `try_forward`, as
    /// PyTorch raises at the call).
    pub fn label_smoothing(mut self, epsilon: f64) -> Self {
        self.label_smoothing = epsilon;
        self
    }

    fn opts(&self) -> ClassOpts {
        ClassOpts::new()
            .ignore_index(self.ignore_index)
            .label_smoothing(self.label_smoothing)
    }

    /// `loss_fn(input, target)` with class indices: a one-element tensor. Panics on a
    /// target out of range; see [`try_forward`](Self::try_forward).
    pub fn forward<S, T, E, D>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<T, i64, D>,
    ) -> Tensor<Rank0, E, D>
    where
        S: ClassTarget<T>,
        T: Shape,
        E: FloatDtype,
        D: Device,
    {
        expect_device(self.try_forward(input, target))
    }

    /// [`forward`](Self::forward) with a target out of range, a smoothing outside
    /// `[0, 1]` and device errors returned as `Err`.
    pub fn try_forward<S, T, E, D>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<T, i64, D>,
    ) -> Result<Tensor<Rank0, E, D>>
    where
        S: ClassTarget<T>,
        T: Shape,
        E: FloatDtype,
        D: Device,
    {
        functional::try_cross_entropy_with(input, target, self.reduction, self.opts())
    }

    /// `nn.CrossEntropyLoss(reduction='none')(input, target)`: the loss of every target (0
    /// where ignored), with the targets' shape. `self.reduction` is not used.
    pub fn forward_none<S, T, E, D>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<T, i64, D>,
    ) -> Tensor<T, E, D>
    where
        S: ClassTarget<T>,
        T: Shape,
        E: FloatDtype,
        D: Device,
    {
        expect_device(self.try_forward_none(input, target))
    }

    /// [`forward_none`](Self::forward_none) with errors returned.
    pub fn try_forward_none<S, T, E, D>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<T, i64, D>,
    ) -> Result<Tensor<T, E, D>>
    where
        S: ClassTarget<T>,
        T: Shape,
        E: FloatDtype,
        D: Device,
    {
        functional::try_cross_entropy_none(input, target, self.opts())
    }

    /// `loss_fn(input, probs)` with class-probability targets of the logits' own shape
    /// (a compile-time rule, [`ProbTarget`]): `-Σ_c probs · log softmax(input)`, reduced.
    /// `ignore_index` does not apply (as in PyTorch).
    ///
    /// ```
    /// use typetensor::nn::CrossEntropyLoss;
    /// use typetensor::tensor;
    /// let loss = CrossEntropyLoss::new().forward_probs(&tensor([[0.0f32, 0.0]]), &tensor([[0.25f32, 0.75]]));
    /// assert!((loss.item() - 2f32.ln()).abs() < 1e-6);
    /// ```
    pub fn forward_probs<S, P, E, D>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<P, E, D>,
    ) -> Tensor<Rank0, E, D>
    where
        S: ProbTarget<P>,
        P: Shape,
        E: FloatDtype,
        D: Device,
    {
        expect_device(self.try_forward_probs(input, target))
    }

    /// [`forward_probs`](Self::forward_probs) with errors returned.
    pub fn try_forward_probs<S, P, E, D>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<P, E, D>,
    ) -> Result<Tensor<Rank0, E, D>>
    where
        S: ProbTarget<P>,
        P: Shape,
        E: FloatDtype,
        D: Device,
    {
        functional::try_cross_entropy_probs_with(
            input,
            target,
            self.reduction,
            self.label_smoothing,
        )
    }

    /// `reduction='none'` with class-probability targets: one loss per element, without
    /// the class dimension.
    pub fn forward_probs_none<S, P, E, D>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<P, E, D>,
    ) -> Tensor<ProbLosses<S, P>, E, D>
    where
        S: ProbTarget<P>,
        P: Shape,
        E: FloatDtype,
        D: Device,
    {
        expect_device(self.try_forward_probs_none(input, target))
    }

    /// [`forward_probs_none`](Self::forward_probs_none) with errors returned.
    pub fn try_forward_probs_none<S, P, E, D>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<P, E, D>,
    ) -> Result<Tensor<ProbLosses<S, P>, E, D>>
    where
        S: ProbTarget<P>,
        P: Shape,
        E: FloatDtype,
        D: Device,
    {
        functional::try_cross_entropy_probs_none(input, target, self.label_smoothing)
    }
}

/// `torch.nn.NLLLoss(reduction='mean', ignore_index=-100)`: `-input[target]` averaged over
/// the targets not ignored, for log-probabilities `input` (a [`LogSoftmax`]'s output) and
/// class indices `target`, under the same shape rule as [`CrossEntropyLoss`].
///
/// [`LogSoftmax`]: crate::nn::LogSoftmax
///
/// ```
/// use typetensor::nn::{LogSoftmax, Module, NLLLoss};
/// use typetensor::tensor;
/// let loss_fn = NLLLoss::new(); // nn.NLLLoss()
/// let logp = LogSoftmax::<1>.forward(&tensor([[2.0f32, 0.0, 0.0], [0.0, 0.0, 0.0]]));
/// let loss = loss_fn.forward(&logp, &tensor([0i64, 2])); // = CrossEntropyLoss on the logits
/// assert!((loss.item() - 0.669_078_6).abs() < 1e-6);
/// assert_eq!(format!("{loss_fn:?}"), "NLLLoss()");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct NLLLoss {
    /// `reduction`: mean over the targets not ignored (the default), or sum.
    pub reduction: Reduction,
    /// `ignore_index` (default -100).
    pub ignore_index: i64,
}

impl Default for NLLLoss {
    /// `nn.NLLLoss()`.
    fn default() -> Self {
        NLLLoss {
            reduction: Reduction::Mean,
            ignore_index: ClassOpts::default().ignore_index,
        }
    }
}

impl NLLLoss {
    /// `nn.NLLLoss()`: mean, `ignore_index=-100`.
    pub fn new() -> Self {
        Self::default()
    }

    /// `reduction='mean'` or `'sum'` (for `'none'` see [`forward_none`](Self::forward_none)).
    pub fn reduction(mut self, reduction: Reduction) -> Self {
        self.reduction = reduction;
        self
    }

    /// `ignore_index=…`.
    pub fn ignore_index(mut self, index: i64) -> Self {
        self.ignore_index = index;
        self
    }

    /// `loss_fn(input, target)`: a one-element tensor. Panics on a target out of range;
    /// see [`try_forward`](Self::try_forward).
    pub fn forward<S, T, E, D>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<T, i64, D>,
    ) -> Tensor<Rank0, E, D>
    where
        S: ClassTarget<T>,
        T: Shape,
        E: FloatDtype,
        D: Device,
    {
        expect_device(self.try_forward(input, target))
    }

    /// [`forward`](Self::forward) with a target out of range and device errors returned.
    pub fn try_forward<S, T, E, D>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<T, i64, D>,
    ) -> Result<Tensor<Rank0, E, D>>
    where
        S: ClassTarget<T>,
        T: Shape,
        E: FloatDtype,
        D: Device,
    {
        functional::try_nll_loss_with(input, target, self.reduction, self.ignore_index)
    }

    /// `nn.NLLLoss(reduction='none')(input, target)`: the loss of every target (0 where
    /// ignored). `self.reduction` is not used.
    pub fn forward_none<S, T, E, D>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<T, i64, D>,
    ) -> Tensor<T, E, D>
    where
        S: ClassTarget<T>,
        T: Shape,
        E: FloatDtype,
        D: Device,
    {
        expect_device(self.try_forward_none(input, target))
    }

    /// [`forward_none`](Self::forward_none) with errors returned.
    pub fn try_forward_none<S, T, E, D>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<T, i64, D>,
    ) -> Result<Tensor<T, E, D>>
    where
        S: ClassTarget<T>,
        T: Shape,
        E: FloatDtype,
        D: Device,
    {
        functional::try_nll_loss_none(input, target, self.ignore_index)
    }
}

/// `torch.nn.BCEWithLogitsLoss(reduction='mean')`: the binary cross-entropy of
/// `sigmoid(input)` against targets in `[0, 1]` of the input's shape (a compile-time rule,
/// [`LossTarget`]), computed from the logits without overflow. PyTorch's `pos_weight` is
/// the functional form's
/// ([`binary_cross_entropy_with_logits_with`](functional::binary_cross_entropy_with_logits_with)).
///
/// ```
/// use typetensor::nn::BCEWithLogitsLoss;
/// use typetensor::tensor;
/// let loss_fn = BCEWithLogitsLoss::new(); // nn.BCEWithLogitsLoss()
/// let loss = loss_fn.forward(&tensor([0.0f32, 100.0]), &tensor([1.0f32, 1.0]));
/// assert!((loss.item() - 2f32.ln() / 2.0).abs() < 1e-6);
/// assert_eq!(format!("{loss_fn:?}"), "BCEWithLogitsLoss()");
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct BCEWithLogitsLoss {
    /// `reduction`: mean (the default) or sum.
    pub reduction: Reduction,
}

impl BCEWithLogitsLoss {
    /// `nn.BCEWithLogitsLoss()`.
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

    /// [`forward`](Self::forward) with device errors returned.
    pub fn try_forward<S: Shape, ST: LossTarget<S>, E: FloatDtype, D: Device>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<ST, E, D>,
    ) -> Result<Tensor<Rank0, E, D>> {
        let target = same_shape("binary_cross_entropy_with_logits", input, target)?;
        functional::try_binary_cross_entropy_with_logits_with::<S, S, E, D>(
            input,
            &target,
            self.reduction,
            None,
        )
    }

    /// `nn.BCEWithLogitsLoss(reduction='none')(input, target)`: the loss of every element.
    pub fn forward_none<S: Shape, ST: LossTarget<S>, E: FloatDtype, D: Device>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<ST, E, D>,
    ) -> Tensor<S, E, D> {
        expect_device(self.try_forward_none(input, target))
    }

    /// [`forward_none`](Self::forward_none) with device errors returned.
    pub fn try_forward_none<S: Shape, ST: LossTarget<S>, E: FloatDtype, D: Device>(
        &self,
        input: &Tensor<S, E, D>,
        target: &Tensor<ST, E, D>,
    ) -> Result<Tensor<S, E, D>> {
        let target = same_shape("binary_cross_entropy_with_logits", input, target)?;
        functional::try_binary_cross_entropy_with_logits_none::<S, S, E, D>(input, &target, None)
    }
}

/// The target under the input's shape type, which [`LossTarget`] proved equal; run-time
/// (`DYN`) sizes are compared here, an `Err` naming the loss (`op`, PyTorch's function name)
/// and both shapes.
pub(crate) fn same_shape<S: Shape, ST: LossTarget<S>, E: FloatDtype, D: Device>(
    op: &'static str,
    input: &Tensor<S, E, D>,
    target: &Tensor<ST, E, D>,
) -> Result<Tensor<S, E, D>> {
    if input.dims() != target.dims() {
        return Err(Error::IncompatibleShapes {
            op,
            lhs: input.dims().as_slice().to_vec(),
            rhs: target.dims().as_slice().to_vec(),
            rule: "a loss's target has the prediction's shape",
        });
    }
    Ok(target.clone().into_same_shape())
}

no_state!(CrossEntropyLoss);
no_state!(NLLLoss);
no_state!(BCEWithLogitsLoss);

macro_rules! loss_repr {
    ($($t:ident),*) => {$(
        impl fmt::Debug for $t {
            /// As PyTorch prints a loss: its name, no options.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt_module(f, stringify!($t), "", &[])
            }
        }
    )*};
}
loss_repr!(CrossEntropyLoss, NLLLoss, BCEWithLogitsLoss);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::functional as F;
    use crate::nn::{L1Loss, MSELoss, Training};
    use crate::shape::{DYN, Rank1, Rank2};
    use crate::tensor::{manual_seed, tensor};

    // The modules are their functional forms with the options they hold (the goldens in
    // tests/classifier_parity.rs check the numbers against PyTorch).
    #[test]
    fn modules_call_their_functional_forms_with_their_options() {
        manual_seed(1);
        let x = Tensor::<Rank2<5, 4>, f64>::randn();
        let t = tensor([0i64, 3, 2, 2, 1]);
        let opts = ClassOpts::new().ignore_index(2).label_smoothing(0.3);
        let ce = CrossEntropyLoss::new()
            .reduction(Reduction::Sum)
            .ignore_index(2)
            .label_smoothing(0.3);
        let want = F::cross_entropy_with(&x, &t, Reduction::Sum, opts).item();
        assert_eq!(ce.forward(&x, &t).item(), want);
        assert_eq!(
            ce.forward_none(&x, &t).to_vec(),
            F::cross_entropy_none(&x, &t, opts).to_vec()
        );
        let nll = NLLLoss::new().ignore_index(2);
        let logp = x.log_softmax::<1>();
        assert_eq!(
            nll.forward(&logp, &t).item(),
            F::nll_loss_with(&logp, &t, Reduction::Mean, 2).item()
        );
        // CrossEntropyLoss = NLLLoss after LogSoftmax, as in PyTorch.
        let plain = CrossEntropyLoss::new().ignore_index(2);
        assert!((plain.forward(&x, &t).item() - nll.forward(&logp, &t).item()).abs() < 1e-12);
        let y = Tensor::<Rank2<5, 4>, f64>::rand();
        assert_eq!(
            BCEWithLogitsLoss::new().forward(&x, &y).item(),
            F::binary_cross_entropy_with_logits(&x, &y).item()
        );
        assert_eq!(
            L1Loss::new()
                .reduction(Reduction::Sum)
                .forward(&x, &y)
                .item(),
            F::l1_loss_with(&x, &y, Reduction::Sum).item()
        );
    }

    #[test]
    fn bad_targets_and_options_are_errors_not_wrong_losses() {
        let x = Tensor::<Rank2<2, 3>>::zeros();
        let ce = CrossEntropyLoss::new();
        for bad in [[0i64, 3], [-1, 0]] {
            assert!(ce.try_forward(&x, &tensor(bad)).is_err(), "{bad:?}");
            assert!(ce.try_forward_none(&x, &tensor(bad)).is_err(), "{bad:?}");
            assert!(NLLLoss::new().try_forward(&x, &tensor(bad)).is_err());
        }
        // The ignored index may be out of range; others may not.
        assert!(
            ce.ignore_index(7)
                .try_forward(&x, &tensor([7i64, 0]))
                .is_ok()
        );
        let smooth = CrossEntropyLoss::new().label_smoothing(1.5);
        assert!(smooth.try_forward(&x, &tensor([0i64, 1])).is_err());
        assert!(smooth.try_forward_probs(&x, &x).is_err());
    }

    #[test]
    fn run_time_sizes_that_differ_are_errors() {
        let x = Tensor::<Rank2<DYN, 3>>::zeros_dims(&[4, 3]).unwrap();
        let y = Tensor::<Rank2<DYN, 3>>::zeros_dims(&[5, 3]).unwrap();
        let e = BCEWithLogitsLoss::new().try_forward(&x, &y).err().unwrap();
        assert!(
            e.to_string()
                .starts_with("binary_cross_entropy_with_logits: shapes [4, 3] and [5, 3]"),
            "{e}"
        );
        assert!(BCEWithLogitsLoss::new().try_forward_none(&x, &y).is_err());
        assert!(L1Loss::new().try_forward(&x, &y).is_err());
        assert!(MSELoss::default().try_forward(&x, &y).is_err());
        let t = Tensor::<Rank1<DYN>, i64>::zeros_dims(&[5]).unwrap();
        assert!(CrossEntropyLoss::new().try_forward(&x, &t).is_err());
        assert!(NLLLoss::new().try_forward(&x, &t).is_err());
        let t = Tensor::<Rank1<DYN>, i64>::zeros_dims(&[4]).unwrap();
        assert!(CrossEntropyLoss::new().try_forward(&x, &t).is_ok());
    }

    #[test]
    fn losses_ignore_the_mode_and_print_as_pytorch() {
        let mut ce = CrossEntropyLoss::new().label_smoothing(0.1);
        let x = tensor([[1.0f32, 2.0, 0.5]]);
        let t = tensor([1i64]);
        let train = ce.forward(&x, &t).item();
        ce.eval();
        assert_eq!(ce.forward(&x, &t).item(), train);
        assert_eq!(format!("{ce:?}"), "CrossEntropyLoss()");
        assert_eq!(format!("{:?}", NLLLoss::new()), "NLLLoss()");
        assert_eq!(format!("{:?}", L1Loss::new()), "L1Loss()");
        assert_eq!(format!("{:?}", MSELoss::default()), "MSELoss()");
    }
}
