//! `x.flatten_from::<AX>()`: PyTorch's `torch.flatten(x, start_dim=AX)`, the dimensions from
//! `AX` on merged into one. The dimensions before `AX` pass through by unification (a batch
//! may be generic or run-time); the merged size is a product computed by typenum at
//! `cargo check` ([`Product2`], [`Product3`]); a product outside check-time arithmetic is
//! reported with the rule's message, which names the shape.
use crate::Result;
use crate::device::Device;
use crate::dtype::Dtype;
use crate::shape::typenum_bridge::Dim;
use crate::shape::window::{Product2, Product3, Sizes};
use crate::shape::{Dims, Rank1, Rank2, Rank3, Rank4, Shape};
use crate::tensor::{Tensor, expect_device};

/// The shape of `torch.flatten(x, AX)` for `x` of shape `Self`.
#[diagnostic::on_unimplemented(
    message = "cannot flatten `{Self}` from dimension {AX}",
    label = "`{Self}` has no dimension {AX}, or the dimensions from it multiply to a size outside check-time arithmetic",
    note = "`flatten_from::<AX>()` merges dimensions AX.. of a `RankN` into one; AX counts from 0",
    note = "`cargo check` computes the merged size with sizes up to 4096, multiples of 64 up to 65536, powers of two (and one less) and of ten, and a few model sizes; for other sizes write the result in full with `view_any::<RankN<..>>()` (checked by `cargo build`)"
)]
pub trait FlattenFrom<const AX: usize>: Shape {
    /// The flattened shape.
    type Out: Shape;
}

macro_rules! identity {
    ($rank:ident [$($d:ident),+] $ax:literal) => {
        #[diagnostic::do_not_recommend]
        impl<$(const $d: usize),+> FlattenFrom<$ax> for $rank<$($d),+> {
            type Out = $rank<$($d),+>;
        }
    };
}
identity!(Rank1 [A] 0);
identity!(Rank2 [A, B] 1);
identity!(Rank3 [A, B, C] 2);
identity!(Rank4 [A, B, C, D] 3);

#[diagnostic::do_not_recommend]
impl<const A: usize, const B: usize, const F: usize> FlattenFrom<0> for Rank2<A, B>
where
    Sizes: Product2<A, B, Dim = Dim<F>>,
{
    type Out = Rank1<F>;
}
#[diagnostic::do_not_recommend]
impl<const A: usize, const B: usize, const C: usize, const F: usize> FlattenFrom<0>
    for Rank3<A, B, C>
where
    Sizes: Product3<A, B, C, Dim = Dim<F>>,
{
    type Out = Rank1<F>;
}
#[diagnostic::do_not_recommend]
impl<const A: usize, const B: usize, const C: usize, const F: usize> FlattenFrom<1>
    for Rank3<A, B, C>
where
    Sizes: Product2<B, C, Dim = Dim<F>>,
{
    type Out = Rank2<A, F>;
}
#[diagnostic::do_not_recommend]
impl<const A: usize, const B: usize, const C: usize, const D: usize, const X: usize, const F: usize>
    FlattenFrom<0> for Rank4<A, B, C, D>
where
    Sizes: Product3<B, C, D, Dim = Dim<X>>,
    Sizes: Product2<A, X, Dim = Dim<F>>,
{
    type Out = Rank1<F>;
}
#[diagnostic::do_not_recommend]
impl<const A: usize, const B: usize, const C: usize, const D: usize, const F: usize> FlattenFrom<1>
    for Rank4<A, B, C, D>
where
    Sizes: Product3<B, C, D, Dim = Dim<F>>,
{
    type Out = Rank2<A, F>;
}
#[diagnostic::do_not_recommend]
impl<const A: usize, const B: usize, const C: usize, const D: usize, const F: usize> FlattenFrom<2>
    for Rank4<A, B, C, D>
where
    Sizes: Product2<C, D, Dim = Dim<F>>,
{
    type Out = Rank3<A, B, F>;
}

/// The shape of `x.flatten_from::<AX>()` for `x` of shape `S`.
pub type FlattenedFrom<S, const AX: usize> = <S as FlattenFrom<AX>>::Out;

impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// `torch.flatten(x, AX)` / `x.flatten(AX)`: dimensions `AX..` merged into one, as the
    /// blitz's `torch.flatten(x, 1)` ("all dimensions except the batch dimension"). A view
    /// when the layout allows it, else a contiguous copy.
    ///
    /// ```
    /// use typetensor::{Rank2, Rank4, Tensor};
    /// let x = Tensor::<Rank4<4, 16, 5, 5>>::zeros();
    /// let y: Tensor<Rank2<4, 400>> = x.flatten_from::<1>(); // torch.flatten(x, 1)
    /// # let _ = y;
    /// ```
    pub fn flatten_from<const AX: usize>(&self) -> Tensor<FlattenedFrom<S, AX>, E, D>
    where
        S: FlattenFrom<AX>,
    {
        expect_device(self.try_flatten_from::<AX>())
    }

    /// [`flatten_from`](Self::flatten_from) with device errors returned (only a copy of a
    /// non-contiguous tensor can fail).
    pub fn try_flatten_from<const AX: usize>(&self) -> Result<Tensor<FlattenedFrom<S, AX>, E, D>>
    where
        S: FlattenFrom<AX>,
    {
        let d = self.dims();
        let mut dims: Vec<usize> = d.as_slice()[..AX].to_vec();
        dims.push(d.as_slice()[AX..].iter().product());
        self.try_reshaped("ViewBackward0", Dims::new(&dims).unwrap_or(d))
    }
}
