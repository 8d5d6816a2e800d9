//! Reductions: `sum`, `mean`, `max`, `min`, `argmax`, `argmin`, over all elements (a
//! `Rank0` result, so `.item()` works) or along one dimension, which the result's type
//! drops ([`RemoveDim`]) or keeps as size 1 (`_keepdim`).
use crate::Result;
use crate::device::{Device, DeviceStorage};
use crate::dtype::{FloatDtype, NumDtype};
use crate::error::Error;
use crate::layout::Layout;
use crate::shape::axis::{RemoveDim, ReplaceDim};
use crate::shape::typenum_bridge::Dim;
use crate::shape::{Dims, Rank0, Shape};
use crate::tensor::{Tensor, expect_device};

use backward::Reduction;

mod backward;
mod cpu;
#[cfg(test)]
mod tests;

/// What a reduction computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceOp {
    /// The sum.
    Sum,
    /// The largest element (NaN if any is NaN).
    Max,
    /// The smallest element (NaN if any is NaN).
    Min,
}

/// Which index an arg-reduction finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgReduceOp {
    /// The index of the first largest element.
    ArgMax,
    /// The index of the first smallest element.
    ArgMin,
}

/// Reduction kernels.
pub trait ReduceKernel: DeviceStorage {
    /// Reduces along `axis` (or over everything for `None`) into new contiguous storage
    /// whose dims are `x`'s without `axis` (or a single element).
    fn reduce<E: NumDtype>(
        &self,
        op: ReduceOp,
        x: &Self::Storage<E>,
        l: &Layout,
        axis: Option<usize>,
    ) -> Result<Self::Storage<E>>;

    /// Like [`reduce`](Self::reduce), but yields each extreme's index along `axis` (or in
    /// row-major order for `None`).
    fn arg_reduce<E: NumDtype>(
        &self,
        op: ArgReduceOp,
        x: &Self::Storage<E>,
        l: &Layout,
        axis: Option<usize>,
    ) -> Result<Self::Storage<i64>>;
}

/// The shape of a reduction along `AX` that drops the dimension.
pub type Reduced<S, const AX: usize> = <S as RemoveDim<AX>>::Out;
/// The shape of a reduction along `AX` that keeps the dimension as size 1.
pub type ReducedKeepdim<S, const AX: usize> = <S as ReplaceDim<AX, Dim<1>>>::Out;

// The reductions as pairs: `$name` panics with the error, `$try_name` returns it. Each line
// is `name / try_name -> element type = helper(args)`, then, for those that also fail on no
// elements, `EMPTY_ALL` or `EMPTY_DIM`, which says so in the twin's doc. `all` reduces to
// `Rank0`, `dim` drops dimension `AX`, `keepdim` keeps it as size 1.
macro_rules! reduce_twins {
    (@note EMPTY_ALL) => { ", and `Err` for a tensor with no elements" };
    (@note EMPTY_DIM) => { ", and `Err` where dimension `AX` has no elements" };
    (all: $(
        $(#[$doc:meta])*
        $name:ident / $try_name:ident -> $elem:ty = $helper:ident($($arg:expr),*) $(, $note:ident)?;
    )*) => {$(
        $(#[$doc])*
        pub fn $name(&self) -> Tensor<Rank0, $elem, D> {
            expect_device(self.$try_name())
        }

        #[doc = twin_doc!($name $(, reduce_twins!(@note $note))?)]
        pub fn $try_name(&self) -> Result<Tensor<Rank0, $elem, D>> {
            self.$helper($($arg),*)
        }
    )*};
    (dim: $(
        $(#[$doc:meta])*
        $name:ident / $try_name:ident -> $elem:ty = $helper:ident($($arg:expr),*) $(, $note:ident)?;
    )*) => {$(
        $(#[$doc])*
        pub fn $name<const AX: usize>(&self) -> Tensor<Reduced<S, AX>, $elem, D>
        where
            S: RemoveDim<AX>,
        {
            expect_device(self.$try_name::<AX>())
        }

        #[doc = twin_doc!($name $(, reduce_twins!(@note $note))?)]
        pub fn $try_name<const AX: usize>(&self) -> Result<Tensor<Reduced<S, AX>, $elem, D>>
        where
            S: RemoveDim<AX>,
        {
            self.$helper($($arg),*)
        }
    )*};
    (keepdim: $(
        $(#[$doc:meta])*
        $name:ident / $try_name:ident -> $elem:ty = $helper:ident($($arg:expr),*) $(, $note:ident)?;
    )*) => {$(
        $(#[$doc])*
        pub fn $name<const AX: usize>(&self) -> Tensor<ReducedKeepdim<S, AX>, $elem, D>
        where
            S: ReplaceDim<AX, Dim<1>>,
        {
            expect_device(self.$try_name::<AX>())
        }

        #[doc = twin_doc!($name $(, reduce_twins!(@note $note))?)]
        pub fn $try_name<const AX: usize>(&self) -> Result<Tensor<ReducedKeepdim<S, AX>, $elem, D>>
        where
            S: ReplaceDim<AX, Dim<1>>,
        {
            self.$helper($($arg),*)
        }
    )*};
}

impl<S: Shape, E: NumDtype, D: Device> Tensor<S, E, D> {
    fn try_reduce_all(&self, op: ReduceOp) -> Result<Tensor<Rank0, E, D>> {
        if op != ReduceOp::Sum && self.numel() == 0 {
            return Err(Error::EmptyReduction);
        }
        let storage = self.device.reduce(op, &self.storage, &self.layout, None)?;
        let out = Tensor::from_storage(storage, Rank0::default(), self.device.clone());
        Ok(backward::record(out, op, Reduction::All, false, self))
    }

    fn try_reduce_dim<S2: Shape>(&self, op: ReduceOp, axis: usize) -> Result<Tensor<S2, E, D>> {
        if op != ReduceOp::Sum && self.dims()[axis] == 0 {
            return Err(Error::EmptyReduction);
        }
        let storage = self
            .device
            .reduce(op, &self.storage, &self.layout, Some(axis))?;
        let out = Tensor::from_storage(
            storage,
            reduced_shape(&self.layout, axis, false)?,
            self.device.clone(),
        );
        Ok(backward::record(out, op, Reduction::Dim(axis), false, self))
    }

    fn try_reduce_dim_keepdim<S2: Shape>(
        &self,
        op: ReduceOp,
        axis: usize,
    ) -> Result<Tensor<S2, E, D>> {
        if op != ReduceOp::Sum && self.dims()[axis] == 0 {
            return Err(Error::EmptyReduction);
        }
        let storage = self
            .device
            .reduce(op, &self.storage, &self.layout, Some(axis))?;
        let out = Tensor::from_storage(
            storage,
            reduced_shape(&self.layout, axis, true)?,
            self.device.clone(),
        );
        Ok(backward::record(
            out,
            op,
            Reduction::KeepDim(axis),
            false,
            self,
        ))
    }

    reduce_twins! { all:
        /// `x.sum()`: the sum of every element, as a one-element tensor.
        ///
        /// ```
        /// use typetensor::tensor;
        /// let x = tensor([[1.0f32, 2.0], [3.0, 4.0]]);
        /// assert_eq!(x.sum().item(), 10.0);
        /// assert_eq!(x.sum_dim::<0>().to_vec(), vec![4.0, 6.0]); // x.sum(0)
        /// ```
        sum / try_sum -> E = try_reduce_all(ReduceOp::Sum);
    }
    reduce_twins! { dim:
        /// `x.sum(dim=AX)`.
        sum_dim / try_sum_dim -> E = try_reduce_dim(ReduceOp::Sum, AX);
    }
    reduce_twins! { keepdim:
        /// `x.sum(dim=AX, keepdim=True)`.
        sum_dim_keepdim / try_sum_dim_keepdim -> E = try_reduce_dim_keepdim(ReduceOp::Sum, AX);
    }

    /// `x.max()`: the largest element. `Err` for a tensor with no elements.
    pub fn try_max(&self) -> Result<Tensor<Rank0, E, D>> {
        self.try_reduce_all(ReduceOp::Max)
    }

    /// `x.max()`. Panics on a tensor with no elements, as PyTorch raises; see
    /// [`try_max`](Self::try_max).
    pub fn max(&self) -> Tensor<Rank0, E, D> {
        expect_device(self.try_max())
    }

    /// `x.min()`: the smallest element. `Err` for a tensor with no elements.
    pub fn try_min(&self) -> Result<Tensor<Rank0, E, D>> {
        self.try_reduce_all(ReduceOp::Min)
    }

    /// `x.min()`. Panics on a tensor with no elements; see [`try_min`](Self::try_min).
    pub fn min(&self) -> Tensor<Rank0, E, D> {
        expect_device(self.try_min())
    }

    reduce_twins! { dim:
        /// `x.amax(dim=AX)` (the values of `x.max(dim=AX)`).
        max_dim / try_max_dim -> E = try_reduce_dim(ReduceOp::Max, AX), EMPTY_DIM;

        /// `x.amin(dim=AX)`.
        min_dim / try_min_dim -> E = try_reduce_dim(ReduceOp::Min, AX), EMPTY_DIM;
    }
    reduce_twins! { keepdim:
        /// `x.amax(dim=AX, keepdim=True)`.
        max_dim_keepdim / try_max_dim_keepdim -> E =
            try_reduce_dim_keepdim(ReduceOp::Max, AX), EMPTY_DIM;
    }
    reduce_twins! { all:
        /// `x.argmax()`: the row-major index of the first largest element.
        argmax / try_argmax -> i64 = try_arg(ArgReduceOp::ArgMax, None), EMPTY_ALL;

        /// `x.argmin()`.
        argmin / try_argmin -> i64 = try_arg(ArgReduceOp::ArgMin, None), EMPTY_ALL;
    }
    reduce_twins! { dim:
        /// `x.argmax(dim=AX)`.
        argmax_dim / try_argmax_dim -> i64 = try_arg(ArgReduceOp::ArgMax, Some(AX)), EMPTY_DIM;

        /// `x.argmin(dim=AX)`.
        argmin_dim / try_argmin_dim -> i64 = try_arg(ArgReduceOp::ArgMin, Some(AX)), EMPTY_DIM;
    }

    fn try_arg<S2: Shape>(
        &self,
        op: ArgReduceOp,
        axis: Option<usize>,
    ) -> Result<Tensor<S2, i64, D>> {
        let empty = match axis {
            Some(a) => self.dims()[a] == 0,
            None => self.numel() == 0,
        };
        if empty {
            return Err(Error::EmptyReduction);
        }
        let storage = self
            .device
            .arg_reduce(op, &self.storage, &self.layout, axis)?;
        let shape = match axis {
            Some(a) => reduced_shape(&self.layout, a, false)?,
            None => S2::from_dims(&Dims::from_array([])).ok_or(Error::EmptyReduction)?,
        };
        Ok(Tensor::from_storage(storage, shape, self.device.clone()))
    }
}

impl<S: Shape, E: FloatDtype, D: Device> Tensor<S, E, D> {
    /// `x.mean()`: the average of every element (NaN for no elements, as PyTorch).
    pub fn mean(&self) -> Tensor<Rank0, E, D> {
        expect_device(self.try_mean())
    }

    /// [`mean`](Self::mean) with device errors returned.
    pub fn try_mean(&self) -> Result<Tensor<Rank0, E, D>> {
        let n = E::from_f64(self.numel() as f64);
        let out = crate::autograd::no_grad(|| self.try_sum()?.try_div_scalar(n))?;
        Ok(backward::record(
            out,
            ReduceOp::Sum,
            Reduction::All,
            true,
            self,
        ))
    }

    /// `x.mean(dim=AX)`.
    pub fn mean_dim<const AX: usize>(&self) -> Tensor<Reduced<S, AX>, E, D>
    where
        S: RemoveDim<AX>,
    {
        expect_device(self.try_mean_dim::<AX>())
    }

    /// [`mean_dim`](Self::mean_dim) with device errors returned.
    pub fn try_mean_dim<const AX: usize>(&self) -> Result<Tensor<Reduced<S, AX>, E, D>>
    where
        S: RemoveDim<AX>,
    {
        let n = E::from_f64(self.dims()[AX] as f64);
        let out = crate::autograd::no_grad(|| self.try_sum_dim::<AX>()?.try_div_scalar(n))?;
        Ok(backward::record(
            out,
            ReduceOp::Sum,
            Reduction::Dim(AX),
            true,
            self,
        ))
    }

    /// `x.mean(dim=AX, keepdim=True)`.
    pub fn mean_dim_keepdim<const AX: usize>(&self) -> Tensor<ReducedKeepdim<S, AX>, E, D>
    where
        S: ReplaceDim<AX, Dim<1>>,
    {
        expect_device(self.try_mean_dim_keepdim::<AX>())
    }

    /// [`mean_dim_keepdim`](Self::mean_dim_keepdim) with device errors returned.
    pub fn try_mean_dim_keepdim<const AX: usize>(
        &self,
    ) -> Result<Tensor<ReducedKeepdim<S, AX>, E, D>>
    where
        S: ReplaceDim<AX, Dim<1>>,
    {
        let n = E::from_f64(self.dims()[AX] as f64);
        let out = crate::autograd::no_grad(|| self.try_sum_dim_keepdim::<AX>()?.try_div_scalar(n))?;
        Ok(backward::record(
            out,
            ReduceOp::Sum,
            Reduction::KeepDim(AX),
            true,
            self,
        ))
    }
}

/// The result shape of reducing `axis` of `layout`.
fn reduced_shape<S2: Shape>(layout: &Layout, axis: usize, keepdim: bool) -> Result<S2> {
    let mut d: Vec<usize> = layout.dims().as_slice().to_vec();
    if keepdim {
        d[axis] = 1;
    } else {
        d.remove(axis);
    }
    Dims::new(&d)
        .and_then(|dims| S2::from_dims(&dims))
        .ok_or_else(|| Error::Device(format!("reduction produced an unexpected shape {d:?}")))
}
