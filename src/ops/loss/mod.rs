//! What the classification losses of [`nn::functional`](crate::nn::functional) are built
//! on: the shape rules relating logits to targets, and the negative log-likelihood pick
//! (`-logp[target]`, with `ignore_index`), one recorded op whose gradient scatters back.
//!
//! The losses have no kernels of their own: they are `log_softmax`, `gather`/`scatter_add`
//! and elementwise kernels, each with a CPU and a CUDA implementation, so every loss runs
//! on both devices.
//!
//! The rules let the batch dimension `N` pass through by unification (the same parameter
//! in the logits and the targets), never by arithmetic.
use crate::Result;
use crate::autograd::Raw;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::ops::compare::CmpOp;
use crate::shape::{Dims, Rank0, Rank1, Rank2, Rank3, Rank4, Shape, ShapeProbe};
use crate::tensor::Tensor;

#[cfg(test)]
mod tests;

/// Class-index targets of shape `T` fit logits of this shape, as PyTorch's `cross_entropy`
/// and `nll_loss` allow: `[N, C]` with `[N]`, an unbatched `[C]` with a scalar, and
/// `[N, C, d1(, d2)]` with `[N, d1(, d2)]`. The class dimension is [`AXIS`](Self::AXIS).
#[diagnostic::on_unimplemented(
    message = "class-index targets of shape `{T}` do not fit logits of shape `{Self}`",
    label = "the targets must be the logits' shape without the class dimension",
    note = "logits `Rank2<N, C>` take targets `Rank1<N>` (`Rank1<C>` takes `Rank0`, `Rank3<N, C, D1>` takes `Rank2<N, D1>`, `Rank4<N, C, D1, D2>` takes `Rank3<N, D1, D2>`), as `i64` class indices"
)]
pub trait ClassTarget<T: Shape>: Shape {
    /// The class dimension of the logits (1, or 0 when unbatched).
    const AXIS: usize;
}

#[diagnostic::do_not_recommend]
impl<const C: usize> ClassTarget<Rank0> for Rank1<C> {
    const AXIS: usize = 0;
}
#[diagnostic::do_not_recommend]
impl<const N: usize, const C: usize> ClassTarget<Rank1<N>> for Rank2<N, C> {
    const AXIS: usize = 1;
}
#[diagnostic::do_not_recommend]
impl<const N: usize, const C: usize, const D1: usize> ClassTarget<Rank2<N, D1>>
    for Rank3<N, C, D1>
{
    const AXIS: usize = 1;
}
#[diagnostic::do_not_recommend]
impl<const N: usize, const C: usize, const D1: usize, const D2: usize> ClassTarget<Rank3<N, D1, D2>>
    for Rank4<N, C, D1, D2>
{
    const AXIS: usize = 1;
}
// The unusable second impl (see `ShapeProbe`), so a mismatch reports the rule's message
// naming both shapes rather than "expected `64`, found `32`".
#[diagnostic::do_not_recommend]
impl<S: Shape> ClassTarget<ShapeProbe> for S {
    const AXIS: usize = 0;
}

/// Probability targets of shape `P` fit logits of this shape: they must be equal. The
/// per-element losses have [`PerElement`](Self::PerElement), the shape without the class
/// dimension [`AXIS`](Self::AXIS).
#[diagnostic::on_unimplemented(
    message = "probability targets of shape `{P}` do not fit logits of shape `{Self}`",
    label = "class-probability targets must have the logits' shape",
    note = "for class indices instead, pass an `i64` tensor of the logits' shape without the class dimension to `cross_entropy`"
)]
pub trait ProbTarget<P: Shape>: Shape {
    /// The class dimension (1, or 0 for an unbatched `Rank1<C>`).
    const AXIS: usize;
    /// The shape of the per-element losses (`reduction='none'`).
    type PerElement: Shape;
}

#[diagnostic::do_not_recommend]
impl<const C: usize> ProbTarget<Rank1<C>> for Rank1<C> {
    const AXIS: usize = 0;
    type PerElement = Rank0;
}
#[diagnostic::do_not_recommend]
impl<const N: usize, const C: usize> ProbTarget<Rank2<N, C>> for Rank2<N, C> {
    const AXIS: usize = 1;
    type PerElement = Rank1<N>;
}
#[diagnostic::do_not_recommend]
impl<const N: usize, const C: usize, const D1: usize> ProbTarget<Rank3<N, C, D1>>
    for Rank3<N, C, D1>
{
    const AXIS: usize = 1;
    type PerElement = Rank2<N, D1>;
}
#[diagnostic::do_not_recommend]
impl<const N: usize, const C: usize, const D1: usize, const D2: usize>
    ProbTarget<Rank4<N, C, D1, D2>> for Rank4<N, C, D1, D2>
{
    const AXIS: usize = 1;
    type PerElement = Rank3<N, D1, D2>;
}
#[diagnostic::do_not_recommend]
impl<S: Shape> ProbTarget<ShapeProbe> for S {
    const AXIS: usize = 0;
    type PerElement = ShapeProbe;
}

/// The per-element loss shape of logits `S` against probability targets `P`.
pub type ProbLosses<S, P> = <S as ProbTarget<P>>::PerElement;

/// Per-element losses and the 0/1 mask of the elements counted (not ignored).
pub(crate) type Terms<T, E, D> = (Tensor<T, E, D>, Tensor<T, E, D>);

/// `dims` with a size-1 dimension inserted at `axis`.
fn with_unit(dims: Dims, axis: usize) -> Dims {
    let mut d = dims.as_slice().to_vec();
    d.insert(axis, 1);
    Dims::new(&d).unwrap_or(dims)
}

/// The per-element negative log-likelihood of log-probabilities `logp` at class-index
/// `target` along `axis`: `-logp[.., target, ..]`, and 0 where `target == ignore_index`;
/// also the mask of counted elements as 0/1 (not differentiable). A target outside
/// `0..C` (other than `ignore_index`) is `Err(IndexOutOfRange)`. Recorded as
/// `NllLossBackward0`: the gradient scatters `-g` back to the picked classes.
pub(crate) fn nll_terms<S: Shape, T: Shape, E: FloatDtype, D: Device>(
    logp: &Tensor<S, E, D>,
    target: &Tensor<T, i64, D>,
    axis: usize,
    ignore_index: i64,
) -> Result<Terms<T, E, D>> {
    let device = logp.device.clone();
    let tdims = target.dims();
    // The rule unifies the shared dims; a run-time (DYN) size is checked here.
    let mut expected = logp.dims().as_slice().to_vec();
    expected.remove(axis);
    if tdims.as_slice() != expected.as_slice() {
        return Err(crate::Error::ShapeMismatch {
            expected,
            found: tdims.as_slice().to_vec(),
        });
    }
    let rt = target.raw();
    let ignore = Raw::full(ignore_index, Dims::from_array([]), &device)?;
    let counted = rt.compare(CmpOp::Ne, &ignore)?;
    let zero_i = Raw::full(0i64, Dims::from_array([]), &device)?;
    // Ignored targets read class 0 (in range whenever there is a class), then are masked.
    let safe = Raw::select(&counted, &rt, &zero_i)?.reshape(with_unit(tdims, axis))?;
    let picked = device.gather(
        &logp.storage,
        &logp.layout,
        axis,
        &safe.storage,
        &safe.layout,
    )?;
    let picked = Raw::<E, D>::new(picked, tdims, device.clone());
    let zero = Raw::full(E::zero(), Dims::from_array([]), &device)?;
    let terms = Raw::select(&counted, &picked.neg()?, &zero)?;
    let one = Raw::full(E::one(), Dims::from_array([]), &device)?;
    let mask = Raw::select(&counted, &one, &zero)?;
    let terms = Tensor::from_raw(terms, target.shape);
    let mask = Tensor::from_raw(mask, target.shape);
    let ldims = logp.dims();
    let terms = terms.record1("NllLossBackward0", logp, move |g| {
        let zero = Raw::full(E::zero(), Dims::from_array([]), &g.device)?;
        let gm = Raw::select(&counted, &g.neg()?, &zero)?.reshape(with_unit(tdims, axis))?;
        let base = Raw::full(E::zero(), ldims, &g.device)?;
        let s = g.device.scatter_add(
            &base.storage,
            &base.layout,
            axis,
            &safe.storage,
            &safe.layout,
            &gm.storage,
            &gm.layout,
        )?;
        Ok(Raw::new(s, ldims, g.device.clone()))
    });
    Ok((terms, mask))
}
