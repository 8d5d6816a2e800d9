//! A tensor without its shape type: what backward functions compute with, since one graph
//! holds many shapes. Every op here is a thin call into the device's kernels.
use std::sync::Arc;

use crate::Result;
use crate::device::Device;
use crate::dtype::{CastTo, Dtype, FloatDtype, NumDtype};
use crate::layout::Layout;
use crate::ops::arith::BinaryOp;
use crate::ops::compare::CmpOp;
use crate::ops::reduce::ReduceOp;
use crate::ops::unary::{FloatUnaryOp, UnaryOp};
use crate::shape::{Dims, MAX_RANK};

/// Storage, layout and device: a tensor whose dims are only known at run time.
pub struct Raw<E: Dtype, D: Device> {
    pub(crate) storage: Arc<D::Storage<E>>,
    pub(crate) layout: Layout,
    pub(crate) device: D,
}

impl<E: Dtype, D: Device> Clone for Raw<E, D> {
    fn clone(&self) -> Self {
        Raw {
            storage: Arc::clone(&self.storage),
            layout: self.layout,
            device: self.device.clone(),
        }
    }
}

/// The dims two operands broadcast to (PyTorch's rule, right-aligned).
fn broadcast_dims(a: Dims, b: Dims) -> Dims {
    let r = a.rank().max(b.rank());
    let mut d = [1; MAX_RANK];
    for (i, slot) in d.iter_mut().enumerate().take(r) {
        let from_right = r - i;
        let x = if from_right <= a.rank() {
            a[a.rank() - from_right]
        } else {
            1
        };
        let y = if from_right <= b.rank() {
            b[b.rank() - from_right]
        } else {
            1
        };
        *slot = if x == 1 { y } else { x };
    }
    Dims::new(&d[..r]).unwrap_or(a)
}

impl<E: Dtype, D: Device> Raw<E, D> {
    pub(crate) fn new(storage: D::Storage<E>, dims: Dims, device: D) -> Self {
        Raw {
            storage: Arc::new(storage),
            layout: Layout::contiguous(dims),
            device,
        }
    }

    pub(crate) fn dims(&self) -> Dims {
        self.layout.dims()
    }

    /// The same storage under another layout.
    pub(crate) fn with_layout(&self, layout: Layout) -> Self {
        Raw {
            storage: Arc::clone(&self.storage),
            layout,
            device: self.device.clone(),
        }
    }

    pub(crate) fn full(value: E, dims: Dims, device: &D) -> Result<Self> {
        Ok(Raw::new(
            device.alloc_filled(dims.numel(), value)?,
            dims,
            device.clone(),
        ))
    }

    /// The same elements with dims `to` (equal count): a view if the dims are the same or
    /// the layout contiguous, else a copy.
    pub(crate) fn reshape(&self, to: Dims) -> Result<Self> {
        if self.dims() == to {
            return Ok(self.clone());
        }
        if let Some(l) = self.layout.reshaped(to) {
            return Ok(self.with_layout(l));
        }
        Ok(Raw::new(
            self.device.contiguous(&self.storage, &self.layout)?,
            to,
            self.device.clone(),
        ))
    }

    /// Seen as `to` by repeating size-1 and missing leading dims (no copy).
    pub(crate) fn expand(&self, to: Dims) -> Self {
        self.with_layout(self.layout.broadcast_to(to))
    }

    pub(crate) fn permute(&self, perm: &[usize]) -> Self {
        self.with_layout(self.layout.permute(perm))
    }

    pub(crate) fn cast<F: Dtype>(&self) -> Result<Raw<F, D>>
    where
        E: CastTo<F>,
    {
        Ok(Raw::new(
            self.device.cast::<E, F>(&self.storage, &self.layout)?,
            self.dims(),
            self.device.clone(),
        ))
    }

    pub(crate) fn compare(&self, op: CmpOp, other: &Self) -> Result<Raw<bool, D>> {
        let dims = broadcast_dims(self.dims(), other.dims());
        let (la, lb) = (
            self.layout.broadcast_to(dims),
            other.layout.broadcast_to(dims),
        );
        Ok(Raw::new(
            self.device
                .compare(op, &self.storage, &la, &other.storage, &lb)?,
            dims,
            self.device.clone(),
        ))
    }

    /// `cond ? self : other`, all broadcast to `cond`'s dims.
    pub(crate) fn select(cond: &Raw<bool, D>, a: &Self, b: &Self) -> Result<Self> {
        let dims = cond.dims();
        let s = a.device.select(
            &cond.storage,
            &cond.layout,
            &a.storage,
            &a.layout.broadcast_to(dims),
            &b.storage,
            &b.layout.broadcast_to(dims),
        )?;
        Ok(Raw::new(s, dims, a.device.clone()))
    }

    /// `self` along `axis` between zeros: the gradient of a slice taken at `start` from a
    /// dimension of size `size`.
    pub(crate) fn pad_axis(&self, axis: usize, start: usize, size: usize) -> Result<Self> {
        let mut out = self.clone();
        let mut d = self.dims().as_slice().to_vec();
        let len = d[axis];
        if start > 0 {
            d[axis] = start;
            let before = Raw::full(
                E::default(),
                Dims::new(&d).unwrap_or(self.dims()),
                &self.device,
            )?;
            out = before.cat(&out, axis)?;
        }
        let after_len = size - start - len;
        if after_len > 0 {
            d[axis] = after_len;
            let after = Raw::full(
                E::default(),
                Dims::new(&d).unwrap_or(self.dims()),
                &self.device,
            )?;
            out = out.cat(&after, axis)?;
        }
        Ok(out)
    }

    pub(crate) fn cat(&self, other: &Self, axis: usize) -> Result<Self> {
        let s = self.device.cat(
            &self.storage,
            &self.layout,
            &other.storage,
            &other.layout,
            axis,
        )?;
        let mut d = self.dims().as_slice().to_vec();
        d[axis] += other.dims()[axis];
        Ok(Raw::new(
            s,
            Dims::new(&d).unwrap_or(self.dims()),
            self.device.clone(),
        ))
    }

    pub(crate) fn narrow(&self, axis: usize, start: usize, len: usize) -> Self {
        self.with_layout(self.layout.narrow(axis, start, len))
    }
}

impl<E: NumDtype, D: Device> Raw<E, D> {
    /// `op(self, other)` with PyTorch broadcasting of either operand.
    pub(crate) fn binary(&self, op: BinaryOp, other: &Self) -> Result<Self> {
        let dims = broadcast_dims(self.dims(), other.dims());
        let (la, lb) = (
            self.layout.broadcast_to(dims),
            other.layout.broadcast_to(dims),
        );
        Ok(Raw::new(
            self.device
                .binary(op, &self.storage, &la, &other.storage, &lb)?,
            dims,
            self.device.clone(),
        ))
    }

    pub(crate) fn unary(&self, op: UnaryOp<E>) -> Result<Self> {
        Ok(Raw::new(
            self.device.unary(op, &self.storage, &self.layout)?,
            self.dims(),
            self.device.clone(),
        ))
    }

    /// `self` (a gradient) where `x` passed through `clamp(min, max)` unchanged, else 0
    /// (see [`UnaryKernel::clamp_backward`](crate::ops::unary::UnaryKernel::clamp_backward)).
    pub(crate) fn clamp_backward(
        &self,
        x: &Self,
        min: Option<E>,
        max: Option<E>,
        min_exclusive: bool,
    ) -> Result<Self> {
        let dims = self.dims();
        let s = self.device.clamp_backward(
            &self.storage,
            &self.layout,
            &x.storage,
            &x.layout.broadcast_to(dims),
            min,
            max,
            min_exclusive,
        )?;
        Ok(Raw::new(s, dims, self.device.clone()))
    }

    pub(crate) fn mul_scalar(&self, s: E) -> Result<Self> {
        self.unary(UnaryOp::MulScalar(s))
    }

    pub(crate) fn neg(&self) -> Result<Self> {
        self.unary(UnaryOp::Neg)
    }

    /// Sums over dims so the result has dims `to`: the gradient of broadcasting `to` up to
    /// `self`'s dims (leading dims summed away, size-1 dims summed with keepdim).
    pub(crate) fn sum_to(&self, to: Dims) -> Result<Self> {
        if self.dims() == to {
            return Ok(self.clone());
        }
        let mut cur = self.clone();
        let extra = cur.dims().rank() - to.rank();
        for _ in 0..extra {
            cur = cur.reduce(ReduceOp::Sum, 0, false)?;
        }
        for axis in 0..to.rank() {
            if to[axis] == 1 && cur.dims()[axis] != 1 {
                cur = cur.reduce(ReduceOp::Sum, axis, true)?;
            }
        }
        Ok(cur)
    }

    /// Reduces one axis, dropping it or keeping it as size 1.
    pub(crate) fn reduce(&self, op: ReduceOp, axis: usize, keepdim: bool) -> Result<Self> {
        let s = self
            .device
            .reduce(op, &self.storage, &self.layout, Some(axis))?;
        let mut d = self.dims().as_slice().to_vec();
        if keepdim {
            d[axis] = 1;
        } else {
            d.remove(axis);
        }
        Ok(Raw::new(
            s,
            Dims::new(&d).unwrap_or(self.dims()),
            self.device.clone(),
        ))
    }

    /// Reduces everything to one element (dims `[]`).
    pub(crate) fn reduce_all(&self, op: ReduceOp) -> Result<Self> {
        let s = self.device.reduce(op, &self.storage, &self.layout, None)?;
        Ok(Raw::new(s, Dims::from_array([]), self.device.clone()))
    }

    /// `self @ other` for operands of rank >= 2 whose batch dims already agree.
    pub(crate) fn matmul(&self, other: &Self) -> Result<Self> {
        let s = self
            .device
            .matmul(&self.storage, &self.layout, &other.storage, &other.layout)?;
        let mut d = self.dims().as_slice().to_vec();
        let r = d.len();
        d[r - 1] = other.dims()[r - 1];
        Ok(Raw::new(
            s,
            Dims::new(&d).unwrap_or(self.dims()),
            self.device.clone(),
        ))
    }

    /// The last two dims swapped (no copy).
    pub(crate) fn t_last(&self) -> Self {
        let r = self.dims().rank();
        self.with_layout(self.layout.transpose(r - 2, r - 1))
    }
}

impl<E: FloatDtype, D: Device> Raw<E, D> {
    pub(crate) fn unary_float(&self, op: FloatUnaryOp<E>) -> Result<Self> {
        Ok(Raw::new(
            self.device.unary_float(op, &self.storage, &self.layout)?,
            self.dims(),
            self.device.clone(),
        ))
    }

    /// `self * op'(x)`: `self` (a gradient) times the derivative of `op` at `x`, which is
    /// seen with `self`'s dims.
    pub(crate) fn unary_float_backward(&self, op: FloatUnaryOp<E>, x: &Self) -> Result<Self> {
        let dims = self.dims();
        let s = self.device.unary_float_backward(
            op,
            &self.storage,
            &self.layout,
            &x.storage,
            &x.layout.broadcast_to(dims),
        )?;
        Ok(Raw::new(s, dims, self.device.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Cpu;

    fn raw(v: Vec<f64>, d: &[usize]) -> Raw<f64, Cpu> {
        Raw::new(v, Dims::new(d).unwrap(), Cpu)
    }

    fn vals(r: &Raw<f64, Cpu>) -> Vec<f64> {
        Cpu.download(&r.storage, &r.layout).unwrap()
    }

    use crate::device::DeviceStorage;

    #[test]
    fn sum_to_undoes_broadcasting() {
        let g = raw((0..6).map(f64::from).collect(), &[2, 3]);
        assert_eq!(
            vals(&g.sum_to(Dims::new(&[3]).unwrap()).unwrap()),
            vec![3.0, 5.0, 7.0]
        );
        assert_eq!(
            vals(&g.sum_to(Dims::new(&[2, 1]).unwrap()).unwrap()),
            vec![3.0, 12.0]
        );
        assert_eq!(
            vals(&g.sum_to(Dims::new(&[]).unwrap()).unwrap()),
            vec![15.0]
        );
    }

    #[test]
    fn pad_axis_places_the_slice() {
        let g = raw(vec![1.0, 2.0], &[1, 2]);
        let p = g.pad_axis(1, 1, 4).unwrap();
        assert_eq!(p.dims().as_slice(), &[1, 4]);
        assert_eq!(vals(&p), vec![0.0, 1.0, 2.0, 0.0]);
    }
}
