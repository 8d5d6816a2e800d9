//! Elementwise arithmetic between tensors (`+ - * /`, `maximum`, `minimum`) with
//! PyTorch broadcasting where the types allow it, and the in-place and `out=` forms.
//!
//! The shape rule is [`Broadcast`]: equal shapes, or one shape equal to the trailing
//! dimensions of the other (a `Rank1<N>` bias onto `Rank2<M, N>`, a `Rank0` scalar onto
//! anything). Size-1 dimensions broadcast only through an explicit
//! [`expand_dim`](crate::Tensor::expand_dim), so that a typo'd shape never broadcasts silently.
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Sub, SubAssign};

use crate::Result;
use crate::device::{Device, DeviceStorage};
use crate::dtype::{FloatDtype, NumDtype};
use crate::layout::Layout;
use crate::ops::transpose::shape_of;
use crate::shape::{Rank0, Rank1, Rank2, Rank3, Rank4, Shape, broadcast_dims, check_onto};
use crate::tensor::{Tensor, expect_device};

mod backward;
pub(crate) mod cpu;
#[cfg(test)]
mod tests;

/// An elementwise operation of two operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b` (floats only)
    Div,
    /// `torch.maximum(a, b)` (NaN if either is NaN)
    Maximum,
    /// `torch.minimum(a, b)` (NaN if either is NaN)
    Minimum,
}

impl BinaryOp {
    /// PyTorch's name for the op (`add`), as errors quote it.
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
        }
    }
}

/// Kernels for [`BinaryOp`]s.
pub trait BinaryKernel: DeviceStorage {
    /// `op(a, b)` elementwise into new contiguous storage. `la` and `lb` have equal dims
    /// (broadcasting is already expressed as zero strides in `lb` or `la`).
    fn binary<E: NumDtype>(
        &self,
        op: BinaryOp,
        a: &Self::Storage<E>,
        la: &Layout,
        b: &Self::Storage<E>,
        lb: &Layout,
    ) -> Result<Self::Storage<E>>;

    /// `a = op(a, b)` in place over the elements `la` selects, which must be contiguous
    /// (`la` and `lb` have equal dims; `lb` may broadcast with zero strides); with
    /// `b_scale = Some(s)`, `a = op(a, b * s)`, the product rounded before `op` as when it
    /// is a tensor of its own (`w -= lr * g` in one pass). The in-place forms (`add_`,
    /// `-=`) call it when the left operand's storage is theirs alone.
    ///
    /// Returns whether it wrote `a`: a device without in-place kernels keeps this default,
    /// `Ok(false)`, and the op then computes its result out of place.
    #[allow(clippy::too_many_arguments)]
    fn binary_assign<E: NumDtype>(
        &self,
        op: BinaryOp,
        a: &mut Self::Storage<E>,
        la: &Layout,
        b: &Self::Storage<E>,
        lb: &Layout,
        b_scale: Option<E>,
    ) -> Result<bool> {
        let _ = (op, a, la, b, lb, b_scale);
        Ok(false)
    }
}

/// Shapes that combine elementwise, and the shape of the result.
#[diagnostic::on_unimplemented(
    message = "shapes `{Self}` and `{Rhs}` cannot be combined elementwise",
    label = "the shapes are neither equal nor broadcastable",
    note = "elementwise ops need equal shapes, or one shape equal to the trailing dimensions of the other (a `Rank1<N>` bias onto `Rank2<M, N>`, a `Rank0` scalar onto anything)",
    note = "to repeat a size-1 dimension, call `.expand_dim::<AXIS, SIZE>()` first",
    note = "`usize::MAX` is `DYN`, a size known only at run time; it never meets a static size implicitly: convert with `.to_dyn::<AXIS>()` (free) or `.try_into_shape::<RankN<..>>()` (checked)"
)]
pub trait Broadcast<Rhs: Shape>: Shape {
    /// The shape of the result.
    type Output: Shape;
}

impl<S: Shape> Broadcast<S> for S {
    type Output = S;
}

// Lower rank onto higher rank, matched from the right: both operand orders.
macro_rules! suffix_broadcast {
    ([$($hi:ident),*] $high:ty, [$($lo:ident),*] $low:ty) => {
        #[diagnostic::do_not_recommend]
        impl<$(const $hi: usize),*> Broadcast<$low> for $high {
            type Output = $high;
        }
        #[diagnostic::do_not_recommend]
        impl<$(const $hi: usize),*> Broadcast<$high> for $low {
            type Output = $high;
        }
    };
}
suffix_broadcast!([A] Rank1<A>, [] Rank0);
suffix_broadcast!([A, B] Rank2<A, B>, [] Rank0);
suffix_broadcast!([A, B, C] Rank3<A, B, C>, [] Rank0);
suffix_broadcast!([A, B, C, D] Rank4<A, B, C, D>, [] Rank0);
suffix_broadcast!([A, B] Rank2<A, B>, [B] Rank1<B>);
suffix_broadcast!([A, B, C] Rank3<A, B, C>, [C] Rank1<C>);
suffix_broadcast!([A, B, C, D] Rank4<A, B, C, D>, [D] Rank1<D>);
suffix_broadcast!([A, B, C] Rank3<A, B, C>, [B, C] Rank2<B, C>);
suffix_broadcast!([A, B, C, D] Rank4<A, B, C, D>, [C, D] Rank2<C, D>);
suffix_broadcast!([A, B, C, D] Rank4<A, B, C, D>, [B, C, D] Rank3<B, C, D>);

/// Shapes `Rhs` that broadcast onto `Self` without changing it: the rule of the in-place
/// forms (`add_`, `+=`, `copy_`, `masked_fill_`), whose result keeps the left shape.
#[diagnostic::on_unimplemented(
    message = "a `{Rhs}` operand cannot be broadcast onto a `{Self}` tensor in place",
    label = "the in-place result keeps the shape `{Self}`, so the right side must broadcast onto it",
    note = "in-place ops accept an equal shape or one equal to the trailing dimensions of the left (a `Rank1<N>` onto `Rank2<M, N>`), never a larger one",
    note = "`usize::MAX` is `DYN`, a size known only at run time; it never meets a static size implicitly: convert with `.to_dyn::<AXIS>()` (free) or `.try_into_shape::<RankN<..>>()` (checked)"
)]
pub trait BroadcastInto<Rhs: Shape>: Shape {}

#[diagnostic::do_not_recommend]
impl<S: Shape + Broadcast<R, Output = S>, R: Shape> BroadcastInto<R> for S {}

// An unusable second impl (see `ShapeProbe`), so failures use the message above.
#[diagnostic::do_not_recommend]
impl BroadcastInto<crate::shape::ShapeProbe2> for crate::shape::ShapeProbe {}

/// The shape of `a op b` for tensor shapes `A` and `B`: `Tensor<BroadcastOf<A, B>>`.
pub type BroadcastOf<A, B> = <A as Broadcast<B>>::Output;

// The `try_` twins of the arithmetic methods below, which call them through
// `expect_device`. Only the twins come from a macro; the plain forms are written out, so
// that a shape error in a call of one quotes its own bound, not a macro's expansion.
macro_rules! try_twins {
    (binary: $($name:ident / $try_name:ident = $op:ident;)*) => {$(
        #[doc = twin_doc!($name)]
        pub fn $try_name<S2: Shape>(
            &self,
            rhs: &Tensor<S2, E, D>,
        ) -> Result<Tensor<BroadcastOf<S, S2>, E, D>>
        where
            S: Broadcast<S2>,
        {
            self.try_binary(BinaryOp::$op, rhs)
        }
    )*};
    (in_place: $($name:ident / $try_name:ident = $op:ident;)*) => {$(
        #[doc = twin_doc!($name)]
        pub fn $try_name<S2: Shape>(&mut self, rhs: &Tensor<S2, E, D>) -> Result<&mut Self>
        where
            S: BroadcastInto<S2>,
        {
            self.try_binary_assign(BinaryOp::$op, rhs)?;
            Ok(self)
        }
    )*};
    (out: $($name:ident / $try_name:ident = $op:ident;)*) => {$(
        #[doc = twin_doc!($name, " (`out` is left as it was)")]
        pub fn $try_name<S2: Shape>(
            &self,
            rhs: &Tensor<S2, E, D>,
            out: &mut Tensor<BroadcastOf<S, S2>, E, D>,
        ) -> Result<()>
        where
            S: Broadcast<S2>,
        {
            *out = self.try_binary(BinaryOp::$op, rhs)?;
            Ok(())
        }
    )*};
}

impl<S: Shape, E: NumDtype, D: Device> Tensor<S, E, D> {
    pub(crate) fn try_binary<S2: Shape>(
        &self,
        op: BinaryOp,
        rhs: &Tensor<S2, E, D>,
    ) -> Result<Tensor<BroadcastOf<S, S2>, E, D>>
    where
        S: Broadcast<S2>,
    {
        let dims = broadcast_dims(op.name(), self.dims(), rhs.dims())?;
        let shape = shape_of(&Layout::contiguous(dims));
        let la = self.layout.broadcast_to(dims);
        let lb = rhs.layout.broadcast_to(dims);
        let storage = self
            .device
            .binary(op, &self.storage, &la, &rhs.storage, &lb)?;
        let out = Tensor::from_storage(storage, shape, self.device.clone());
        Ok(backward::record(out, op, self, rhs))
    }

    /// Replaces `self` with `op(self, rhs)`, for the in-place forms (`add_`, `+=`).
    pub(crate) fn try_binary_assign<S2: Shape>(
        &mut self,
        op: BinaryOp,
        rhs: &Tensor<S2, E, D>,
    ) -> Result<()>
    where
        S: BroadcastInto<S2>,
    {
        check_onto(op.name(), self.dims(), rhs.dims())?;
        let lb = rhs.layout.broadcast_to(self.dims());
        if let Some(done) = self.write_in_place(&[rhs.node()], |device, storage, la| {
            device.binary_assign(op, storage, la, &rhs.storage, &lb, None)
        }) {
            return done;
        }
        let storage = self
            .device
            .binary(op, &self.storage, &self.layout, &rhs.storage, &lb)?;
        let new = backward::record(self.with_storage(storage), op, self, rhs);
        self.assign(new);
        Ok(())
    }

    /// `torch.add(x, y)`, with device errors returned.
    pub fn try_add<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E, D>,
    ) -> Result<Tensor<BroadcastOf<S, S2>, E, D>>
    where
        S: Broadcast<S2>,
    {
        self.try_binary(BinaryOp::Add, rhs)
    }

    /// `torch.add(x, y)` / `x.add(y)`: the same as `&x + &y`.
    ///
    /// ```
    /// use typetensor::tensor;
    /// let x = tensor([[1.0f32, 2.0], [3.0, 4.0]]);
    /// let bias = tensor([10.0f32, 20.0]);
    /// assert_eq!(x.add(&bias).to_vec(), vec![11.0, 22.0, 13.0, 24.0]);
    /// ```
    pub fn add<S2: Shape>(&self, rhs: &Tensor<S2, E, D>) -> Tensor<BroadcastOf<S, S2>, E, D>
    where
        S: Broadcast<S2>,
    {
        expect_device(self.try_add(rhs))
    }

    /// `torch.sub(x, y)` / `x.sub(y)`.
    pub fn sub<S2: Shape>(&self, rhs: &Tensor<S2, E, D>) -> Tensor<BroadcastOf<S, S2>, E, D>
    where
        S: Broadcast<S2>,
    {
        expect_device(self.try_sub(rhs))
    }

    /// `torch.mul(x, y)` / `x.mul(y)`: elementwise product.
    pub fn mul<S2: Shape>(&self, rhs: &Tensor<S2, E, D>) -> Tensor<BroadcastOf<S, S2>, E, D>
    where
        S: Broadcast<S2>,
    {
        expect_device(self.try_mul(rhs))
    }

    /// `torch.maximum(x, y)`: the larger of each pair (NaN wins, as in PyTorch).
    pub fn maximum<S2: Shape>(&self, rhs: &Tensor<S2, E, D>) -> Tensor<BroadcastOf<S, S2>, E, D>
    where
        S: Broadcast<S2>,
    {
        expect_device(self.try_maximum(rhs))
    }

    /// `torch.minimum(x, y)`.
    pub fn minimum<S2: Shape>(&self, rhs: &Tensor<S2, E, D>) -> Tensor<BroadcastOf<S, S2>, E, D>
    where
        S: Broadcast<S2>,
    {
        expect_device(self.try_minimum(rhs))
    }

    /// `x.add_(y)`: adds in place (`y` may broadcast onto `x`, not the other way round).
    ///
    /// ```
    /// use typetensor::{Rank2, Tensor};
    /// let x = Tensor::<Rank2<5, 3>>::ones();
    /// let mut y = Tensor::<Rank2<5, 3>>::ones();
    /// y.add_(&x); // y.add_(x)
    /// assert_eq!(y.to_vec(), vec![2.0; 15]);
    /// ```
    pub fn add_<S2: Shape>(&mut self, rhs: &Tensor<S2, E, D>) -> &mut Self
    where
        S: BroadcastInto<S2>,
    {
        expect_device(self.try_add_(rhs))
    }

    /// `x.sub_(y)`.
    pub fn sub_<S2: Shape>(&mut self, rhs: &Tensor<S2, E, D>) -> &mut Self
    where
        S: BroadcastInto<S2>,
    {
        expect_device(self.try_sub_(rhs))
    }

    /// `x.mul_(y)`.
    pub fn mul_<S2: Shape>(&mut self, rhs: &Tensor<S2, E, D>) -> &mut Self
    where
        S: BroadcastInto<S2>,
    {
        expect_device(self.try_mul_(rhs))
    }

    /// `torch.add(x, y, out=result)`: writes `x + y` into `out`, whose type must be the
    /// result's shape.
    ///
    /// ```
    /// use typetensor::{Rank2, Tensor};
    /// let (x, y) = (Tensor::<Rank2<5, 3>>::ones(), Tensor::<Rank2<5, 3>>::ones());
    /// let mut result = Tensor::<Rank2<5, 3>>::empty();
    /// x.add_out(&y, &mut result); // torch.add(x, y, out=result)
    /// assert_eq!(result.to_vec(), vec![2.0; 15]);
    /// ```
    pub fn add_out<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E, D>,
        out: &mut Tensor<BroadcastOf<S, S2>, E, D>,
    ) where
        S: Broadcast<S2>,
    {
        expect_device(self.try_add_out(rhs, out))
    }

    /// `torch.sub(x, y, out=result)`.
    pub fn sub_out<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E, D>,
        out: &mut Tensor<BroadcastOf<S, S2>, E, D>,
    ) where
        S: Broadcast<S2>,
    {
        expect_device(self.try_sub_out(rhs, out))
    }

    /// `torch.mul(x, y, out=result)`.
    pub fn mul_out<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E, D>,
        out: &mut Tensor<BroadcastOf<S, S2>, E, D>,
    ) where
        S: Broadcast<S2>,
    {
        expect_device(self.try_mul_out(rhs, out))
    }

    try_twins! { binary:
        sub / try_sub = Sub;
        mul / try_mul = Mul;
        maximum / try_maximum = Maximum;
        minimum / try_minimum = Minimum;
    }
    try_twins! { in_place:
        add_ / try_add_ = Add;
        sub_ / try_sub_ = Sub;
        mul_ / try_mul_ = Mul;
    }
    try_twins! { out:
        add_out / try_add_out = Add;
        sub_out / try_sub_out = Sub;
        mul_out / try_mul_out = Mul;
    }
}

impl<S: Shape, E: FloatDtype, D: Device> Tensor<S, E, D> {
    /// `torch.div(x, y)` / `x.div(y)`. Floats only: PyTorch's integer `/` promotes to float,
    /// which a typed tensor makes explicit with `.to_dtype::<f32>()` first.
    pub fn div<S2: Shape>(&self, rhs: &Tensor<S2, E, D>) -> Tensor<BroadcastOf<S, S2>, E, D>
    where
        S: Broadcast<S2>,
    {
        expect_device(self.try_div(rhs))
    }

    /// `x.div_(y)`.
    pub fn div_<S2: Shape>(&mut self, rhs: &Tensor<S2, E, D>) -> &mut Self
    where
        S: BroadcastInto<S2>,
    {
        expect_device(self.try_div_(rhs))
    }

    /// `torch.div(x, y, out=result)`.
    pub fn div_out<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E, D>,
        out: &mut Tensor<BroadcastOf<S, S2>, E, D>,
    ) where
        S: Broadcast<S2>,
    {
        expect_device(self.try_div_out(rhs, out))
    }

    try_twins! { binary: div / try_div = Div; }
    try_twins! { in_place: div_ / try_div_ = Div; }
    try_twins! { out: div_out / try_div_out = Div; }
}

// Operators: every owned/borrowed combination forwards to the method on references.
macro_rules! tensor_operator {
    ($trait:ident, $method:ident, $assign_trait:ident, $assign:ident, $op:ident, $bound:ident) => {
        impl<S: Shape + Broadcast<S2>, S2: Shape, E: $bound, D: Device> $trait<&Tensor<S2, E, D>>
            for &Tensor<S, E, D>
        {
            type Output = Tensor<BroadcastOf<S, S2>, E, D>;
            fn $method(self, rhs: &Tensor<S2, E, D>) -> Self::Output {
                expect_device(self.try_binary(BinaryOp::$op, rhs))
            }
        }
        impl<S: Shape + Broadcast<S2>, S2: Shape, E: $bound, D: Device> $trait<Tensor<S2, E, D>>
            for &Tensor<S, E, D>
        {
            type Output = Tensor<BroadcastOf<S, S2>, E, D>;
            fn $method(self, rhs: Tensor<S2, E, D>) -> Self::Output {
                expect_device(self.try_binary(BinaryOp::$op, &rhs))
            }
        }
        impl<S: Shape + Broadcast<S2>, S2: Shape, E: $bound, D: Device> $trait<&Tensor<S2, E, D>>
            for Tensor<S, E, D>
        {
            type Output = Tensor<BroadcastOf<S, S2>, E, D>;
            fn $method(self, rhs: &Tensor<S2, E, D>) -> Self::Output {
                expect_device(self.try_binary(BinaryOp::$op, rhs))
            }
        }
        impl<S: Shape + Broadcast<S2>, S2: Shape, E: $bound, D: Device> $trait<Tensor<S2, E, D>>
            for Tensor<S, E, D>
        {
            type Output = Tensor<BroadcastOf<S, S2>, E, D>;
            fn $method(self, rhs: Tensor<S2, E, D>) -> Self::Output {
                expect_device(self.try_binary(BinaryOp::$op, &rhs))
            }
        }
        impl<S: Shape + BroadcastInto<S2>, S2: Shape, E: $bound, D: Device>
            $assign_trait<&Tensor<S2, E, D>> for Tensor<S, E, D>
        {
            fn $assign(&mut self, rhs: &Tensor<S2, E, D>) {
                expect_device(self.try_binary_assign(BinaryOp::$op, rhs));
            }
        }
        impl<S: Shape + BroadcastInto<S2>, S2: Shape, E: $bound, D: Device>
            $assign_trait<Tensor<S2, E, D>> for Tensor<S, E, D>
        {
            fn $assign(&mut self, rhs: Tensor<S2, E, D>) {
                expect_device(self.try_binary_assign(BinaryOp::$op, &rhs));
            }
        }
    };
}
tensor_operator!(Add, add, AddAssign, add_assign, Add, NumDtype);
tensor_operator!(Sub, sub, SubAssign, sub_assign, Sub, NumDtype);
tensor_operator!(Mul, mul, MulAssign, mul_assign, Mul, NumDtype);
tensor_operator!(Div, div, DivAssign, div_assign, Div, FloatDtype);
