//! Copies and conversions: `contiguous`, `copy_`, element-type casts (`long()`,
//! `double()`, `to_dtype`), and `item()`, allowed by its type only on one-element tensors.
use crate::Result;
use crate::device::{Device, DeviceStorage};
use crate::dtype::{CastTo, Dtype};
use crate::layout::Layout;
use crate::ops::arith::BroadcastInto;
use crate::shape::{Rank0, Rank1, Rank2, Rank3, Rank4, Shape};
use crate::tensor::{Tensor, expect_device};

mod cpu;
#[cfg(test)]
mod tests;

/// Kernels that copy and convert.
pub trait CopyKernel: DeviceStorage {
    /// The elements `l` selects as new contiguous storage.
    fn contiguous<E: Dtype>(&self, x: &Self::Storage<E>, l: &Layout) -> Result<Self::Storage<E>>;
    /// The elements `l` selects, converted to `F`, as new contiguous storage.
    fn cast<E: CastTo<F>, F: Dtype>(
        &self,
        x: &Self::Storage<E>,
        l: &Layout,
    ) -> Result<Self::Storage<F>>;
}

/// Shapes with exactly one element: what `item()` and `backward()` accept.
#[diagnostic::on_unimplemented(
    message = "`item()` and `backward()` need a one-element tensor, but this tensor has shape `{Self}`",
    label = "not a one-element shape",
    note = "reduce first (`x.sum()`, `loss_fn.forward(..)`), or index down to one element"
)]
pub trait OneElement: Shape {}
impl OneElement for Rank0 {}
impl OneElement for Rank1<1> {}
impl OneElement for Rank2<1, 1> {}
impl OneElement for Rank3<1, 1, 1> {}
impl OneElement for Rank4<1, 1, 1, 1> {}

// The named casts as pairs: `$name` panics with a device error, `$try_name` returns it.
macro_rules! casts {
    ($($(#[$doc:meta])* $name:ident / $try_name:ident -> $to:ty;)*) => {$(
        $(#[$doc])*
        pub fn $name(&self) -> Tensor<S, $to, D>
        where
            E: CastTo<$to>,
            $to: CastTo<E>,
        {
            expect_device(self.$try_name())
        }

        #[doc = twin_doc!($name)]
        pub fn $try_name(&self) -> Result<Tensor<S, $to, D>>
        where
            E: CastTo<$to>,
            $to: CastTo<E>,
        {
            self.try_to_dtype()
        }
    )*};
}

impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// `x.contiguous()`: the same values stored densely in row-major order.
    pub fn contiguous(&self) -> Self {
        expect_device(self.try_contiguous())
    }

    /// [`contiguous`](Self::contiguous) with device errors returned.
    pub fn try_contiguous(&self) -> Result<Self> {
        if self.is_contiguous() && self.layout.offset() == 0 {
            return Ok(self.clone());
        }
        let out = self.with_storage(self.device.contiguous(&self.storage, &self.layout)?);
        Ok(out.record1("CloneBackward0", self, |g| Ok(g.clone())))
    }

    /// `x.copy_(src)`: overwrites every element with `src`'s (which may broadcast).
    ///
    /// ```
    /// use typetensor::{tensor, Rank2, Tensor};
    /// let mut x = Tensor::<Rank2<2, 2>>::zeros();
    /// x.copy_(&tensor([1.0f32, 2.0]));
    /// assert_eq!(x.to_vec(), vec![1.0, 2.0, 1.0, 2.0]);
    /// ```
    pub fn copy_<S2: Shape>(&mut self, src: &Tensor<S2, E, D>) -> &mut Self
    where
        S: BroadcastInto<S2>,
    {
        expect_device(self.try_copy_(src))
    }

    /// [`copy_`](Self::copy_) with device errors returned.
    pub fn try_copy_<S2: Shape>(&mut self, src: &Tensor<S2, E, D>) -> Result<&mut Self>
    where
        S: BroadcastInto<S2>,
    {
        crate::shape::check_onto("copy_", self.dims(), src.dims())?;
        let layout = src.layout.broadcast_to(self.dims());
        let new = self.with_storage(self.device.contiguous(&src.storage, &layout)?);
        let src_dims = src.dims();
        let new = new.record1("CopyBackwards", src, move |g| E::grad_sum_to(g, src_dims));
        self.assign(new);
        Ok(self)
    }

    /// [`to_dtype`](Self::to_dtype) with device errors returned.
    pub fn try_to_dtype<F>(&self) -> Result<Tensor<S, F, D>>
    where
        E: CastTo<F>,
        F: Dtype + CastTo<E>,
    {
        let out = self.with_storage(self.device.cast::<E, F>(&self.storage, &self.layout)?);
        // Only float-to-float casts carry gradients, as in PyTorch: an integer or bool
        // result has no grad_fn.
        if !(E::DTYPE.is_float() && F::DTYPE.is_float()) {
            return Ok(out);
        }
        Ok(out.record1("ToCopyBackward0", self, |g| g.cast::<E>()))
    }

    /// `x.to(dtype)`: the values converted to element type `F` (floats to integers
    /// truncate toward zero, anything to bool is `!= 0`).
    ///
    /// ```
    /// use typetensor::tensor;
    /// let x = tensor([1.7f32, -2.5]);
    /// assert_eq!(x.to_dtype::<i64>().to_vec(), vec![1, -2]);
    /// ```
    pub fn to_dtype<F>(&self) -> Tensor<S, F, D>
    where
        E: CastTo<F>,
        F: Dtype + CastTo<E>,
    {
        expect_device(self.try_to_dtype())
    }

    casts! {
        /// `x.long()`: to `i64`.
        long / try_long -> i64;

        /// `x.int()`: to `i32`.
        int / try_int -> i32;

        /// `x.float()`: to `f32`.
        float / try_float -> f32;

        /// `x.double()`: to `f64`.
        double / try_double -> f64;

        /// `x.bool()`: `x != 0`.
        bool / try_bool -> bool;
    }

    /// [`item`](Self::item) with device errors returned.
    pub fn try_item(&self) -> Result<E>
    where
        S: OneElement,
    {
        let v = self.try_to_vec()?;
        v.first()
            .copied()
            .ok_or_else(|| crate::Error::Device("item(): no element".into()))
    }

    /// `x.item()`: the one element of a one-element tensor as a Rust value.
    ///
    /// ```
    /// use typetensor::tensor;
    /// let x = tensor([2.6816f32]);
    /// assert_eq!(x.item(), 2.6816);
    /// ```
    pub fn item(&self) -> E
    where
        S: OneElement,
    {
        expect_device(self.try_item())
    }
}
