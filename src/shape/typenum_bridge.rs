//! The bridge to typenum, for shape rules that need arithmetic (`view`, `flatten`,
//! slicing, `cat`): const generics cannot add or multiply generic parameters on stable
//! Rust, but typenum numbers can, inside trait bounds that `cargo check` evaluates.
//!
//! `Rank2<5, 3>` becomes `(U5, U3)` through typenum's `Const<N>: ToUInt`; the result is
//! turned back into a `RankN<..>` through [`FromTn`], generated for exactly the values
//! typenum maps (0..=1024, 2^k, 2^k−1, 10^k, 3600). Errors therefore print shapes in
//! decimal. Sizes outside that map fall back to build-time checks (`view_any`).
use std::ops::Mul;

use typenum::{Const, Prod, ToUInt, U, U1};

use super::{ConstShape, Rank0, Rank1, Rank2, Rank3, Rank4};

/// One dimension as a type, for view specs: `x.view::<(Infer, Dim<8>)>()` is `x.view(-1, 8)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Dim<const N: usize>;

/// PyTorch's `-1` in a view: the dimension that makes the element counts match.
#[derive(Clone, Copy, Debug, Default)]
pub struct Infer;

/// A typenum number that maps back to a const `usize`.
#[diagnostic::on_unimplemented(
    message = "a computed dimension is outside typenum's const map, so it cannot become a `RankN<..>` parameter",
    note = "check-time shape arithmetic covers sizes 0..=1024, powers of two (and one less), powers of ten and 3600; use `view_any` for other sizes"
)]
pub trait FromTn {
    /// `Dim<N>` for the number `N`.
    type Dim;
}

/// A shape, or a view spec, as a tuple of typenum numbers.
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
    Const<N>: ToUInt,
{
    type Tn = U<N>;
}

impl ToTn for Rank0 {
    type Tn = ();
}
macro_rules! to_tn_rank {
    ($name:ident, [$($d:ident),+]) => {
        #[diagnostic::do_not_recommend]
        impl<$(const $d: usize),+> ToTn for $name<$($d),+>
        where
            $(Const<$d>: ToUInt,)+
        {
            type Tn = ($(U<$d>,)+);
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
    type Shape: ConstShape;
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
impl<A: Mul<B>, B> TnNumel for (A, B) {
    type Numel = Prod<A, B>;
}
impl<A: Mul<B>, B, C> TnNumel for (A, B, C)
where
    Prod<A, B>: Mul<C>,
{
    type Numel = Prod<Prod<A, B>, C>;
}
impl<A: Mul<B>, B, C, D> TnNumel for (A, B, C, D)
where
    Prod<A, B>: Mul<C>,
    Prod<Prod<A, B>, C>: Mul<D>,
{
    type Numel = Prod<Prod<Prod<A, B>, C>, D>;
}

/// Typenum tuple of a shape type (shorthand for bounds).
pub type TnOf<S> = <S as ToTn>::Tn;
/// Element count of a shape type as a typenum number.
pub type TnNumelOf<S> = <TnOf<S> as TnNumel>::Numel;

/// Resolves a view spec (a typenum tuple, maybe with one `Infer`) against an element count
/// `N`: the spec itself if its product is `N`, or the spec with `Infer` set to the quotient.
pub trait Resolve<N> {
    /// The resolved typenum tuple.
    type Out;
}

/// A concrete typenum number (a local trait, so coherence knows `Infer` is not one).
pub trait KnownDim: typenum::Unsigned {}
impl KnownDim for typenum::UTerm {}
impl<X: typenum::Unsigned, B: typenum::Bit> KnownDim for typenum::UInt<X, B> {}

impl<N> Resolve<N> for ()
where
    U1: typenum::Same<N>,
{
    type Out = ();
}

macro_rules! resolve_known {
    ($($t:ident),+) => {
        impl<N, $($t: KnownDim),+> Resolve<N> for ($($t,)+)
        where
            ($($t,)+): TnNumel,
            <($($t,)+) as TnNumel>::Numel: typenum::Same<N>,
        {
            type Out = ($($t,)+);
        }
    };
}
resolve_known!(A);
resolve_known!(A, B);
resolve_known!(A, B, C);
resolve_known!(A, B, C, D);

impl<N> Resolve<N> for (Infer,) {
    type Out = (N,);
}

// One `Infer` at each position: the known entries' product must divide N.
macro_rules! resolve_infer {
    ([$($before:ident),*], [$($after:ident),*]) => {
        impl<N, $($before: KnownDim,)* $($after: KnownDim,)*> Resolve<N> for ($($before,)* Infer, $($after,)*)
        where
            ($($before,)* $($after,)*): TnNumel,
            N: std::ops::Div<<($($before,)* $($after,)*) as TnNumel>::Numel>
                + std::ops::Rem<<($($before,)* $($after,)*) as TnNumel>::Numel>,
            typenum::Mod<N, <($($before,)* $($after,)*) as TnNumel>::Numel>: typenum::Same<typenum::U0>,
        {
            type Out = ($($before,)* typenum::Quot<N, <($($before,)* $($after,)*) as TnNumel>::Numel>, $($after,)*);
        }
    };
}
resolve_infer!([], [B]);
resolve_infer!([A], []);
resolve_infer!([], [B, C]);
resolve_infer!([A], [C]);
resolve_infer!([A, B], []);
resolve_infer!([], [B, C, D]);
resolve_infer!([A], [C, D]);
resolve_infer!([A, B], [D]);
resolve_infer!([A, B, C], []);
