//! The bridge to typenum, for shape rules that need arithmetic (`view`, `flatten`,
//! slicing, `cat`): const generics cannot add or multiply generic parameters on stable
//! Rust, but typenum numbers can, inside trait bounds that `cargo check` evaluates.
//!
//! `Rank2<5, 3>` becomes `(U5, U3)` through [`DimTn`], a generated table from `Dim<N>` to
//! typenum's number for `N` (`tn_table.rs`); the result is turned back into a `RankN<..>`
//! through [`FromTn`], the same table reversed. Errors therefore print shapes in decimal.
//! A run-time dimension ([`DYN`]) maps to [`DynTn`], which the arithmetic below treats as
//! unknown: a sum or product with it is run-time too, and a comparison with it is left to
//! the op, which checks it when the program runs. Sizes outside the table fall back to
//! build-time checks (`view_any`).
use std::ops::{Add, Div, Mul, Rem, Sub};

use typenum::{Diff, IsLessOrEqual, Mod, Prod, Quot, Same, Sum, True, U0, U1, UInt, UTerm};

use super::{DYN, Rank0, Rank1, Rank2, Rank3, Rank4, Shape};

/// One dimension as a type, for view specs: `x.view::<(Infer, Dim<8>)>()` is `x.view(-1, 8)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Dim<const N: usize>;

/// PyTorch's `-1` in a view: the dimension that makes the element counts match.
#[derive(Clone, Copy, Debug, Default)]
pub struct Infer;

/// A run-time size ([`DYN`]) in check-time arithmetic.
#[derive(Clone, Copy, Debug, Default)]
pub struct DynTn;

/// A size as a type-level number: typenum's `U<N>` for a size in the table, [`DynTn`] for
/// [`DYN`].
#[diagnostic::on_unimplemented(
    message = "the size {Self} is outside check-time shape arithmetic",
    note = "check-time shape arithmetic covers sizes 0..=1024, powers of two (and one less), powers of ten and 3600; use `view_any` for other sizes"
)]
pub trait DimTn {
    /// The typenum number (or [`DynTn`]).
    type Tn;
}
impl DimTn for Dim<DYN> {
    type Tn = DynTn;
}

/// `Dim<N>` as a type-level number.
pub type TnDim<const N: usize> = <Dim<N> as DimTn>::Tn;

/// A type-level number back to a `Dim<N>`.
#[diagnostic::on_unimplemented(
    message = "a computed dimension is outside check-time shape arithmetic, so it cannot become a `RankN<..>` parameter",
    note = "check-time shape arithmetic covers sizes 0..=1024, powers of two (and one less), powers of ten and 3600; use `view_any` for other sizes"
)]
pub trait FromTn {
    /// `Dim<N>` for the number `N`.
    type Dim;
}
impl FromTn for DynTn {
    type Dim = Dim<DYN>;
}

// Arithmetic on typenum numbers and `DynTn`. Each trait has one impl per kind of left
// operand (`UTerm`, `UInt`, `DynTn`) forwarding to a trait on the right operand, so that no
// two impls overlap (a blanket impl over numbers and one for `DynTn` would).

/// `Self + R`.
pub trait TnAdd<R> {
    /// The sum.
    type Out;
}
/// `L + Self` for a number `L` (the second half of [`TnAdd`]).
pub trait AddToNum<L> {
    /// The sum.
    type Out;
}
/// `Self * R`.
pub trait TnMul<R> {
    /// The product.
    type Out;
}
/// `L * Self` for a number `L` (the second half of [`TnMul`]).
pub trait MulToNum<L> {
    /// The product.
    type Out;
}
/// `Self <= R`, or unknown until run time (either side [`DynTn`]).
pub trait TnLe<R> {}
/// `Self >= L` for a number `L` (the second half of [`TnLe`]).
pub trait NumGe<L> {}
/// `Self == R`, or unknown until run time.
pub trait TnEq<R> {}
/// `Self == L` for a number `L` (the second half of [`TnEq`]).
pub trait NumEq<L> {}

impl<R> TnAdd<R> for DynTn {
    type Out = DynTn;
}
impl<L> AddToNum<L> for DynTn {
    type Out = DynTn;
}
impl<R> TnMul<R> for DynTn {
    type Out = DynTn;
}
impl<L> MulToNum<L> for DynTn {
    type Out = DynTn;
}
impl<R> TnLe<R> for DynTn {}
impl<L> NumGe<L> for DynTn {}
impl<R> TnEq<R> for DynTn {}
impl<L> NumEq<L> for DynTn {}

macro_rules! number_arith {
    ([$($p:ident),*] $n:ty) => {
        impl<$($p,)* R: AddToNum<$n>> TnAdd<R> for $n {
            type Out = <R as AddToNum<$n>>::Out;
        }
        impl<$($p,)* L: Add<$n>> AddToNum<L> for $n {
            type Out = Sum<L, $n>;
        }
        impl<$($p,)* R: MulToNum<$n>> TnMul<R> for $n {
            type Out = <R as MulToNum<$n>>::Out;
        }
        impl<$($p,)* L: Mul<$n>> MulToNum<L> for $n {
            type Out = Prod<L, $n>;
        }
        impl<$($p,)* R: NumGe<$n>> TnLe<R> for $n {}
        impl<$($p,)* L: IsLessOrEqual<$n, Output = True>> NumGe<L> for $n {}
        impl<$($p,)* R: NumEq<$n>> TnEq<R> for $n {}
        impl<$($p,)* L: Same<$n>> NumEq<L> for $n {}
    };
}
number_arith!([] UTerm);
number_arith!([U, B] UInt<U, B>);

/// `Self - R` for a number `R` (a start index): a run-time size minus it is run-time.
pub trait TnSub<R> {
    /// The difference.
    type Out;
}
impl<R> TnSub<R> for DynTn {
    type Out = DynTn;
}
impl<R> TnSub<R> for UTerm
where
    UTerm: Sub<R>,
{
    type Out = Diff<UTerm, R>;
}
impl<U, B, R> TnSub<R> for UInt<U, B>
where
    UInt<U, B>: Sub<R>,
{
    type Out = Diff<UInt<U, B>, R>;
}

/// `Self / R` for a number `R` that divides `Self` exactly (the `Infer` of a view); a
/// run-time size divided is run-time.
pub trait TnDivExact<R> {
    /// The quotient.
    type Out;
}
impl<R> TnDivExact<R> for DynTn {
    type Out = DynTn;
}
macro_rules! number_div {
    ([$($p:ident),*] $n:ty) => {
        impl<$($p,)* R> TnDivExact<R> for $n
        where
            $n: Div<R> + Rem<R>,
            Mod<$n, R>: Same<U0>,
        {
            type Out = Quot<$n, R>;
        }
    };
}
number_div!([] UTerm);
number_div!([U, B] UInt<U, B>);

/// A shape, or a view spec, as a tuple of type-level numbers.
#[diagnostic::on_unimplemented(
    message = "shape `{Self}` has a dimension that check-time shape arithmetic cannot see",
    label = "a generic dimension, or a size outside typenum's map",
    note = "check-time `view`/`flatten`/slicing/`cat` need concrete sizes in 0..=1024, a power of two (or one less), a power of ten or 3600",
    note = "for other sizes use `view_any::<..>()`, checked when the program is built"
)]
pub trait ToTn {
    /// The typenum tuple, e.g. `(U5, U3)`.
    type Tn;
}

/// One entry of a view spec: `Dim<N>` or `Infer`.
pub trait SpecDim {
    /// `U<N>`, or `Infer`.
    type Tn;
}
impl SpecDim for Infer {
    type Tn = Infer;
}
#[diagnostic::do_not_recommend]
impl<const N: usize> SpecDim for Dim<N>
where
    Dim<N>: DimTn,
{
    type Tn = TnDim<N>;
}

impl ToTn for Rank0 {
    type Tn = ();
}
macro_rules! to_tn_rank {
    ($name:ident, [$($d:ident),+]) => {
        #[diagnostic::do_not_recommend]
        impl<$(const $d: usize),+> ToTn for $name<$($d),+>
        where
            $(Dim<$d>: DimTn,)+
        {
            type Tn = ($(TnDim<$d>,)+);
        }
    };
}
to_tn_rank!(Rank1, [A]);
to_tn_rank!(Rank2, [A, B]);
to_tn_rank!(Rank3, [A, B, C]);
to_tn_rank!(Rank4, [A, B, C, D]);

macro_rules! to_tn_spec {
    ($($t:ident),+) => {
        impl<$($t: SpecDim),+> ToTn for ($($t,)+) {
            type Tn = ($($t::Tn,)+);
        }
    };
}
to_tn_spec!(A);
to_tn_spec!(A, B);
to_tn_spec!(A, B, C);
to_tn_spec!(A, B, C, D);

/// A typenum tuple back to a shape type.
#[diagnostic::on_unimplemented(
    message = "a computed dimension is outside typenum's const map, so it cannot become a `RankN<..>` parameter",
    label = "the result of this view has a dimension outside 0..=1024, the powers of two or ten, or 3600",
    note = "use `view_any::<RankN<..>>()`, which checks the element count when the program is built"
)]
pub trait TnToRank {
    /// The shape, e.g. `Rank2<5, 3>`.
    type Shape: Shape;
}
impl TnToRank for () {
    type Shape = Rank0;
}
macro_rules! tn_to_rank {
    ($name:ident, [$($t:ident $d:ident),+]) => {
        #[diagnostic::do_not_recommend]
        impl<$($t,)+ $(const $d: usize),+> TnToRank for ($($t,)+)
        where
            $($t: FromTn<Dim = Dim<$d>>,)+
        {
            type Shape = $name<$($d),+>;
        }
    };
}
tn_to_rank!(Rank1, [TA A]);
tn_to_rank!(Rank2, [TA A, TB B]);
tn_to_rank!(Rank3, [TA A, TB B, TC C]);
tn_to_rank!(Rank4, [TA A, TB B, TC C, TD D]);

/// The element count of a typenum tuple.
pub trait TnNumel {
    /// The product of the entries.
    type Numel;
}
impl TnNumel for () {
    type Numel = U1;
}
impl<A> TnNumel for (A,) {
    type Numel = A;
}
impl<A: TnMul<B>, B> TnNumel for (A, B) {
    type Numel = <A as TnMul<B>>::Out;
}
impl<A: TnMul<B>, B, C> TnNumel for (A, B, C)
where
    <A as TnMul<B>>::Out: TnMul<C>,
{
    type Numel = <<A as TnMul<B>>::Out as TnMul<C>>::Out;
}
impl<A: TnMul<B>, B, C, D> TnNumel for (A, B, C, D)
where
    <A as TnMul<B>>::Out: TnMul<C>,
    <<A as TnMul<B>>::Out as TnMul<C>>::Out: TnMul<D>,
{
    type Numel = <<<A as TnMul<B>>::Out as TnMul<C>>::Out as TnMul<D>>::Out;
}

/// Typenum tuple of a shape type (shorthand for bounds).
pub type TnOf<S> = <S as ToTn>::Tn;
/// Element count of a shape type as a typenum number.
pub type TnNumelOf<S> = <TnOf<S> as TnNumel>::Numel;

/// Resolves a view spec (a tuple of type-level numbers, maybe with one `Infer` or one
/// [`DynTn`]) against an element count `N`: the spec itself if its product is `N` (or
/// either is run-time), or the spec with `Infer` set to the quotient. A spec with two
/// unknowns (two `Infer`s, `Infer` and `DYN`, two `DYN`s) has no impl: no run-time check
/// could tell the sizes apart.
pub trait Resolve<N> {
    /// The resolved tuple.
    type Out;
}

/// A size known at compile time: a typenum number (a local trait, so coherence knows
/// `Infer` and `DynTn` are not one).
pub trait KnownDim: typenum::Unsigned {}
impl KnownDim for UTerm {}
impl<X: typenum::Unsigned, B: typenum::Bit> KnownDim for UInt<X, B> {}

impl<N> Resolve<N> for ()
where
    U1: TnEq<N>,
{
    type Out = ();
}

macro_rules! resolve_known {
    ($($t:ident),+) => {
        impl<N, $($t: KnownDim),+> Resolve<N> for ($($t,)+)
        where
            ($($t,)+): TnNumel,
            <($($t,)+) as TnNumel>::Numel: TnEq<N>,
        {
            type Out = ($($t,)+);
        }
    };
}
resolve_known!(A);
resolve_known!(A, B);
resolve_known!(A, B, C);
resolve_known!(A, B, C, D);

// One `Infer` at each position: the known entries' product must divide N. One `DynTn` at
// each position: any N fits at compile time, the op checks the count at run time.
macro_rules! resolve_unknown {
    ([$($before:ident),*], [$($after:ident),*]) => {
        impl<N, $($before: KnownDim,)* $($after: KnownDim,)*> Resolve<N> for ($($before,)* Infer, $($after,)*)
        where
            ($($before,)* $($after,)*): TnNumel,
            N: TnDivExact<<($($before,)* $($after,)*) as TnNumel>::Numel>,
        {
            type Out = ($($before,)* <N as TnDivExact<<($($before,)* $($after,)*) as TnNumel>::Numel>>::Out, $($after,)*);
        }
        impl<N, $($before: KnownDim,)* $($after: KnownDim,)*> Resolve<N> for ($($before,)* DynTn, $($after,)*) {
            type Out = ($($before,)* DynTn, $($after,)*);
        }
    };
}
resolve_unknown!([], []);
resolve_unknown!([], [B]);
resolve_unknown!([A], []);
resolve_unknown!([], [B, C]);
resolve_unknown!([A], [C]);
resolve_unknown!([A, B], []);
resolve_unknown!([], [B, C, D]);
resolve_unknown!([A], [C, D]);
resolve_unknown!([A, B], [D]);
resolve_unknown!([A, B, C], []);
