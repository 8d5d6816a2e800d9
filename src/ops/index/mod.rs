//! Indexing: `narrow` and `slice_from` (the lesson's `x[1:, 1:]`), `cat`, `index_select`.
//!
//! Slices and `cat` need arithmetic on dimensions (an end past the size, the sum of two
//! sizes), done by typenum inside the rules so that `cargo check` reports a bad offset.
//! That covers concrete sizes in typenum's map (0..=1024, powers of two, powers of ten…);
//! `index_select` checks its run-time indices and returns `Err` for one out of range.

use crate::Result;
use crate::device::{Device, DeviceStorage};
use crate::dtype::{Dtype, NumDtype};
use crate::error::Error;
use crate::layout::Layout;
use crate::ops::transpose::shape_of;
use crate::shape::Dims;
use crate::shape::axis::{DimAt, ReplaceDim};
use crate::shape::typenum_bridge::{Dim, DimTn, FromTn, SpecDim, TnAdd, TnDim, TnLe, TnSub};
use crate::shape::{Rank1, Rank2, Rank3, Rank4, Shape, ShapeProbe};
use crate::tensor::{Tensor, expect_device};

mod backward;
mod cpu;
#[cfg(test)]
mod tests;

/// Kernels that gather elements by index.
pub trait IndexKernel: DeviceStorage {
    /// Entries `idx` of dimension `axis` of `x`, into new contiguous storage.
    /// An index outside `0..size` is an `Err`.
    fn index_select<E: Dtype>(
        &self,
        x: &Self::Storage<E>,
        l: &Layout,
        axis: usize,
        idx: &Self::Storage<i64>,
        lidx: &Layout,
    ) -> Result<Self::Storage<E>>;

    /// Zeros of `dims` plus, for each `j`, slice `j` of `src` (along `axis`) added at index
    /// `idx[j]`: PyTorch's `index_add`, the gradient of `index_select`. Indices were
    /// checked by the forward `index_select`.
    #[allow(clippy::too_many_arguments)]
    fn index_add<E: NumDtype>(
        &self,
        dims: Dims,
        axis: usize,
        idx: &Self::Storage<i64>,
        lidx: &Layout,
        src: &Self::Storage<E>,
        lsrc: &Layout,
    ) -> Result<Self::Storage<E>>;

    /// Entries `rows` of dimension 0 of `x` (each already known to be `< dims[0]`), into new
    /// contiguous storage: a mini-batch of a data set. The default uploads the row list and
    /// runs [`index_select`](Self::index_select); the CPU copies the rows directly.
    fn gather_rows<E: Dtype>(
        &self,
        x: &Self::Storage<E>,
        l: &Layout,
        rows: &[usize],
    ) -> Result<Self::Storage<E>> {
        let idx: Vec<i64> = rows
            .iter()
            .map(|&r| i64::try_from(r).unwrap_or(i64::MAX))
            .collect();
        let lidx = Layout::contiguous(Dims::from_array([idx.len()]));
        let idx = self.upload(idx)?;
        self.index_select(x, l, 0, &idx, &lidx)
    }

    /// `a` followed by `b` along `axis` (all other dims equal), into new contiguous storage.
    fn cat<E: Dtype>(
        &self,
        a: &Self::Storage<E>,
        la: &Layout,
        b: &Self::Storage<E>,
        lb: &Layout,
        axis: usize,
    ) -> Result<Self::Storage<E>>;
}

/// Dimension `AX` of `S` as a typenum number.
pub type TnAt<S, const AX: usize> = <<S as DimAt<AX>>::Dim as SpecDim>::Tn;

/// `LEN` entries of dimension `AX` from index `START` fit in the shape.
#[diagnostic::on_unimplemented(
    message = "cannot take {LEN} entries from index {START} of dimension {AX} of `{Self}`",
    label = "the range runs past the end of dimension {AX}",
    note = "narrow::<AX, START, LEN>() needs START + LEN <= the size of dimension AX",
    note = "the check runs at `cargo check` for sizes in typenum's map (0..=1024, powers of two or ten)"
)]
pub trait Narrow<const AX: usize, const START: usize, const LEN: usize>: Shape {
    /// The narrowed shape.
    type Out: Shape;
}

#[diagnostic::do_not_recommend]
impl<S, const AX: usize, const START: usize, const LEN: usize> Narrow<AX, START, LEN> for S
where
    S: DimAt<AX> + ReplaceDim<AX, Dim<LEN>>,
    <S as DimAt<AX>>::Dim: SpecDim,
    Dim<START>: DimTn,
    Dim<LEN>: DimTn,
    TnDim<START>: TnAdd<TnDim<LEN>>,
    <TnDim<START> as TnAdd<TnDim<LEN>>>::Out: TnLe<TnAt<S, AX>>,
{
    type Out = <S as ReplaceDim<AX, Dim<LEN>>>::Out;
}

/// Dimension `AX` sliced from `START` to its end: `x[START:]` along `AX`.
#[diagnostic::on_unimplemented(
    message = "cannot slice dimension {AX} of `{Self}` from index {START}",
    label = "the start is past the end of dimension {AX}",
    note = "slice_from::<AX, START>() needs START <= the size of dimension AX",
    note = "the check runs at `cargo check` for sizes in typenum's map (0..=1024, powers of two or ten)"
)]
pub trait SliceFrom<const AX: usize, const START: usize>: Shape {
    /// The sliced shape.
    type Out: Shape;
}

type Rest<S, const AX: usize, const START: usize> =
    <<TnAt<S, AX> as TnSub<TnDim<START>>>::Out as FromTn>::Dim;

#[diagnostic::do_not_recommend]
impl<S, const AX: usize, const START: usize> SliceFrom<AX, START> for S
where
    S: DimAt<AX>,
    <S as DimAt<AX>>::Dim: SpecDim,
    Dim<START>: DimTn,
    TnAt<S, AX>: TnSub<TnDim<START>>,
    <TnAt<S, AX> as TnSub<TnDim<START>>>::Out: FromTn,
    S: ReplaceDim<AX, Rest<S, AX, START>>,
{
    type Out = <S as ReplaceDim<AX, Rest<S, AX, START>>>::Out;
}

/// Shapes that concatenate along `AX`, and the result.
#[diagnostic::on_unimplemented(
    message = "cannot concatenate `{Self}` and `{R}` along dimension {AX}",
    label = "the shapes must match in every dimension but {AX}, and the joined size must be in typenum's map",
    note = "the sum of the two sizes is computed at `cargo check` for sizes in typenum's map (0..=1024, powers of two or ten)"
)]
pub trait Cat<R: Shape, const AX: usize>: Shape {
    /// The concatenated shape.
    type Out: Shape;
}

/// Dimension `X` joined with `K` more entries, back as a `Dim<..>`.
type Joined<const X: usize, const K: usize> = <<TnDim<X> as TnAdd<TnDim<K>>>::Out as FromTn>::Dim;

// One impl per rank and axis rather than a blanket one over `DimAt`: an axis past the rank
// then finds no impl and is reported once, with the rule's message.
macro_rules! cat_impl {
    ($rank:ident [$($d:ident),+], axis $ax:literal joins $x:ident: [$($r:ident),+]) => {
        #[diagnostic::do_not_recommend]
        impl<$(const $d: usize,)+ const K: usize> Cat<$rank<$($r),+>, $ax> for $rank<$($d),+>
        where
            Dim<$x>: DimTn,
            Dim<K>: DimTn,
            TnDim<$x>: TnAdd<TnDim<K>>,
            <TnDim<$x> as TnAdd<TnDim<K>>>::Out: FromTn,
            $rank<$($d),+>: ReplaceDim<$ax, Joined<$x, K>>,
        {
            type Out = <$rank<$($d),+> as ReplaceDim<$ax, Joined<$x, K>>>::Out;
        }
    };
}
cat_impl!(Rank1 [A], axis 0 joins A: [K]);
cat_impl!(Rank2 [A, B], axis 0 joins A: [K, B]);
cat_impl!(Rank2 [A, B], axis 1 joins B: [A, K]);
cat_impl!(Rank3 [A, B, C], axis 0 joins A: [K, B, C]);
cat_impl!(Rank3 [A, B, C], axis 1 joins B: [A, K, C]);
cat_impl!(Rank3 [A, B, C], axis 2 joins C: [A, B, K]);
cat_impl!(Rank4 [A, B, C, D], axis 0 joins A: [K, B, C, D]);
cat_impl!(Rank4 [A, B, C, D], axis 1 joins B: [A, K, C, D]);
cat_impl!(Rank4 [A, B, C, D], axis 2 joins C: [A, B, K, D]);
cat_impl!(Rank4 [A, B, C, D], axis 3 joins D: [A, B, C, K]);

// Unusable second impls (see `ShapeProbe`): a size outside typenum's map is then reported with
// the rule's own message instead of typenum's `Const<2000>: ToUInt`.
#[diagnostic::do_not_recommend]
impl<const AX: usize, const START: usize, const LEN: usize> Narrow<AX, START, LEN> for ShapeProbe {
    type Out = ShapeProbe;
}
#[diagnostic::do_not_recommend]
impl<const AX: usize, const START: usize> SliceFrom<AX, START> for ShapeProbe {
    type Out = ShapeProbe;
}
#[diagnostic::do_not_recommend]
impl<R: Shape, const AX: usize> Cat<R, AX> for ShapeProbe {
    type Out = ShapeProbe;
}

/// Checks at run time that `len` entries from `start` fit dimension `ax` (the rules check
/// static sizes at compile time; a [`DYN`](crate::DYN) size is only known here).
fn check_range(op: &'static str, dims: Dims, ax: usize, start: usize, len: usize) -> Result<()> {
    let size = dims[ax];
    if start.checked_add(len).is_some_and(|end| end <= size) {
        return Ok(());
    }
    let mut want = dims.as_slice().to_vec();
    want[ax] = start.saturating_add(len);
    Err(Error::IncompatibleShapes {
        op,
        lhs: dims.as_slice().to_vec(),
        rhs: want,
        rule: "the range runs past the end of a run-time dimension (the right shape shows the end it needs)",
    })
}

impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// `x.narrow(AX, START, LEN)`: `LEN` entries of dimension `AX` from `START`, no copy.
    ///
    /// ```
    /// use typetensor::{Rank2, Tensor};
    /// let x = Tensor::<Rank2<5, 3>>::zeros();
    /// let y: Tensor<Rank2<2, 3>> = x.narrow::<0, 1, 2>(); // x[1:3]
    /// # let _ = y;
    /// ```
    pub fn narrow<const AX: usize, const START: usize, const LEN: usize>(
        &self,
    ) -> Tensor<<S as Narrow<AX, START, LEN>>::Out, E, D>
    where
        S: Narrow<AX, START, LEN>,
    {
        expect_device(self.try_narrow::<AX, START, LEN>())
    }

    /// [`narrow`](Self::narrow), with a range past the end of a run-time
    /// ([`DYN`](crate::DYN)) dimension returned as `Err` (a static one is a compile error).
    pub fn try_narrow<const AX: usize, const START: usize, const LEN: usize>(
        &self,
    ) -> Result<Tensor<<S as Narrow<AX, START, LEN>>::Out, E, D>>
    where
        S: Narrow<AX, START, LEN>,
    {
        check_range("narrow", self.dims(), AX, START, LEN)?;
        let layout = self.layout.narrow(AX, START, LEN);
        Ok(backward::record_narrow(
            self.view_as(shape_of(&layout), layout),
            self,
            AX,
            START,
        ))
    }

    /// `x[START:]` along dimension `AX`, no copy. The lesson's `x[1:, 1:]` is
    /// `x.slice_from::<0, 1>().slice_from::<1, 1>()`.
    ///
    /// ```
    /// use typetensor::{Rank2, Tensor};
    /// let x = Tensor::<Rank2<5, 3>>::zeros();
    /// let y: Tensor<Rank2<4, 2>> = x.slice_from::<0, 1>().slice_from::<1, 1>(); // x[1:, 1:]
    /// # let _ = y;
    /// ```
    pub fn slice_from<const AX: usize, const START: usize>(
        &self,
    ) -> Tensor<<S as SliceFrom<AX, START>>::Out, E, D>
    where
        S: SliceFrom<AX, START>,
    {
        expect_device(self.try_slice_from::<AX, START>())
    }

    /// [`slice_from`](Self::slice_from), with a start past the end of a run-time
    /// ([`DYN`](crate::DYN)) dimension returned as `Err` (a static one is a compile error).
    pub fn try_slice_from<const AX: usize, const START: usize>(
        &self,
    ) -> Result<Tensor<<S as SliceFrom<AX, START>>::Out, E, D>>
    where
        S: SliceFrom<AX, START>,
    {
        let dims = self.dims();
        check_range("slice_from", dims, AX, START, 0)?;
        let layout = self.layout.narrow(AX, START, dims[AX] - START);
        Ok(backward::record_narrow(
            self.view_as(shape_of(&layout), layout),
            self,
            AX,
            START,
        ))
    }

    /// `torch.cat([x, y], dim=AX)`.
    ///
    /// ```
    /// use typetensor::{tensor, Rank2, Tensor};
    /// let x = tensor([[1.0f32, 2.0]]);
    /// let y = tensor([[3.0f32, 4.0], [5.0, 6.0]]);
    /// let z: Tensor<Rank2<3, 2>> = x.cat::<0, _>(&y);
    /// assert_eq!(z.to_vec(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    /// ```
    pub fn cat<const AX: usize, R: Shape>(
        &self,
        other: &Tensor<R, E, D>,
    ) -> Tensor<<S as Cat<R, AX>>::Out, E, D>
    where
        S: Cat<R, AX>,
    {
        expect_device(self.try_cat::<AX, R>(other))
    }

    /// [`cat`](Self::cat) with device errors returned.
    pub fn try_cat<const AX: usize, R: Shape>(
        &self,
        other: &Tensor<R, E, D>,
    ) -> Result<Tensor<<S as Cat<R, AX>>::Out, E, D>>
    where
        S: Cat<R, AX>,
    {
        let (da, db) = (self.dims(), other.dims());
        let fits = (0..da.rank()).all(|i| i == AX || da[i] == db[i]);
        if !fits {
            return Err(Error::IncompatibleShapes {
                op: "cat",
                lhs: da.as_slice().to_vec(),
                rhs: db.as_slice().to_vec(),
                rule: "tensors to concatenate must match in every dimension but the joined one",
            });
        }
        let storage = self.device.cat(
            &self.storage,
            &self.layout,
            &other.storage,
            &other.layout,
            AX,
        )?;
        let mut dims = self.dims().as_slice().to_vec();
        dims[AX] += other.dims()[AX];
        let layout = Layout::contiguous(Dims::new(&dims).unwrap_or(self.dims()));
        let out = Tensor::from_storage(storage, shape_of(&layout), self.device.clone());
        Ok(backward::record_cat(out, self, other, AX))
    }

    /// `x.index_select(AX, idx)`: the entries `idx` of dimension `AX`, copied.
    /// The indices are run-time data: one outside `0..size` is an `Err`.
    ///
    /// ```
    /// use typetensor::{tensor, Rank2, Tensor};
    /// let x = tensor([[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    /// let rows: Tensor<Rank2<2, 2>> = x.index_select::<0, 2>(&tensor([2i64, 0])).unwrap();
    /// assert_eq!(rows.to_vec(), vec![5.0, 6.0, 1.0, 2.0]);
    /// assert!(x.index_select::<0, 1>(&tensor([3i64])).is_err());
    /// ```
    pub fn index_select<const AX: usize, const K: usize>(
        &self,
        idx: &Tensor<Rank1<K>, i64, D>,
    ) -> Result<Tensor<<S as ReplaceDim<AX, Dim<K>>>::Out, E, D>>
    where
        S: ReplaceDim<AX, Dim<K>>,
    {
        let storage =
            self.device
                .index_select(&self.storage, &self.layout, AX, &idx.storage, &idx.layout)?;
        let mut dims = self.dims().as_slice().to_vec();
        dims[AX] = idx.dims()[0];
        let layout = Layout::contiguous(Dims::new(&dims).unwrap_or(self.dims()));
        let out = Tensor::from_storage(storage, shape_of(&layout), self.device.clone());
        Ok(backward::record_index_select(out, self, AX, idx.raw()))
    }
}
