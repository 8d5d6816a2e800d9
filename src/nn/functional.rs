//! `torch.nn.functional`: the stateless activations, losses and regularisers, as functions
//! of tensors. `use typetensor::nn::functional as F;` reads like PyTorch's
//! `import torch.nn.functional as F`.
//!
//! Ops that PyTorch also has as tensor methods (`softmax`, `log_softmax`, `logsumexp`,
//! `gather`, `scatter_add`) are methods here too; the functions below call them.
use crate::Result;
use crate::autograd::Raw;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::nn::Reduction;
use crate::ops::arith::{BinaryOp, BroadcastInto};
use crate::ops::loss::{ClassTarget, ProbLosses, ProbTarget, Terms, nll_terms};
use crate::ops::reduce::ReduceOp;
use crate::ops::softmax::SoftmaxOp;
use crate::ops::unary::{FloatUnaryOp, UnaryOp};
use crate::shape::{Rank0, Shape};
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

/// [`gelu`] with device errors returned.
pub fn try_gelu<S: Shape, E: FloatDtype, D: Device>(
    x: &Tensor<S, E, D>,
) -> Result<Tensor<S, E, D>> {
    try_gelu_with(x, GeluApproximate::None)
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

// ---------------------------------------------------------------------------------------
// Classification losses
// ---------------------------------------------------------------------------------------

/// The class-index options of [`cross_entropy_with`] and [`nll_loss_with`]: PyTorch's
/// `ignore_index` (default -100) and `label_smoothing` (default 0; `nll_loss` has none).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassOpts {
    /// Targets equal to this contribute nothing, and are not counted by the mean.
    pub ignore_index: i64,
    /// `ε` in `[0, 1]`: the target becomes `(1 - ε) · one_hot + ε / C`.
    pub label_smoothing: f64,
}

impl Default for ClassOpts {
    fn default() -> Self {
        ClassOpts {
            ignore_index: -100,
            label_smoothing: 0.0,
        }
    }
}

impl ClassOpts {
    /// PyTorch's defaults: `ignore_index=-100`, `label_smoothing=0.0`.
    pub fn new() -> Self {
        Self::default()
    }

    /// `ignore_index=…`.
    pub fn ignore_index(mut self, index: i64) -> Self {
        self.ignore_index = index;
        self
    }

    /// `label_smoothing=…`.
    pub fn label_smoothing(mut self, epsilon: f64) -> Self {
        self.label_smoothing = epsilon;
        self
    }
}

fn check_smoothing(epsilon: f64) -> Result<()> {
    if (0.0..=1.0).contains(&epsilon) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "label_smoothing must be between 0.0 and 1.0, got {epsilon}"
        )))
    }
}

/// `Mean` or `Sum` of per-element losses.
fn reduce<T: Shape, E: FloatDtype, D: Device>(
    per: &Tensor<T, E, D>,
    reduction: Reduction,
) -> Result<Tensor<Rank0, E, D>> {
    match reduction {
        Reduction::Mean => per.try_mean(),
        Reduction::Sum => per.try_sum(),
    }
}

/// Per-element class-index cross-entropy (0 where ignored), and the 0/1 mask of counted
/// elements: `(1 - ε) · nll + ε / C · (-Σ_c logp)`, PyTorch's formula.
fn cross_entropy_terms<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
    opts: ClassOpts,
) -> Result<Terms<T, E, D>>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    check_smoothing(opts.label_smoothing)?;
    let axis = <S as ClassTarget<T>>::AXIS;
    let logp = input.try_softmax_op(SoftmaxOp::LogSoftmax, axis)?;
    let (nll, mask) = nll_terms(&logp, target, axis, opts.ignore_index)?;
    if opts.label_smoothing == 0.0 {
        return Ok((nll, mask));
    }
    let eps = E::from_f64(opts.label_smoothing);
    let classes = E::from_f64(input.dims()[axis] as f64);
    let smooth = logp
        .try_reduce_dim::<T>(ReduceOp::Sum, axis)?
        .try_mul(&mask)?
        .try_mul_scalar(-(eps / classes))?;
    let per = nll.try_mul_scalar(E::one() - eps)?.try_add(&smooth)?;
    Ok((per, mask))
}

/// Sum over the counted elements, divided by their count for the mean (NaN when every
/// target is ignored, as PyTorch).
fn reduce_counted<T: Shape, E: FloatDtype, D: Device>(
    per: &Tensor<T, E, D>,
    mask: &Tensor<T, E, D>,
    reduction: Reduction,
) -> Result<Tensor<Rank0, E, D>> {
    let sum = per.try_sum()?;
    match reduction {
        Reduction::Sum => Ok(sum),
        Reduction::Mean => sum.try_div(&mask.try_sum()?),
    }
}

/// `F.cross_entropy(input, target)`: the mean over the batch of `-log softmax(input)[target]`,
/// with `target` holding class indices (`i64`). The shapes are a compile-time rule
/// ([`ClassTarget`]): logits `[N, C]` take targets `[N]`, `[C]` a scalar, `[N, C, d1]`
/// `[N, d1]`. A target outside `0..C` panics; see [`try_cross_entropy`].
///
/// ```
/// use typetensor::nn::functional as F;
/// use typetensor::tensor;
/// let logits = tensor([[2.0f32, 0.0, 0.0], [0.0, 0.0, 0.0]]).requires_grad_();
/// let target = tensor([0i64, 2]);
/// let loss = F::cross_entropy(&logits, &target); // F.cross_entropy(logits, target)
/// assert!((loss.item() - 0.669_078_6).abs() < 1e-6);
/// loss.backward();
/// ```
pub fn cross_entropy<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
) -> Tensor<Rank0, E, D>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    expect_device(try_cross_entropy(input, target))
}

/// [`cross_entropy`], with a target out of range (and device errors) returned as `Err`.
pub fn try_cross_entropy<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
) -> Result<Tensor<Rank0, E, D>>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    try_cross_entropy_with(input, target, Reduction::Mean, ClassOpts::default())
}

/// `F.cross_entropy(input, target, reduction=…, ignore_index=…, label_smoothing=…)`.
/// The mean divides by the number of targets not ignored (NaN if there is none, as
/// PyTorch). Panics on a target out of range or a smoothing outside `[0, 1]`; see
/// [`try_cross_entropy_with`].
///
/// ```
/// use typetensor::nn::{Reduction, functional::{self as F, ClassOpts}};
/// use typetensor::tensor;
/// let logits = tensor([[2.0f64, 0.0, 0.0], [0.0, 0.0, 0.0]]);
/// let target = tensor([0i64, -100]);
/// // F.cross_entropy(logits, target, reduction='sum', label_smoothing=0.1)
/// let opts = ClassOpts::new().label_smoothing(0.1);
/// let loss = F::cross_entropy_with(&logits, &target, Reduction::Sum, opts);
/// assert!((loss.item() - 0.372_878_099_555_218).abs() < 1e-12);
/// ```
pub fn cross_entropy_with<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
    reduction: Reduction,
    opts: ClassOpts,
) -> Tensor<Rank0, E, D>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    expect_device(try_cross_entropy_with(input, target, reduction, opts))
}

/// [`cross_entropy_with`] with bad targets, options and device errors returned as `Err`.
pub fn try_cross_entropy_with<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
    reduction: Reduction,
    opts: ClassOpts,
) -> Result<Tensor<Rank0, E, D>>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    let (per, mask) = cross_entropy_terms(input, target, opts)?;
    reduce_counted(&per, &mask, reduction)
}

/// `F.cross_entropy(input, target, reduction='none', …)`: the loss of every target (0
/// where ignored), with the targets' shape.
pub fn cross_entropy_none<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
    opts: ClassOpts,
) -> Tensor<T, E, D>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    expect_device(try_cross_entropy_none(input, target, opts))
}

/// [`cross_entropy_none`] with bad targets, options and device errors returned as `Err`.
pub fn try_cross_entropy_none<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
    opts: ClassOpts,
) -> Result<Tensor<T, E, D>>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    Ok(cross_entropy_terms(input, target, opts)?.0)
}

/// Per-element cross-entropy against class probabilities, summed over the class axis.
fn cross_entropy_probs_terms<S, P, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<P, E, D>,
    label_smoothing: f64,
) -> Result<Tensor<ProbLosses<S, P>, E, D>>
where
    S: ProbTarget<P>,
    P: Shape,
    E: FloatDtype,
    D: Device,
{
    check_smoothing(label_smoothing)?;
    let axis = <S as ProbTarget<P>>::AXIS;
    if target.dims() != input.dims() {
        return Err(Error::ShapeMismatch {
            expected: input.dims().as_slice().to_vec(),
            found: target.dims().as_slice().to_vec(),
        });
    }
    // `P` is `S` (the rule says so): see the target as the logits' type, graph node kept.
    let target = target.retyped::<S>()?;
    let logp = input.try_softmax_op(SoftmaxOp::LogSoftmax, axis)?;
    let eps = E::from_f64(label_smoothing);
    let classes = E::from_f64(input.dims()[axis] as f64);
    let q = if label_smoothing == 0.0 {
        target
    } else {
        target
            .try_mul_scalar(E::one() - eps)?
            .try_add_scalar(eps / classes)?
    };
    logp.try_mul(&q)?
        .try_reduce_dim::<ProbLosses<S, P>>(ReduceOp::Sum, axis)?
        .try_neg()
}

/// `F.cross_entropy(input, target)` with class-probability targets of the logits' own
/// shape (a compile-time rule, [`ProbTarget`]): `-Σ_c target · log softmax(input)`,
/// averaged over the batch (and any extra dims).
///
/// ```
/// use typetensor::nn::functional as F;
/// use typetensor::tensor;
/// let logits = tensor([[0.0f32, 0.0]]);
/// let probs = tensor([[0.25f32, 0.75]]);
/// assert!((F::cross_entropy_probs(&logits, &probs).item() - 2f32.ln()).abs() < 1e-6);
/// ```
pub fn cross_entropy_probs<S, P, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<P, E, D>,
) -> Tensor<Rank0, E, D>
where
    S: ProbTarget<P>,
    P: Shape,
    E: FloatDtype,
    D: Device,
{
    expect_device(try_cross_entropy_probs_with(
        input,
        target,
        Reduction::Mean,
        0.0,
    ))
}

/// `F.cross_entropy(input, target, reduction=…, label_smoothing=…)` with class-probability
/// targets: the targets become `(1 - ε) · target + ε / C`.
pub fn cross_entropy_probs_with<S, P, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<P, E, D>,
    reduction: Reduction,
    label_smoothing: f64,
) -> Tensor<Rank0, E, D>
where
    S: ProbTarget<P>,
    P: Shape,
    E: FloatDtype,
    D: Device,
{
    expect_device(try_cross_entropy_probs_with(
        input,
        target,
        reduction,
        label_smoothing,
    ))
}

/// [`cross_entropy_probs_with`] with a smoothing outside `[0, 1]` (and device errors)
/// returned as `Err`.
pub fn try_cross_entropy_probs_with<S, P, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<P, E, D>,
    reduction: Reduction,
    label_smoothing: f64,
) -> Result<Tensor<Rank0, E, D>>
where
    S: ProbTarget<P>,
    P: Shape,
    E: FloatDtype,
    D: Device,
{
    reduce(
        &cross_entropy_probs_terms(input, target, label_smoothing)?,
        reduction,
    )
}

/// `F.cross_entropy(input, target, reduction='none', label_smoothing=…)` with
/// class-probability targets: one loss per element, without the class dimension.
pub fn cross_entropy_probs_none<S, P, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<P, E, D>,
    label_smoothing: f64,
) -> Tensor<ProbLosses<S, P>, E, D>
where
    S: ProbTarget<P>,
    P: Shape,
    E: FloatDtype,
    D: Device,
{
    expect_device(try_cross_entropy_probs_none(input, target, label_smoothing))
}

/// [`cross_entropy_probs_none`] with errors returned.
pub fn try_cross_entropy_probs_none<S, P, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<P, E, D>,
    label_smoothing: f64,
) -> Result<Tensor<ProbLosses<S, P>, E, D>>
where
    S: ProbTarget<P>,
    P: Shape,
    E: FloatDtype,
    D: Device,
{
    cross_entropy_probs_terms(input, target, label_smoothing)
}

/// `F.nll_loss(input, target)`: the mean of `-input[target]` over the batch, for
/// log-probabilities `input` (a `log_softmax`) and class indices `target` (the same shape
/// rule as [`cross_entropy`]).
///
/// ```
/// use typetensor::nn::functional as F;
/// use typetensor::tensor;
/// let logp = tensor([[-0.5f32, -1.0], [-2.0, -0.1]]);
/// assert_eq!(F::nll_loss(&logp, &tensor([1i64, 0])).item(), 1.5); // F.nll_loss(logp, t)
/// ```
pub fn nll_loss<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
) -> Tensor<Rank0, E, D>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    expect_device(try_nll_loss(input, target))
}

/// [`nll_loss`] with a target out of range (and device errors) returned as `Err`.
pub fn try_nll_loss<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
) -> Result<Tensor<Rank0, E, D>>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    try_nll_loss_with(input, target, Reduction::Mean, -100)
}

/// `F.nll_loss(input, target, reduction=…, ignore_index=…)`.
pub fn nll_loss_with<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
    reduction: Reduction,
    ignore_index: i64,
) -> Tensor<Rank0, E, D>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    expect_device(try_nll_loss_with(input, target, reduction, ignore_index))
}

/// [`nll_loss_with`] with a target out of range (and device errors) returned as `Err`.
pub fn try_nll_loss_with<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
    reduction: Reduction,
    ignore_index: i64,
) -> Result<Tensor<Rank0, E, D>>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    let (per, mask) = nll_terms(input, target, <S as ClassTarget<T>>::AXIS, ignore_index)?;
    reduce_counted(&per, &mask, reduction)
}

/// `F.nll_loss(input, target, reduction='none', ignore_index=…)`.
pub fn nll_loss_none<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
    ignore_index: i64,
) -> Tensor<T, E, D>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    expect_device(try_nll_loss_none(input, target, ignore_index))
}

/// [`nll_loss_none`] with errors returned.
pub fn try_nll_loss_none<S, T, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
    ignore_index: i64,
) -> Result<Tensor<T, E, D>>
where
    S: ClassTarget<T>,
    T: Shape,
    E: FloatDtype,
    D: Device,
{
    Ok(nll_terms(input, target, <S as ClassTarget<T>>::AXIS, ignore_index)?.0)
}

// ---------------------------------------------------------------------------------------
// Binary and regression losses
// ---------------------------------------------------------------------------------------

/// `softplus(-x) = log(1 + exp(-|x|)) + max(-x, 0)`, overflow-free: `-log sigmoid(x)`.
fn softplus_neg<E: FloatDtype, D: Device>(x: &Raw<E, D>) -> Result<Raw<E, D>> {
    let tail = x
        .unary(UnaryOp::Abs)?
        .neg()?
        .unary_float(FloatUnaryOp::Exp)?
        .unary_float(FloatUnaryOp::Log1p)?;
    tail.binary(BinaryOp::Add, &x.neg()?.unary(UnaryOp::Relu)?)
}

/// Per-element `binary_cross_entropy_with_logits`, recorded with PyTorch's gradients:
/// `((p y + 1 - y) σ(x) - p y) · g` for the input, `(-x + (p - 1) softplus(-x)) · g` for the
/// target (`p` the positive weight, 1 without one).
fn bce_terms<S, W, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<S, E, D>,
    pos_weight: Option<&Tensor<W, E, D>>,
) -> Result<Tensor<S, E, D>>
where
    S: Shape,
    W: Shape,
    E: FloatDtype,
    D: Device,
{
    let (x, y) = (input.raw(), target.raw());
    let p = pos_weight.map(|w| w.raw());
    let one = E::one();
    let sp = softplus_neg(&x)?;
    // (1 - y) x + (1 + (p - 1) y) softplus(-x)
    let weight = match &p {
        Some(p) => Some(
            p.unary(UnaryOp::SubScalar(one))?
                .binary(BinaryOp::Mul, &y)?
                .unary(UnaryOp::AddScalar(one))?,
        ),
        None => None,
    };
    let weighted = match &weight {
        Some(w) => w.binary(BinaryOp::Mul, &sp)?,
        None => sp.clone(),
    };
    let per = y
        .unary(UnaryOp::ScalarSub(one))?
        .binary(BinaryOp::Mul, &x)?
        .binary(BinaryOp::Add, &weighted)?;
    let out = Tensor::from_raw(per, input.shape);
    Ok(out.record2(
        "BinaryCrossEntropyWithLogitsBackward0",
        input,
        target,
        move |g, need_x, need_y| {
            let gx = if need_x {
                let s = x.unary_float(FloatUnaryOp::Sigmoid)?;
                let d = match &p {
                    Some(p) => {
                        let t = p.binary(BinaryOp::Mul, &y)?;
                        t.binary(BinaryOp::Sub, &y)?
                            .unary(UnaryOp::AddScalar(one))?
                            .binary(BinaryOp::Mul, &s)?
                            .binary(BinaryOp::Sub, &t)?
                    }
                    None => s.binary(BinaryOp::Sub, &y)?,
                };
                Some(d.binary(BinaryOp::Mul, g)?)
            } else {
                None
            };
            let gy = if need_y {
                let d = match &p {
                    Some(p) => x.neg()?.binary(
                        BinaryOp::Add,
                        &p.unary(UnaryOp::SubScalar(one))?
                            .binary(BinaryOp::Mul, &sp)?,
                    )?,
                    None => x.neg()?,
                };
                Some(d.binary(BinaryOp::Mul, g)?)
            } else {
                None
            };
            Ok((gx, gy))
        },
    ))
}

/// `F.binary_cross_entropy_with_logits(input, target)`: the mean of
/// `-[y log σ(x) + (1 - y) log(1 - σ(x))]`, computed without overflow from the logits.
///
/// ```
/// use typetensor::nn::functional as F;
/// use typetensor::tensor;
/// let x = tensor([0.0f32, 100.0]);
/// let y = tensor([1.0f32, 1.0]);
/// let loss = F::binary_cross_entropy_with_logits(&x, &y);
/// assert!((loss.item() - 2f32.ln() / 2.0).abs() < 1e-6);
/// ```
pub fn binary_cross_entropy_with_logits<S: Shape, E: FloatDtype, D: Device>(
    input: &Tensor<S, E, D>,
    target: &Tensor<S, E, D>,
) -> Tensor<Rank0, E, D> {
    expect_device(try_binary_cross_entropy_with_logits(input, target))
}

/// [`binary_cross_entropy_with_logits`] with device errors returned.
pub fn try_binary_cross_entropy_with_logits<S: Shape, E: FloatDtype, D: Device>(
    input: &Tensor<S, E, D>,
    target: &Tensor<S, E, D>,
) -> Result<Tensor<Rank0, E, D>> {
    try_binary_cross_entropy_with_logits_with::<S, S, E, D>(input, target, Reduction::Mean, None)
}

/// `F.binary_cross_entropy_with_logits(input, target, reduction=…, pos_weight=…)`: the
/// positive weight (`pos_weight`, typically one per class, a `Rank1<C>` onto `[N, C]`)
/// broadcasts onto the input and scales the loss of positive targets.
pub fn binary_cross_entropy_with_logits_with<S, W, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<S, E, D>,
    reduction: Reduction,
    pos_weight: Option<&Tensor<W, E, D>>,
) -> Tensor<Rank0, E, D>
where
    S: BroadcastInto<W>,
    W: Shape,
    E: FloatDtype,
    D: Device,
{
    expect_device(try_binary_cross_entropy_with_logits_with(
        input, target, reduction, pos_weight,
    ))
}

/// [`binary_cross_entropy_with_logits_with`] with device errors returned.
pub fn try_binary_cross_entropy_with_logits_with<S, W, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<S, E, D>,
    reduction: Reduction,
    pos_weight: Option<&Tensor<W, E, D>>,
) -> Result<Tensor<Rank0, E, D>>
where
    S: BroadcastInto<W>,
    W: Shape,
    E: FloatDtype,
    D: Device,
{
    reduce(&bce_terms(input, target, pos_weight)?, reduction)
}

/// `F.binary_cross_entropy_with_logits(input, target, reduction='none', pos_weight=…)`.
pub fn binary_cross_entropy_with_logits_none<S, W, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<S, E, D>,
    pos_weight: Option<&Tensor<W, E, D>>,
) -> Tensor<S, E, D>
where
    S: BroadcastInto<W>,
    W: Shape,
    E: FloatDtype,
    D: Device,
{
    expect_device(bce_terms(input, target, pos_weight))
}

/// [`binary_cross_entropy_with_logits_none`] with device errors returned.
pub fn try_binary_cross_entropy_with_logits_none<S, W, E, D>(
    input: &Tensor<S, E, D>,
    target: &Tensor<S, E, D>,
    pos_weight: Option<&Tensor<W, E, D>>,
) -> Result<Tensor<S, E, D>>
where
    S: BroadcastInto<W>,
    W: Shape,
    E: FloatDtype,
    D: Device,
{
    bce_terms(input, target, pos_weight)
}

/// Which elementwise regression loss.
#[derive(Clone, Copy)]
enum Regression {
    L1,
    SmoothL1(f64),
    Huber(f64),
}

/// Per-element regression losses, composed of differentiable ops whose gradients are
/// PyTorch's at the kinks (`abs`' is 0 at 0; at `|d| = beta` both branches agree).
fn regression_terms<S: Shape, E: FloatDtype, D: Device>(
    input: &Tensor<S, E, D>,
    target: &Tensor<S, E, D>,
    kind: Regression,
) -> Result<Tensor<S, E, D>> {
    let d = input.try_sub(target)?;
    let a = d.try_abs()?;
    let half = E::from_f64(0.5);
    match kind {
        Regression::L1 | Regression::SmoothL1(0.0) => Ok(a),
        Regression::SmoothL1(beta) | Regression::Huber(beta) if beta < 0.0 => {
            Err(Error::InvalidArgument(format!(
                "smooth_l1_loss/huber_loss need beta/delta >= 0, got {beta}"
            )))
        }
        Regression::SmoothL1(beta) => {
            let b = E::from_f64(beta);
            // |d| < beta ? 0.5 d² / beta : |d| - 0.5 beta
            let quad = d.try_mul(&d)?.try_mul_scalar(half / b)?;
            let lin = a.try_sub_scalar(half * b)?;
            quad.try_where_(&a.try_lt_scalar(b)?, &lin)
        }
        Regression::Huber(delta) => {
            let k = E::from_f64(delta);
            // |d| < delta ? 0.5 d² : delta (|d| - 0.5 delta)
            let quad = d.try_mul(&d)?.try_mul_scalar(half)?;
            let lin = a.try_sub_scalar(half * k)?.try_mul_scalar(k)?;
            quad.try_where_(&a.try_lt_scalar(k)?, &lin)
        }
    }
}

macro_rules! regression_loss {
    ($(#[$doc:meta])* $name:ident, $try_name:ident, $with:ident, $try_with:ident, $none:ident,
     $try_none:ident, ($($arg:ident),*) => $kind:expr, $py:literal) => {
        $(#[$doc])*
        pub fn $name<S: Shape, E: FloatDtype, D: Device>(
            input: &Tensor<S, E, D>,
            target: &Tensor<S, E, D>,
            $($arg: f64,)*
        ) -> Tensor<Rank0, E, D> {
            expect_device($try_name(input, target, $($arg),*))
        }

        #[doc = concat!("[`", stringify!($name), "`] with bad arguments and device errors returned.")]
        pub fn $try_name<S: Shape, E: FloatDtype, D: Device>(
            input: &Tensor<S, E, D>,
            target: &Tensor<S, E, D>,
            $($arg: f64,)*
        ) -> Result<Tensor<Rank0, E, D>> {
            $try_with(input, target, Reduction::Mean, $($arg),*)
        }

        #[doc = concat!("`F.", $py, "(input, target, reduction=…)`.")]
        pub fn $with<S: Shape, E: FloatDtype, D: Device>(
            input: &Tensor<S, E, D>,
            target: &Tensor<S, E, D>,
            reduction: Reduction,
            $($arg: f64,)*
        ) -> Tensor<Rank0, E, D> {
            expect_device($try_with(input, target, reduction, $($arg),*))
        }

        #[doc = concat!("[`", stringify!($with), "`] with bad arguments and device errors returned.")]
        pub fn $try_with<S: Shape, E: FloatDtype, D: Device>(
            input: &Tensor<S, E, D>,
            target: &Tensor<S, E, D>,
            reduction: Reduction,
            $($arg: f64,)*
        ) -> Result<Tensor<Rank0, E, D>> {
            reduce(&regression_terms(input, target, $kind)?, reduction)
        }

        #[doc = concat!("`F.", $py, "(input, target, reduction='none')`: the loss of each element.")]
        pub fn $none<S: Shape, E: FloatDtype, D: Device>(
            input: &Tensor<S, E, D>,
            target: &Tensor<S, E, D>,
            $($arg: f64,)*
        ) -> Tensor<S, E, D> {
            expect_device($try_none(input, target, $($arg),*))
        }

        #[doc = concat!("[`", stringify!($none), "`] with bad arguments and device errors returned.")]
        pub fn $try_none<S: Shape, E: FloatDtype, D: Device>(
            input: &Tensor<S, E, D>,
            target: &Tensor<S, E, D>,
            $($arg: f64,)*
        ) -> Result<Tensor<S, E, D>> {
            regression_terms(input, target, $kind)
        }
    };
}

regression_loss!(
    /// `F.l1_loss(input, target)`: the mean absolute error (its gradient at equal values is
    /// 0, as PyTorch's).
    ///
    /// ```
    /// use typetensor::nn::functional as F;
    /// use typetensor::tensor;
    /// assert_eq!(F::l1_loss(&tensor([1.0f32, 5.0]), &tensor([2.0f32, 2.0])).item(), 2.0);
    /// ```
    l1_loss, try_l1_loss, l1_loss_with, try_l1_loss_with, l1_loss_none, try_l1_loss_none,
    () => Regression::L1, "l1_loss"
);
regression_loss!(
    /// `F.smooth_l1_loss(input, target, beta=beta)`: `0.5 d² / beta` where `|d| < beta`,
    /// else `|d| - 0.5 beta` (the L1 loss for `beta = 0`), averaged.
    ///
    /// ```
    /// use typetensor::nn::functional as F;
    /// use typetensor::tensor;
    /// let loss = F::smooth_l1_loss(&tensor([0.5f32, 3.0]), &tensor([0.0f32, 0.0]), 1.0);
    /// assert_eq!(loss.item(), (0.125 + 2.5) / 2.0);
    /// ```
    smooth_l1_loss, try_smooth_l1_loss, smooth_l1_loss_with, try_smooth_l1_loss_with,
    smooth_l1_loss_none, try_smooth_l1_loss_none, (beta) => Regression::SmoothL1(beta), "smooth_l1_loss"
);
regression_loss!(
    /// `F.huber_loss(input, target, delta=delta)`: `0.5 d²` where `|d| < delta`, else
    /// `delta (|d| - 0.5 delta)`, averaged.
    ///
    /// ```
    /// use typetensor::nn::functional as F;
    /// use typetensor::tensor;
    /// let loss = F::huber_loss(&tensor([0.5f32, 3.0]), &tensor([0.0f32, 0.0]), 2.0);
    /// assert_eq!(loss.item(), (0.125 + 4.0) / 2.0);
    /// ```
    huber_loss, try_huber_loss, huber_loss_with, try_huber_loss_with, huber_loss_none,
    try_huber_loss_none,
    (delta) => Regression::Huber(delta), "huber_loss"
);

// ---------------------------------------------------------------------------------------
// Dropout
// ---------------------------------------------------------------------------------------

/// `F.dropout(x, p, training)`: in training, each element is zeroed with probability `p`
/// and the others scaled by `1 / (1 - p)`; out of training, `x` itself. The mask is drawn
/// from the crate's generator ([`manual_seed`](crate::manual_seed) makes it reproducible,
/// though not PyTorch's numbers) and the backward pass reuses it. Panics for `p` outside
/// `[0, 1]`; see [`try_dropout`].
///
/// ```
/// use typetensor::nn::functional as F;
/// use typetensor::{manual_seed, Rank1, Tensor};
/// manual_seed(0);
/// let x = Tensor::<Rank1<1000>>::ones();
/// let y = F::dropout(&x, 0.5, true); // F.dropout(x, p=0.5, training=True)
/// let kept = y.to_vec().iter().filter(|&&v| v == 2.0).count();
/// assert!(kept > 400 && kept < 600);
/// assert_eq!(F::dropout(&x, 0.5, false).to_vec(), x.to_vec()); // eval: identity
/// ```
pub fn dropout<S: Shape, E: FloatDtype, D: Device>(
    x: &Tensor<S, E, D>,
    p: f64,
    training: bool,
) -> Tensor<S, E, D> {
    expect_device(try_dropout(x, p, training))
}

/// [`dropout`] with a probability outside `[0, 1]` (and device errors) returned as `Err`.
pub fn try_dropout<S: Shape, E: FloatDtype, D: Device>(
    x: &Tensor<S, E, D>,
    p: f64,
    training: bool,
) -> Result<Tensor<S, E, D>> {
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::InvalidArgument(format!(
            "dropout probability has to be between 0 and 1, but got {p}"
        )));
    }
    if !training || p == 0.0 {
        return Ok(x.clone());
    }
    // The kept elements' factor, 1 / (1 - p), and 0 for the dropped (everything when p = 1).
    let scale = if p < 1.0 {
        E::from_f64(1.0 / (1.0 - p))
    } else {
        E::zero()
    };
    let keep = crate::tensor::bernoulli_mask(x.numel(), 1.0 - p);
    let mask: Vec<E> = keep
        .into_iter()
        .map(|k| if k { scale } else { E::zero() })
        .collect();
    let mask = Tensor::from_raw(
        Raw::new(x.device.upload(mask)?, x.dims(), x.device.clone()),
        x.shape_value(),
    );
    // `x * mask` records MulBackward0 (as PyTorch's dropout does), whose gradient is
    // `g * mask`: the same mask.
    x.try_mul(&mask)
}
