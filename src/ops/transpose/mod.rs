//! `t()`, `transpose` and `permute`: reorder dimensions without copying (only the
//! layout's strides move), with the permuted shape in the type.
use crate::device::Device;
use crate::dtype::Dtype;
use crate::shape::axis::DimAt;
use crate::shape::typenum_bridge::Dim;
use crate::shape::{Rank2, Rank3, Rank4, Shape};
use crate::tensor::Tensor;

mod backward;
#[cfg(test)]
mod tests;

/// The shape with dimensions `A` and `B` swapped.
#[diagnostic::on_unimplemented(
    message = "cannot transpose dimensions {A} and {B} of `{Self}`",
    label = "a dimension is out of range for this shape",
    note = "dimensions count from 0: `Rank2<M, N>` has dimensions 0 and 1"
)]
pub trait Transpose<const A: usize, const B: usize>: Shape {
    /// The transposed shape.
    type Out: Shape;
}

// One impl per rank and axis pair, generated into src/shape/axis_impls.rs.

/// The shape of `x.transpose(A, B)` for `x` of shape `S`.
pub type Transposed<S, const A: usize, const B: usize> = <S as Transpose<A, B>>::Out;

/// Permutations of 2, 3 or 4 axes (each axis exactly once).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a permutation of the tensor's dimensions",
    label = "each dimension must appear exactly once",
    note = "for a `Rank3` tensor, `permute::<2, 0, 1>()` is a permutation; `permute::<0, 0, 1>()` is not"
)]
pub trait Permutation {}

/// Two axes in a new order (const-generic arrays cannot be parameters on stable Rust,
/// so there is one permutation type per rank).
pub struct Perm2<const P0: usize, const P1: usize>;
/// Three axes in a new order.
pub struct Perm3<const P0: usize, const P1: usize, const P2: usize>;
/// Four axes in a new order.
pub struct Perm4<const P0: usize, const P1: usize, const P2: usize, const P3: usize>;

macro_rules! permutations {
    ($ty:ident: $([$($p:literal),*])*) => {$(impl Permutation for $ty<$($p),*> {})*};
}
permutations!(Perm2: [0, 1] [1, 0]);
permutations!(Perm3: [0, 1, 2] [0, 2, 1] [1, 0, 2] [1, 2, 0] [2, 0, 1] [2, 1, 0]);
permutations!(Perm4:
    [0, 1, 2, 3] [0, 1, 3, 2] [0, 2, 1, 3] [0, 2, 3, 1] [0, 3, 1, 2] [0, 3, 2, 1]
    [1, 0, 2, 3] [1, 0, 3, 2] [1, 2, 0, 3] [1, 2, 3, 0] [1, 3, 0, 2] [1, 3, 2, 0]
    [2, 0, 1, 3] [2, 0, 3, 1] [2, 1, 0, 3] [2, 1, 3, 0] [2, 3, 0, 1] [2, 3, 1, 0]
    [3, 0, 1, 2] [3, 0, 2, 1] [3, 1, 0, 2] [3, 1, 2, 0] [3, 2, 0, 1] [3, 2, 1, 0]
);

impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// `x.transpose(A, B)`: swaps two dimensions, no copy.
    ///
    /// ```
    /// use typetensor::{Rank2, Tensor};
    /// let z = Tensor::<Rank2<2, 8>>::zeros();
    /// let zt: Tensor<Rank2<8, 2>> = z.transpose::<1, 0>(); // z.transpose(1, 0)
    /// assert_eq!(zt.shape(), [8, 2]);
    /// ```
    pub fn transpose<const A: usize, const B: usize>(&self) -> Tensor<Transposed<S, A, B>, E, D>
    where
        S: Transpose<A, B>,
    {
        let layout = self.layout.transpose(A, B);
        let out = self.view_as(shape_of::<Transposed<S, A, B>>(&layout), layout);
        backward::record_permute(
            out,
            "TransposeBackward0",
            self,
            &backward::swap(S::RANK, A, B),
        )
    }
}

/// The shape value for a view's layout. The shape rules computed the type from the same
/// dims, so a mismatch is a bug in a rule, not bad input.
pub(crate) fn shape_of<S: Shape>(layout: &crate::layout::Layout) -> S {
    match S::from_dims(&layout.dims()) {
        Some(s) => s,
        None => panic!(
            "typetensor bug: shape rule disagrees with layout {:?}",
            layout.dims()
        ),
    }
}

impl<const M: usize, const N: usize, E: Dtype, D: Device> Tensor<Rank2<M, N>, E, D> {
    /// `x.t()`: the transpose of a matrix, no copy (`mm` reads the strides directly).
    ///
    /// ```
    /// use typetensor::{tensor, Rank2, Tensor};
    /// let x = tensor([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    /// let xt: Tensor<Rank2<3, 2>> = x.t();
    /// assert_eq!(xt.to_vec(), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    /// ```
    pub fn t(&self) -> Tensor<Rank2<N, M>, E, D> {
        let layout = self.layout.transpose(0, 1);
        let out = self.view_as(shape_of(&layout), layout);
        backward::record_permute(out, "TBackward0", self, &[1, 0])
    }
}

/// The shape a permutation `Self` makes of `S`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot permute a tensor of shape `{S}`",
    label = "not a permutation of this shape's dimensions",
    note = "list every dimension exactly once: for `Rank3`, `permute::<2, 0, 1>()`"
)]
pub trait PermuteShape<S> {
    /// The permuted shape.
    type Out: Shape;
}

#[diagnostic::do_not_recommend]
impl<
    const P0: usize,
    const P1: usize,
    const A: usize,
    const B: usize,
    const X: usize,
    const Y: usize,
> PermuteShape<Rank2<A, B>> for Perm2<P0, P1>
where
    Perm2<P0, P1>: Permutation,
    Rank2<A, B>: DimAt<P0, Dim = Dim<X>> + DimAt<P1, Dim = Dim<Y>>,
{
    type Out = Rank2<X, Y>;
}

#[diagnostic::do_not_recommend]
impl<
    const P0: usize,
    const P1: usize,
    const P2: usize,
    const A: usize,
    const B: usize,
    const C: usize,
    const X: usize,
    const Y: usize,
    const Z: usize,
> PermuteShape<Rank3<A, B, C>> for Perm3<P0, P1, P2>
where
    Perm3<P0, P1, P2>: Permutation,
    Rank3<A, B, C>: DimAt<P0, Dim = Dim<X>> + DimAt<P1, Dim = Dim<Y>> + DimAt<P2, Dim = Dim<Z>>,
{
    type Out = Rank3<X, Y, Z>;
}

#[diagnostic::do_not_recommend]
impl<
    const P0: usize,
    const P1: usize,
    const P2: usize,
    const P3: usize,
    const A: usize,
    const B: usize,
    const C: usize,
    const D: usize,
    const X: usize,
    const Y: usize,
    const Z: usize,
    const W: usize,
> PermuteShape<Rank4<A, B, C, D>> for Perm4<P0, P1, P2, P3>
where
    Perm4<P0, P1, P2, P3>: Permutation,
    Rank4<A, B, C, D>: DimAt<P0, Dim = Dim<X>>
        + DimAt<P1, Dim = Dim<Y>>
        + DimAt<P2, Dim = Dim<Z>>
        + DimAt<P3, Dim = Dim<W>>,
{
    type Out = Rank4<X, Y, Z, W>;
}

impl<const A: usize, const B: usize, E: Dtype, D: Device> Tensor<Rank2<A, B>, E, D> {
    /// `x.permute(P0, P1)`: no copy.
    pub fn permute<const P0: usize, const P1: usize>(
        &self,
    ) -> Tensor<<Perm2<P0, P1> as PermuteShape<Rank2<A, B>>>::Out, E, D>
    where
        Perm2<P0, P1>: PermuteShape<Rank2<A, B>>,
    {
        let layout = self.layout.permute(&[P0, P1]);
        let out = self.view_as(shape_of(&layout), layout);
        backward::record_permute(out, "PermuteBackward0", self, &[P0, P1])
    }
}

impl<const A: usize, const B: usize, const C: usize, E: Dtype, D: Device>
    Tensor<Rank3<A, B, C>, E, D>
{
    /// `x.permute(P0, P1, P2)`: no copy.
    ///
    /// ```
    /// use typetensor::{Rank3, Tensor};
    /// let x = Tensor::<Rank3<2, 3, 4>>::zeros();
    /// let y: Tensor<Rank3<4, 2, 3>> = x.permute::<2, 0, 1>(); // x.permute(2, 0, 1)
    /// # let _ = y;
    /// ```
    pub fn permute<const P0: usize, const P1: usize, const P2: usize>(
        &self,
    ) -> Tensor<<Perm3<P0, P1, P2> as PermuteShape<Rank3<A, B, C>>>::Out, E, D>
    where
        Perm3<P0, P1, P2>: PermuteShape<Rank3<A, B, C>>,
    {
        let layout = self.layout.permute(&[P0, P1, P2]);
        let out = self.view_as(shape_of(&layout), layout);
        backward::record_permute(out, "PermuteBackward0", self, &[P0, P1, P2])
    }
}

impl<const A: usize, const B: usize, const C: usize, const D4: usize, E: Dtype, D: Device>
    Tensor<Rank4<A, B, C, D4>, E, D>
{
    /// `x.permute(P0, P1, P2, P3)`: no copy.
    pub fn permute<const P0: usize, const P1: usize, const P2: usize, const P3: usize>(
        &self,
    ) -> Tensor<<Perm4<P0, P1, P2, P3> as PermuteShape<Rank4<A, B, C, D4>>>::Out, E, D>
    where
        Perm4<P0, P1, P2, P3>: PermuteShape<Rank4<A, B, C, D4>>,
    {
        let layout = self.layout.permute(&[P0, P1, P2, P3]);
        let out = self.view_as(shape_of(&layout), layout);
        backward::record_permute(out, "PermuteBackward0", self, &[P0, P1, P2, P3])
    }
}
