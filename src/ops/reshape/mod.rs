//! `view`/`reshape` (same element count, PyTorch's `-1` as [`Infer`]), `flatten`,
//! `unsqueeze` and `expand_dim`: new shapes for the same elements.
//!
//! `view` is checked by `cargo check` through typenum, which covers sizes in its map
//! (ui-tests/README.md lists them); [`view_any`](crate::Tensor::view_any)
//! covers every size, generic ones included, and is checked when the program is built.
use crate::Result;
use crate::device::Device;
use crate::dtype::Dtype;
use crate::layout::Layout;
use crate::ops::transpose::shape_of;
use crate::shape::axis::{DimAt, InsertDim, ReplaceDim};
use crate::shape::msg::Msg;
use crate::shape::typenum_bridge::{Dim, Infer, Resolve, TnNumel, TnNumelOf, TnOf, TnToRank, ToTn};
use crate::shape::{ConstShape, Rank1, Shape, ShapeProbe};
use crate::tensor::{Tensor, expect_device};

mod flatten_from;
#[cfg(test)]
mod tests;

pub use flatten_from::{FlattenFrom, FlattenedFrom};

/// Shapes (and view specs with one [`Infer`]) a tensor of shape `Self` can be viewed as.
#[diagnostic::on_unimplemented(
    message = "cannot view a tensor of shape `{Self}` as `{T}`",
    label = "the element counts differ, the `Infer` dimension does not divide them, or a size is generic or outside check-time arithmetic",
    note = "`view` keeps the number of elements: the product of the new dimensions must equal the old",
    note = "`cargo check` computes with sizes up to 4096, multiples of 64 up to 65536, powers of two (and one less) and of ten, and a few model sizes; for a generic size, or one outside them, write the target in full with `view_any::<RankN<..>>()` (checked by `cargo build`) or make the dimension run-time with `to_dyn::<AXIS>()` (checked when it runs)",
    note = "a view may leave one size to run time (`DYN`, printed `usize::MAX`, or `Infer`), not two"
)]
pub trait ViewAs<T>: Shape {
    /// The resulting shape.
    type Out: Shape;
}

type Resolved<S, T> = <TnOf<T> as Resolve<TnNumelOf<S>>>::Out;

#[diagnostic::do_not_recommend]
impl<S: Shape + ToTn, T: ToTn> ViewAs<T> for S
where
    TnOf<S>: TnNumel,
    TnOf<T>: Resolve<TnNumelOf<S>>,
    Resolved<S, T>: TnToRank,
{
    type Out = <Resolved<S, T> as TnToRank>::Shape;
}

// An unusable second impl (see `ShapeProbe`): a generic or unmapped dimension is then reported
// with `ViewAs`'s message instead of typenum's `Const<B>: ToUInt`.
#[diagnostic::do_not_recommend]
impl<S: Shape> ViewAs<ShapeProbe> for S {
    type Out = crate::shape::Rank0;
}

/// Shapes that `flatten` can turn into `Rank1<N>` at `cargo check`: their element count `N`
/// is in typenum's const map. A trait of its own (rather than `ViewAs<(Infer,), Out =
/// Rank1<N>>` in `flatten`'s bounds) so that a failure names the user's shape, not the
/// typenum number of its element count.
#[diagnostic::on_unimplemented(
    message = "cannot flatten a tensor of shape `{Self}` at `cargo check`",
    label = "a dimension is generic, or the element count is outside check-time arithmetic",
    note = "`cargo check` computes with sizes up to 4096, multiples of 64 up to 65536, powers of two (and one less) and of ten, and a few model sizes",
    note = "for other sizes write the count: `view_any::<Rank1<N>>()` (checked by `cargo build`), or `to_dyn::<0>().flatten()` for a run-time count"
)]
pub trait FlattenTo<const N: usize>: ViewAs<(Infer,), Out = Rank1<N>> {}

#[diagnostic::do_not_recommend]
impl<S: Shape, const N: usize> FlattenTo<N> for S where S: ViewAs<(Infer,), Out = Rank1<N>> {}

/// The shape of `x.view::<T>()` for `x` of shape `S`.
pub type Viewed<S, T> = <S as ViewAs<T>>::Out;

/// A size-1 dimension `AX` repeated `N` times.
#[diagnostic::on_unimplemented(
    message = "cannot expand dimension {AX} of `{Self}` to size {N}",
    label = "only a dimension of size 1 can be expanded",
    note = "use `unsqueeze::<AX>()` to insert a size-1 dimension first"
)]
pub trait ExpandDim<const AX: usize, const N: usize>: Shape {
    /// The expanded shape.
    type Out: Shape;
}

#[diagnostic::do_not_recommend]
impl<S, const AX: usize, const N: usize> ExpandDim<AX, N> for S
where
    S: DimAt<AX, Dim = Dim<1>> + ReplaceDim<AX, Dim<N>>,
{
    type Out = <S as ReplaceDim<AX, Dim<N>>>::Out;
}

impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// The same elements under shape `S2` (whose dims the rules already matched): a view
    /// when the layout allows it, else a contiguous copy (which may fail on a device).
    pub(crate) fn try_reshaped<S2: Shape>(
        &self,
        name: &'static str,
        dims: crate::shape::Dims,
    ) -> Result<Tensor<S2, E, D>> {
        let out = match self.layout.reshaped(dims) {
            Some(layout) => self.view_as(shape_of(&layout), layout),
            None => {
                let storage = self.device.contiguous(&self.storage, &self.layout)?;
                let layout = Layout::contiguous(dims);
                Tensor::from_storage(storage, shape_of(&layout), self.device.clone())
            }
        };
        let x_dims = self.dims();
        Ok(out.record1(name, self, move |g| g.reshape(x_dims)))
    }

    /// `x.view(..)`: the same elements in another shape. `T` is a shape
    /// (`x.view::<Rank1<16>>()` is `x.view(16)`) or a spec with one [`Infer`] for PyTorch's
    /// `-1` (`x.view::<(Infer, Dim<8>)>()` is `x.view(-1, 8)`).
    ///
    /// Unlike PyTorch, a non-contiguous tensor (say, after `t()`) is copied rather than
    /// refused, as `reshape` does: values are never shared anyway.
    ///
    /// ```
    /// use typetensor::{Dim, Infer, Rank1, Rank2, Tensor};
    /// let x = Tensor::<Rank2<4, 4>>::randn();
    /// let y: Tensor<Rank1<16>> = x.view::<Rank1<16>>(); // x.view(16)
    /// let z: Tensor<Rank2<2, 8>> = x.view::<(Infer, Dim<8>)>(); // x.view(-1, 8)
    /// # let _ = (y, z);
    /// ```
    pub fn view<T>(&self) -> Tensor<Viewed<S, T>, E, D>
    where
        S: ViewAs<T>,
    {
        expect_device(self.try_view::<T>())
    }

    /// [`view`](Self::view) with device errors returned (only a copy of a non-contiguous
    /// tensor can fail).
    pub fn try_view<T>(&self) -> Result<Tensor<Viewed<S, T>, E, D>>
    where
        S: ViewAs<T>,
    {
        let dims = view_dims::<Viewed<S, T>>(self.dims())?;
        self.try_reshaped("ViewBackward0", dims)
    }

    /// `x.reshape(..)`: the same as [`view`](Self::view).
    pub fn reshape<T>(&self) -> Tensor<Viewed<S, T>, E, D>
    where
        S: ViewAs<T>,
    {
        expect_device(self.try_reshape::<T>())
    }

    /// [`reshape`](Self::reshape) with device errors returned.
    pub fn try_reshape<T>(&self) -> Result<Tensor<Viewed<S, T>, E, D>>
    where
        S: ViewAs<T>,
    {
        self.try_view::<T>()
    }

    /// `x.flatten()`: every element in one dimension. (`N` is inferred; it is a method
    /// parameter, not `Viewed<S, (Infer,)>`, so that the method never loses to
    /// `Iterator::flatten` in method resolution and a failed rule is reported with
    /// [`FlattenTo`]'s message.)
    pub fn flatten<const N: usize>(&self) -> Tensor<Rank1<N>, E, D>
    where
        S: FlattenTo<N>,
    {
        expect_device(self.try_flatten::<N>())
    }

    /// [`flatten`](Self::flatten) with device errors returned.
    pub fn try_flatten<const N: usize>(&self) -> Result<Tensor<Rank1<N>, E, D>>
    where
        S: FlattenTo<N>,
    {
        self.try_view::<(Infer,)>()
    }

    /// `x.unsqueeze(AX)`: a new size-1 dimension at position `AX`.
    pub fn unsqueeze<const AX: usize>(&self) -> Tensor<<S as InsertDim<AX>>::Out, E, D>
    where
        S: InsertDim<AX>,
    {
        expect_device(self.try_unsqueeze::<AX>())
    }

    /// [`unsqueeze`](Self::unsqueeze) with device errors returned (only a copy of a
    /// non-contiguous tensor can fail).
    pub fn try_unsqueeze<const AX: usize>(&self) -> Result<Tensor<<S as InsertDim<AX>>::Out, E, D>>
    where
        S: InsertDim<AX>,
    {
        let mut d = self.dims().as_slice().to_vec();
        d.insert(AX, 1);
        self.try_reshaped(
            "UnsqueezeBackward0",
            crate::shape::Dims::new(&d).unwrap_or(self.dims()),
        )
    }

    /// `x.expand(..)` of one size-1 dimension `AX` to size `N`, no copy.
    ///
    /// ```
    /// use typetensor::{tensor, Rank2, Tensor};
    /// let col = tensor([[1.0f32], [2.0]]); // [2, 1]
    /// let wide: Tensor<Rank2<2, 3>> = col.expand_dim::<1, 3>(); // col.expand(2, 3)
    /// assert_eq!(wide.to_vec(), vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
    /// ```
    pub fn expand_dim<const AX: usize, const N: usize>(
        &self,
    ) -> Tensor<<S as ExpandDim<AX, N>>::Out, E, D>
    where
        S: ExpandDim<AX, N>,
    {
        const {
            if N == crate::DYN {
                panic!(
                    "expand_dim::<AX, DYN>(): a run-time size cannot come from a type; expand to a static size, then `to_dyn::<AX>()`"
                )
            }
        }
        let mut d = self.dims().as_slice().to_vec();
        d[AX] = N;
        let layout = self
            .layout
            .broadcast_to(crate::shape::Dims::new(&d).unwrap_or(self.dims()));
        let x_dims = self.dims();
        self.view_as(shape_of(&layout), layout)
            .record1("ExpandBackward0", self, move |g| E::grad_sum_to(g, x_dims))
    }
}

impl<S: ConstShape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// [`view`](Self::view) for any sizes, generic ones included: the element counts are
    /// compared when the program is built (`cargo build`), not by `cargo check`, and a
    /// mismatch fails the build with both shapes in the message.
    ///
    /// ```
    /// use typetensor::{Rank1, Rank2, Tensor};
    /// fn flatten<const B: usize, const BF: usize>(x: &Tensor<Rank2<B, 10>>) -> Tensor<Rank1<BF>> {
    ///     x.view_any::<Rank1<BF>>()
    /// }
    /// let y = flatten::<4, 40>(&Tensor::zeros());
    /// assert_eq!(y.shape(), [40]);
    /// ```
    pub fn view_any<T: ConstShape>(&self) -> Tensor<T, E, D> {
        // The check stays here rather than in `try_view_any` alone, so that a mismatch is
        // reported at the caller's `view_any`, not inside the library.
        const {
            if S::NUMEL != T::NUMEL {
                let m = numel_mismatch::<S, T>("view_any");
                panic!("{}", m.as_str())
            }
        }
        expect_device(self.try_view_any_unchecked::<T>())
    }

    /// [`view_any`](Self::view_any) with device errors returned (only a copy of a
    /// non-contiguous tensor can fail); a mismatch of the element counts still fails the
    /// build.
    pub fn try_view_any<T: ConstShape>(&self) -> Result<Tensor<T, E, D>> {
        const {
            if S::NUMEL != T::NUMEL {
                let m = numel_mismatch::<S, T>("try_view_any");
                panic!("{}", m.as_str())
            }
        }
        self.try_view_any_unchecked::<T>()
    }

    /// `view_any` once the element counts are known to agree.
    fn try_view_any_unchecked<T: ConstShape>(&self) -> Result<Tensor<T, E, D>> {
        self.try_reshaped(
            "ViewBackward0",
            crate::shape::Dims::new(T::DIMS).unwrap_or(self.dims()),
        )
    }
}

/// The build error of a `view_any` from `S` to `T` whose element counts differ.
const fn numel_mismatch<S: ConstShape, T: ConstShape>(method: &'static str) -> Msg {
    Msg::new()
        .s(method)
        .s(": cannot view a tensor of shape ")
        .dims(S::DIMS)
        .s(" (")
        .u(S::NUMEL)
        .s(" elements) as shape ")
        .dims(T::DIMS)
        .s(" (")
        .u(T::NUMEL)
        .s(" elements)")
}

/// The dims of a view of a tensor of dims `from` as shape `T`: `T`'s own when static (the
/// rule proved the element counts equal), else its one run-time dimension inferred from the
/// element count, checked here since the rule could not.
fn view_dims<T: Shape>(from: crate::shape::Dims) -> Result<crate::shape::Dims> {
    crate::tensor::infer_shape::<T>(from.numel())
        .map(|s| s.dims())
        .ok_or_else(|| crate::Error::IncompatibleShapes {
            op: "view",
            lhs: from.as_slice().to_vec(),
            rhs: T::TYPE_DIMS.to_vec(),
            rule: "a view keeps the number of elements",
        })
}
