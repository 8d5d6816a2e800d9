//! Sliding-window arithmetic for convolutions and pooling, computed by typenum inside trait
//! bounds so that `cargo check` reports a wrong size.
//!
//! The output size of one spatial dimension, `(H + 2P - D(K - 1) - 1) / S + 1`, lives in one
//! place, [`ConvOut`]: every window rule (`conv1d`, `conv2d`, `max_pool2d`, `avg_pool2d`,
//! the `nn` modules) asks it. It checks, each with its own message naming the numbers:
//!
//! 1. every size is one that check-time arithmetic can see ([`CheckTimeSize`]: the table of
//!    [`DimTn`], every size up to 4096, multiples of 64 up to 65536, powers of two and one
//!    less and of ten, a few model sizes; a generic size cannot be seen). A spatial size may
//!    also be a run-time [`DYN`] ([`SpatialSize`]): its output size is `DYN`,
//!    and the window is checked against the actual size when the op runs;
//! 2. kernel size, stride and dilation are at least 1 ([`WindowParams`]);
//! 3. the window fits in the padded input ([`WindowFits`]);
//! 4. the output size is one check-time arithmetic can turn back into a `RankN` parameter
//!    ([`OutInRange`]).
//!
//! The arithmetic is total once (1) holds (it clamps where a failed (2) or (3) would
//! underflow), so a program with one mistake gets one error, the one that names it.
//! Dimensions that only pass through a rule (a batch dimension `N`) are never converted to
//! typenum: rules carry them by unification, so they may be generic or run-time.
//!
//! A generic spatial size (`fn f<const H: usize>(x: &Tensor<Rank4<N, 1, H, H>>)`) has no
//! output size a type can name on stable Rust; such code makes the size a run-time one first,
//! `x.to_dyn::<2>().to_dyn::<3>()`, and gets `DYN` output sizes.
use std::ops::{Add, Div, Mul, Sub};

use typenum::{
    Cmp, Compare, Diff, Equal, Greater, Max, Maximum, Prod, Quot, Sum, U1, U2, UInt, UTerm,
};

use super::typenum_bridge::{Dim, DimTn, DynTn, FromTn, KnownDim, TnDim, TnMul};
use crate::DYN;

/// The type the window rules are implemented for: their parameters are all in the trait, so
/// that messages can print them in decimal.
#[derive(Clone, Copy, Debug)]
pub struct Sizes;

/// A size that check-time shape arithmetic can see: in the table of [`DimTn`], and not a
/// run-time [`DYN`] (spatial sizes, channels and kernel parameters are static).
#[diagnostic::on_unimplemented(
    message = "the size {N} is outside check-time shape arithmetic",
    label = "a size that is generic, run-time (`DYN`), or outside check-time arithmetic",
    note = "`cargo check` computes window and flatten sizes with typenum through a table of sizes up to 4096, multiples of 64 up to 65536, powers of two (and one less) and of ten, and a few model sizes; spatial sizes and channels must be concrete and in it (the batch may be anything)"
)]
pub trait CheckTimeSize<const N: usize> {
    /// `N` as a typenum number.
    type Tn;
}

#[diagnostic::do_not_recommend]
impl<const N: usize> CheckTimeSize<N> for Sizes
where
    Dim<N>: DimTn,
    TnDim<N>: KnownDim,
{
    type Tn = TnDim<N>;
}

/// `N` as a typenum number (through [`CheckTimeSize`], whose message names `N`).
pub type Tn<const N: usize> = <Sizes as CheckTimeSize<N>>::Tn;

/// A spatial size of a window rule or a factor of a flatten: one check-time arithmetic can
/// see, or a run-time [`DYN`] (whose results are `DYN`, checked when the op runs).
#[diagnostic::on_unimplemented(
    message = "the size {N} is outside check-time shape arithmetic",
    label = "a size that is generic, or outside check-time arithmetic",
    note = "`cargo check` computes window and flatten sizes with typenum through a table of sizes up to 4096, multiples of 64 up to 65536, powers of two (and one less) and of ten, and a few model sizes",
    note = "for a generic or other size, make the dimension a run-time one first (`x.to_dyn::<2>().to_dyn::<3>()` for an image's height and width): the result's size is then `DYN`, checked when the op runs"
)]
pub trait SpatialSize<const N: usize> {
    /// `N` as a typenum number, or [`DynTn`] for `DYN`.
    type Tn;
}

#[diagnostic::do_not_recommend]
impl<const N: usize> SpatialSize<N> for Sizes
where
    Dim<N>: DimTn,
{
    type Tn = TnDim<N>;
}

/// `N` as a typenum number or [`DynTn`] (through [`SpatialSize`], whose message names `N`).
pub type STn<const N: usize> = <Sizes as SpatialSize<N>>::Tn;

/// Kernel size, stride and dilation are at least 1.
#[diagnostic::on_unimplemented(
    message = "a window needs kernel size, stride and dilation of at least 1 (here kernel {K}, stride {S}, dilation {D})",
    label = "kernel size, stride or dilation is 0"
)]
pub trait WindowParams<const K: usize, const S: usize, const D: usize> {}

#[diagnostic::do_not_recommend]
impl<const K: usize, const S: usize, const D: usize> WindowParams<K, S, D> for Sizes
where
    Sizes: CheckTimeSize<K> + CheckTimeSize<S> + CheckTimeSize<D>,
    Tn<K>: typenum::NonZero,
    Tn<S>: typenum::NonZero,
    Tn<D>: typenum::NonZero,
{
}

/// The window (`D(K - 1) + 1` positions) fits in the padded input (`H + 2P`): implemented
/// for typenum's `Equal` and `Greater`, the outcomes of comparing the two.
#[diagnostic::on_unimplemented(
    message = "a kernel of size {K} (dilation {D}) does not fit in an input of size {H} padded by {P} on each side",
    label = "the kernel is larger than the padded input",
    note = "a kernel spans D * (K - 1) + 1 input positions, and needs that many of the H + 2 * P"
)]
pub trait WindowFits<const H: usize, const K: usize, const P: usize, const D: usize> {}
impl<const H: usize, const K: usize, const P: usize, const D: usize> WindowFits<H, K, P, D>
    for Equal
{
}
impl<const H: usize, const K: usize, const P: usize, const D: usize> WindowFits<H, K, P, D>
    for Greater
{
}

/// `H + 2P`.
type Padded<const H: usize, const P: usize> = Sum<Tn<H>, Prod<Tn<P>, U2>>;
/// `max(K, 1)`, `max(S, 1)`, `max(D, 1)`: the arithmetic stays total when a
/// [`WindowParams`] check fails (that check reports it).
type AtLeast1<const N: usize> = Maximum<Tn<N>, U1>;
/// The positions a kernel spans: `D(K - 1) + 1`.
type Span<const K: usize, const D: usize> = Sum<Prod<AtLeast1<D>, Diff<AtLeast1<K>, U1>>, U1>;
/// `max(H + 2P, span) - span`: `H + 2P - span` where the window fits, 0 where it does not
/// ([`WindowFits`] reports that).
type Room<const H: usize, const K: usize, const P: usize, const D: usize> =
    Diff<Maximum<Padded<H, P>, Span<K, D>>, Span<K, D>>;
/// The output size as a typenum number: `room / S + 1`.
type OutTn<const H: usize, const K: usize, const S: usize, const P: usize, const D: usize> =
    Sum<Quot<Room<H, K, P, D>, AtLeast1<S>>, U1>;

/// The output size is one check-time arithmetic can turn back into a `RankN` parameter.
#[diagnostic::on_unimplemented(
    message = "the output size of a kernel of {K} (stride {S}, padding {P}, dilation {D}) over {H} positions is outside check-time shape arithmetic",
    label = "the result is not in the table of sizes up to 4096, multiples of 64 up to 65536, powers of two (and one less) and of ten",
    note = "`cargo check` turns computed sizes back into `RankN` parameters through typenum's map of sizes, which does not include this one"
)]
pub trait OutInRange<const H: usize, const K: usize, const S: usize, const P: usize, const D: usize>
{
    /// `Dim<O>` for the output size `O`.
    type Dim;
}

#[diagnostic::do_not_recommend]
impl<const H: usize, const K: usize, const S: usize, const P: usize, const D: usize>
    OutInRange<H, K, S, P, D> for Sizes
where
    Sizes: WindowArith<H, K, S, P, D>,
    <Sizes as WindowArith<H, K, S, P, D>>::Out: FromTn,
{
    type Dim = <<Sizes as WindowArith<H, K, S, P, D>>::Out as FromTn>::Dim;
}

/// The typenum computation of the output size (its bounds in one place; total for sizes
/// that pass [`CheckTimeSize`]).
#[doc(hidden)]
pub trait WindowArith<
    const H: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const D: usize,
>
{
    /// The output size as a typenum number.
    type Out;
    /// The comparison of the padded input with the window: `Less` when it does not fit.
    type Fits;
}

impl<const H: usize, const K: usize, const S: usize, const P: usize, const D: usize>
    WindowArith<H, K, S, P, D> for Sizes
where
    Sizes: CheckTimeSize<H>
        + CheckTimeSize<K>
        + CheckTimeSize<S>
        + CheckTimeSize<P>
        + CheckTimeSize<D>,
    Tn<P>: Mul<U2>,
    Tn<H>: Add<Prod<Tn<P>, U2>>,
    Tn<K>: Max<U1>,
    Tn<S>: Max<U1>,
    Tn<D>: Max<U1>,
    AtLeast1<K>: Sub<U1>,
    AtLeast1<D>: Mul<Diff<AtLeast1<K>, U1>>,
    Prod<AtLeast1<D>, Diff<AtLeast1<K>, U1>>: Add<U1>,
    Padded<H, P>: Cmp<Span<K, D>> + Max<Span<K, D>>,
    Maximum<Padded<H, P>, Span<K, D>>: Sub<Span<K, D>>,
    Room<H, K, P, D>: Div<AtLeast1<S>>,
    Quot<Room<H, K, P, D>, AtLeast1<S>>: Add<U1>,
{
    type Out = OutTn<H, K, S, P, D>;
    type Fits = Compare<Padded<H, P>, Span<K, D>>;
}

/// The output size of one spatial dimension of a sliding window: a kernel of `K` positions
/// with stride `S`, zero padding `P` on each side and dilation `D` over `H` input positions
/// gives `Out = Dim<(H + 2P - D(K - 1) - 1) / S + 1>` (PyTorch's formula, floor division).
///
/// The one place this formula lives: every convolution and pooling rule asks it, per spatial
/// dimension. Checked by `cargo check` for sizes in typenum's map; see the
/// [module docs](self) for what it reports.
pub trait ConvOut<const H: usize, const K: usize, const S: usize, const P: usize, const D: usize> {
    /// `Dim<O>`, the output size.
    type Out;
}

impl<const H: usize, const K: usize, const S: usize, const P: usize, const D: usize>
    ConvOut<H, K, S, P, D> for Sizes
where
    Sizes: SpatialSize<H>,
    STn<H>: SizeKind,
    Sizes: WindowOn<<STn<H> as SizeKind>::Kind, H, K, S, P, D>,
{
    type Out = <Sizes as WindowOn<<STn<H> as SizeKind>::Kind, H, K, S, P, D>>::Out;
}

/// Whether a size is known when `cargo check` runs ([`CheckTime`]) or only when the op
/// runs ([`RunTime`]), so that a rule can treat the two by separate impls.
#[doc(hidden)]
pub trait SizeKind {
    /// [`CheckTime`] or [`RunTime`].
    type Kind;
}
/// A size in the table: every check at `cargo check`.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct CheckTime;
/// A `DYN` size: checked when the op runs.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct RunTime;
impl SizeKind for UTerm {
    type Kind = CheckTime;
}
impl<U, B> SizeKind for UInt<U, B> {
    type Kind = CheckTime;
}
impl SizeKind for DynTn {
    type Kind = RunTime;
}

/// [`ConvOut`] for an input size of kind `Kind`: every check for a size in the table, only
/// the window's parameters for a run-time one (whose output is `DYN`).
#[doc(hidden)]
pub trait WindowOn<
    Kind,
    const H: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const D: usize,
>
{
    /// `Dim<O>`, the output size.
    type Out;
}

impl<const H: usize, const K: usize, const S: usize, const P: usize, const D: usize>
    WindowOn<RunTime, H, K, S, P, D> for Sizes
where
    Sizes: CheckTimeSize<K> + CheckTimeSize<S> + CheckTimeSize<P> + CheckTimeSize<D>,
    Sizes: WindowParams<K, S, D>,
{
    type Out = Dim<DYN>;
}

impl<const H: usize, const K: usize, const S: usize, const P: usize, const D: usize>
    WindowOn<CheckTime, H, K, S, P, D> for Sizes
where
    Sizes: CheckTimeSize<H>
        + CheckTimeSize<K>
        + CheckTimeSize<S>
        + CheckTimeSize<P>
        + CheckTimeSize<D>
        + WindowParams<K, S, D>
        + WindowArith<H, K, S, P, D>
        + OutInRange<H, K, S, P, D>,
    <Sizes as WindowArith<H, K, S, P, D>>::Fits: WindowFits<H, K, P, D>,
{
    type Out = <Sizes as OutInRange<H, K, S, P, D>>::Dim;
}

/// The output size of [`ConvOut`] as a `Dim<O>`.
pub type ConvOutDim<
    const H: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const D: usize,
> = <Sizes as ConvOut<H, K, S, P, D>>::Out;

/// The typenum product `A * B * C` (its bounds in one place; total for sizes that pass
/// [`SpatialSize`]; `DynTn` if a factor is `DYN`).
#[doc(hidden)]
pub trait ProductArith<const A: usize, const B: usize, const C: usize> {
    /// The product as a typenum number.
    type Out;
}

impl<const A: usize, const B: usize, const C: usize> ProductArith<A, B, C> for Sizes
where
    Sizes: SpatialSize<A> + SpatialSize<B> + SpatialSize<C>,
    STn<A>: TnMul<STn<B>>,
    <STn<A> as TnMul<STn<B>>>::Out: TnMul<STn<C>>,
{
    type Out = <<STn<A> as TnMul<STn<B>>>::Out as TnMul<STn<C>>>::Out;
}

/// The product `A * B * C` is one check-time arithmetic can turn back into a `RankN`
/// parameter.
#[diagnostic::on_unimplemented(
    message = "the product {A} * {B} * {C} is outside check-time shape arithmetic",
    label = "the product is not in the table of sizes up to 4096, multiples of 64 up to 65536, powers of two (and one less) and of ten"
)]
pub trait ProductInRange<const A: usize, const B: usize, const C: usize> {
    /// `Dim<A * B * C>`.
    type Dim;
}

#[diagnostic::do_not_recommend]
impl<const A: usize, const B: usize, const C: usize> ProductInRange<A, B, C> for Sizes
where
    Sizes: ProductArith<A, B, C>,
    <Sizes as ProductArith<A, B, C>>::Out: FromTn,
{
    type Dim = <<Sizes as ProductArith<A, B, C>>::Out as FromTn>::Dim;
}

/// `A * B * C` as a `Dim`, for sizes and product in check-time arithmetic's range (reported
/// as [`SpatialSize`] or [`ProductInRange`] otherwise); `Dim<DYN>` if a factor is `DYN`.
pub trait Product3<const A: usize, const B: usize, const C: usize> {
    /// `Dim<A * B * C>`.
    type Dim;
}

impl<const A: usize, const B: usize, const C: usize> Product3<A, B, C> for Sizes
where
    Sizes: SpatialSize<A>
        + SpatialSize<B>
        + SpatialSize<C>
        + ProductArith<A, B, C>
        + ProductInRange<A, B, C>,
{
    type Dim = <Sizes as ProductInRange<A, B, C>>::Dim;
}

/// `A * B` as a `Dim` ([`Product3`] with `C = 1`).
pub trait Product2<const A: usize, const B: usize> {
    /// `Dim<A * B>`.
    type Dim;
}

impl<const A: usize, const B: usize> Product2<A, B> for Sizes
where
    Sizes: Product3<A, B, 1>,
{
    type Dim = <Sizes as Product3<A, B, 1>>::Dim;
}

/// A pooling window's padding is at most half the positions it spans (PyTorch: "pad should
/// be at most half of effective kernel size"), so every window holds an input element.
#[diagnostic::on_unimplemented(
    message = "padding {P} is more than half of a pooling window of {K} (dilation {D})",
    label = "pooling padding must be at most half the kernel's span, D * (K - 1) + 1",
    note = "PyTorch refuses it at run time: \"pad should be at most half of effective kernel size\""
)]
pub trait PoolPadding<const K: usize, const P: usize, const D: usize> {}

#[diagnostic::do_not_recommend]
impl<const K: usize, const P: usize, const D: usize> PoolPadding<K, P, D> for Sizes
where
    Sizes: CheckTimeSize<K> + CheckTimeSize<P> + CheckTimeSize<D>,
    Tn<K>: Max<U1>,
    Tn<D>: Max<U1>,
    AtLeast1<K>: Sub<U1>,
    AtLeast1<D>: Mul<Diff<AtLeast1<K>, U1>>,
    Prod<AtLeast1<D>, Diff<AtLeast1<K>, U1>>: Add<U1>,
    Tn<P>: Mul<U2>,
    Prod<Tn<P>, U2>: typenum::IsLessOrEqual<Span<K, D>, Output = typenum::True>,
{
}

/// The run-time twin of [`ConvOut`]'s formula, for kernels and tests: `None` when the
/// window does not fit (or a parameter is 0).
pub const fn conv_out_size(h: usize, k: usize, s: usize, p: usize, d: usize) -> Option<usize> {
    if k == 0 || s == 0 || d == 0 {
        return None;
    }
    let span = d * (k - 1) + 1;
    let padded = h + 2 * p;
    if padded < span {
        return None;
    }
    Some((padded - span) / s + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out<
        const H: usize,
        const K: usize,
        const S: usize,
        const P: usize,
        const D: usize,
        const O: usize,
    >()
    where
        Sizes: ConvOut<H, K, S, P, D, Out = Dim<O>>,
    {
        assert_eq!(conv_out_size(H, K, S, P, D), Some(O));
    }

    #[test]
    fn type_level_sizes_agree_with_the_formula() {
        out::<32, 5, 1, 0, 1, 28>();
        out::<14, 5, 1, 0, 1, 10>();
        out::<28, 2, 2, 0, 1, 14>();
        out::<56, 3, 1, 1, 1, 56>();
        out::<56, 3, 2, 1, 1, 28>();
        out::<7, 3, 2, 0, 2, 2>();
        out::<5, 5, 1, 0, 1, 1>();
        out::<1, 3, 1, 1, 1, 1>();
        out::<224, 7, 2, 3, 1, 112>();
        out::<10, 3, 3, 0, 1, 3>();
    }

    #[test]
    fn run_time_formula() {
        assert_eq!(conv_out_size(3, 5, 1, 0, 1), None);
        assert_eq!(conv_out_size(3, 5, 1, 1, 1), Some(1));
        assert_eq!(conv_out_size(9, 3, 1, 0, 4), Some(1));
        assert_eq!(conv_out_size(9, 3, 0, 0, 1), None);
    }
}
