//! Comparisons giving bool tensors (`h.lt_scalar(0.0)` is `h < 0`), and selection by a
//! mask: `masked_fill` (the lesson's `grad_h[h < 0] = 0`) and `where_`.
//! Operand shapes follow the same [`Broadcast`] rule as arithmetic.
use crate::Result;
use crate::device::{Device, DeviceStorage};
use crate::dtype::Dtype;
use crate::layout::Layout;
use crate::ops::arith::{Broadcast, BroadcastInto, BroadcastOf};
use crate::shape::{Shape, broadcast_dims, check_onto};
use crate::tensor::{Tensor, expect_device};

mod backward;
mod cpu;
#[cfg(test)]
mod tests;

/// A comparison of two elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `a == b`
    Eq,
    /// `a != b`
    Ne,
    /// `a < b`
    Lt,
    /// `a <= b`
    Le,
    /// `a > b`
    Gt,
    /// `a >= b`
    Ge,
}

impl CmpOp {
    /// PyTorch's name for the op (`lt`), as errors quote it.
    pub fn name(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Ne => "ne",
            CmpOp::Lt => "lt",
            CmpOp::Le => "le",
            CmpOp::Gt => "gt",
            CmpOp::Ge => "ge",
        }
    }
}

/// Kernels for comparisons and mask selection.
pub trait CompareKernel: DeviceStorage {
    /// `op(a, b)` elementwise; `la` and `lb` have equal dims.
    fn compare<E: Dtype>(
        &self,
        op: CmpOp,
        a: &Self::Storage<E>,
        la: &Layout,
        b: &Self::Storage<E>,
        lb: &Layout,
    ) -> Result<Self::Storage<bool>>;

    /// `cond ? a : b` elementwise; all three layouts have equal dims.
    #[allow(clippy::too_many_arguments)]
    fn select<E: Dtype>(
        &self,
        cond: &Self::Storage<bool>,
        lc: &Layout,
        a: &Self::Storage<E>,
        la: &Layout,
        b: &Self::Storage<E>,
        lb: &Layout,
    ) -> Result<Self::Storage<E>>;
}

// Each comparison as two pairs (against a tensor, against a scalar): the plain method
// panics with a device error, its `try_` twin returns it.
macro_rules! comparisons {
    ($(
        $name:ident / $try_name:ident, $scalar:ident / $try_scalar:ident, $op:ident, $torch:literal;
    )*) => {
        impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
            $(
                #[doc = concat!("`", $torch, "` against a tensor: a bool tensor of the broadcast shape.")]
                pub fn $name<S2: Shape>(&self, rhs: &Tensor<S2, E, D>) -> Tensor<BroadcastOf<S, S2>, bool, D>
                where
                    S: Broadcast<S2>,
                {
                    expect_device(self.$try_name(rhs))
                }

                #[doc = twin_doc!($name)]
                pub fn $try_name<S2: Shape>(
                    &self,
                    rhs: &Tensor<S2, E, D>,
                ) -> Result<Tensor<BroadcastOf<S, S2>, bool, D>>
                where
                    S: Broadcast<S2>,
                {
                    self.try_compare(CmpOp::$op, rhs)
                }

                #[doc = concat!("`", $torch, "` against a scalar.")]
                pub fn $scalar(&self, rhs: E) -> Tensor<S, bool, D> {
                    expect_device(self.$try_scalar(rhs))
                }

                #[doc = twin_doc!($scalar)]
                pub fn $try_scalar(&self, rhs: E) -> Result<Tensor<S, bool, D>> {
                    self.try_compare_scalar(CmpOp::$op, rhs)
                }
            )*
        }
    };
}
comparisons! {
    eq / try_eq, eq_scalar / try_eq_scalar, Eq, "x == y";
    ne / try_ne, ne_scalar / try_ne_scalar, Ne, "x != y";
    lt / try_lt, lt_scalar / try_lt_scalar, Lt, "x < y";
    le / try_le, le_scalar / try_le_scalar, Le, "x <= y";
    gt / try_gt, gt_scalar / try_gt_scalar, Gt, "x > y";
    ge / try_ge, ge_scalar / try_ge_scalar, Ge, "x >= y";
}

impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// Compares with another tensor, with device errors returned.
    pub fn try_compare<S2: Shape>(
        &self,
        op: CmpOp,
        rhs: &Tensor<S2, E, D>,
    ) -> Result<Tensor<BroadcastOf<S, S2>, bool, D>>
    where
        S: Broadcast<S2>,
    {
        let dims = broadcast_dims(op.name(), self.dims(), rhs.dims())?;
        let shape = crate::ops::transpose::shape_of(&Layout::contiguous(dims));
        let storage = self.device.compare(
            op,
            &self.storage,
            &self.layout.broadcast_to(dims),
            &rhs.storage,
            &rhs.layout.broadcast_to(dims),
        )?;
        Ok(Tensor::from_storage(storage, shape, self.device.clone()))
    }

    /// Compares with a scalar, with device errors returned.
    pub fn try_compare_scalar(&self, op: CmpOp, rhs: E) -> Result<Tensor<S, bool, D>> {
        let (scalar, ls) = self.scalar_operand(rhs)?;
        let storage = self
            .device
            .compare(op, &self.storage, &self.layout, &scalar, &ls)?;
        Ok(self.with_storage(storage))
    }

    /// A one-element buffer seen (with zero strides) as this tensor's shape.
    fn scalar_operand(&self, value: E) -> Result<(D::Storage<E>, Layout)> {
        let storage = self.device.alloc_filled(1, value)?;
        let layout =
            Layout::contiguous(crate::shape::Dims::from_array([])).broadcast_to(self.dims());
        Ok((storage, layout))
    }

    /// `x.masked_fill(mask, value)`: `value` where `mask` is true. `mask` may broadcast.
    ///
    /// ```
    /// use typetensor::tensor;
    /// let h = tensor([-1.0f32, 2.0, -3.0]);
    /// let grad = tensor([5.0f32, 5.0, 5.0]);
    /// // grad_h[h < 0] = 0
    /// let grad_h = grad.masked_fill(&h.lt_scalar(0.0), 0.0);
    /// assert_eq!(grad_h.to_vec(), vec![0.0, 5.0, 0.0]);
    /// ```
    pub fn masked_fill<S2: Shape>(&self, mask: &Tensor<S2, bool, D>, value: E) -> Self
    where
        S: BroadcastInto<S2>,
    {
        expect_device(self.try_masked_fill(mask, value))
    }

    /// [`masked_fill`](Self::masked_fill) with device errors returned.
    pub fn try_masked_fill<S2: Shape>(&self, mask: &Tensor<S2, bool, D>, value: E) -> Result<Self>
    where
        S: BroadcastInto<S2>,
    {
        let dims = self.dims();
        check_onto("masked_fill", dims, mask.dims())?;
        let (fill, lf) = self.scalar_operand(value)?;
        let storage = self.device.select(
            &mask.storage,
            &mask.layout.broadcast_to(dims),
            &fill,
            &lf,
            &self.storage,
            &self.layout,
        )?;
        Ok(backward::record_masked_fill(
            self.with_storage(storage),
            self,
            mask.raw(),
        ))
    }

    /// `x.masked_fill_(mask, value)`: in place.
    pub fn masked_fill_<S2: Shape>(&mut self, mask: &Tensor<S2, bool, D>, value: E) -> &mut Self
    where
        S: BroadcastInto<S2>,
    {
        expect_device(self.try_masked_fill_(mask, value))
    }

    /// [`masked_fill_`](Self::masked_fill_) with device errors returned.
    pub fn try_masked_fill_<S2: Shape>(
        &mut self,
        mask: &Tensor<S2, bool, D>,
        value: E,
    ) -> Result<&mut Self>
    where
        S: BroadcastInto<S2>,
    {
        let new = self.try_masked_fill(mask, value)?;
        self.assign(new);
        Ok(self)
    }

    /// `torch.where(cond, self, other)`: elements of `self` where `cond` holds, else of
    /// `other`. `cond` and `other` may broadcast onto `self`'s shape.
    pub fn where_<S2: Shape, S3: Shape>(
        &self,
        cond: &Tensor<S2, bool, D>,
        other: &Tensor<S3, E, D>,
    ) -> Self
    where
        S: BroadcastInto<S2> + BroadcastInto<S3>,
    {
        expect_device(self.try_where_(cond, other))
    }

    /// [`where_`](Self::where_) with device errors returned.
    pub fn try_where_<S2: Shape, S3: Shape>(
        &self,
        cond: &Tensor<S2, bool, D>,
        other: &Tensor<S3, E, D>,
    ) -> Result<Self>
    where
        S: BroadcastInto<S2> + BroadcastInto<S3>,
    {
        let dims = self.dims();
        check_onto("where", dims, cond.dims())?;
        check_onto("where", dims, other.dims())?;
        let storage = self.device.select(
            &cond.storage,
            &cond.layout.broadcast_to(dims),
            &self.storage,
            &self.layout,
            &other.storage,
            &other.layout.broadcast_to(dims),
        )?;
        Ok(backward::record_where(
            self.with_storage(storage),
            self,
            cond.raw(),
            other,
        ))
    }
}
