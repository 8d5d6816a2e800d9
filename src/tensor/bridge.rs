//! The NumPy bridge: ndarray is Rust's NumPy.
//!
//! PyTorch's `a.numpy()` shares memory both ways through reference counting; in Rust the
//! same sharing is a borrow. [`Tensor::numpy`] and [`Tensor::numpy_mut`] are views of the
//! tensor's own buffer (a write through the view is a write to the tensor), and
//! [`Tensor::from_numpy`] takes an array's buffer without copying it.
use std::sync::Arc;

use ndarray::{
    Array, ArrayView, ArrayViewMut, Dimension, Ix0, Ix1, Ix2, Ix3, Ix4, IxDyn, ShapeBuilder,
};

use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::{try_copy, try_vec};
use crate::dtype::Dtype;
use crate::error::Error;
use crate::layout::Layout;
use crate::ops::copy::CopyKernel;
use crate::shape::{Rank0, Rank1, Rank2, Rank3, Rank4, Shape, shape_from_dims};

use super::{Tensor, expect_device};

/// The ndarray dimension type of a shape (`Ix2` for `Rank2<M, N>`).
pub trait NdShape: Shape {
    /// The fixed-rank ndarray dimension.
    type Nd: Dimension;
}
impl NdShape for Rank0 {
    type Nd = Ix0;
}
impl<const A: usize> NdShape for Rank1<A> {
    type Nd = Ix1;
}
impl<const A: usize, const B: usize> NdShape for Rank2<A, B> {
    type Nd = Ix2;
}
impl<const A: usize, const B: usize, const C: usize> NdShape for Rank3<A, B, C> {
    type Nd = Ix3;
}
impl<const A: usize, const B: usize, const C: usize, const D: usize> NdShape for Rank4<A, B, C, D> {
    type Nd = Ix4;
}

/// Dims and strides of a layout as ndarray's fixed-rank dimension.
fn nd_shape<N: Dimension>(layout: &Layout) -> Option<(N, N)> {
    let dims = N::from_dimension(&IxDyn(layout.dims().as_slice()))?;
    let strides = N::from_dimension(&IxDyn(layout.strides()))?;
    Some((dims, strides))
}

/// # The NumPy bridge
impl<S: NdShape, E: Dtype> Tensor<S, E, Cpu> {
    /// `x.numpy()`: a read-only ndarray view of this tensor's elements, no copy.
    ///
    /// ```
    /// use typetensor::{Rank1, Tensor};
    /// let a = Tensor::<Rank1<5>>::ones();
    /// let b = a.numpy(); // b = a.numpy()
    /// assert_eq!(b.to_vec(), vec![1.0; 5]);
    /// ```
    pub fn numpy(&self) -> ArrayView<'_, E, S::Nd> {
        let (dims, strides) = nd_shape::<S::Nd>(&self.layout).unwrap_or_else(|| unreachable_rank());
        let data = &self.storage[self.layout.offset()..];
        match ArrayView::from_shape(dims.strides(strides), data) {
            Ok(v) => v,
            Err(_) => unreachable_rank(),
        }
    }

    /// A mutable ndarray view: writes change the tensor, as in the lesson
    /// (`b = a.numpy(); b[1] = 2` changes `a`). If the buffer was shared with a clone, or
    /// the tensor is a broadcast view (`expand_dim`) whose elements share storage, the
    /// tensor first gets its own dense copy of its elements (clones never see each
    /// other's writes, and each element can be written on its own).
    ///
    /// Panics where [`try_numpy_mut`](Self::try_numpy_mut) returns `Err`.
    ///
    /// ```
    /// use typetensor::{Rank1, Tensor};
    /// let mut a = Tensor::<Rank1<5>>::ones();
    /// a.numpy_mut()[1] = 2.0; // b = a.numpy(); b[1] = 2
    /// assert_eq!(a.to_string(), "tensor([1., 2., 1., 1., 1.])");
    /// ```
    pub fn numpy_mut(&mut self) -> ArrayViewMut<'_, E, S::Nd> {
        expect_device(self.try_numpy_mut())
    }

    /// [`numpy_mut`](Self::numpy_mut), or `Err` when the tensor requires grad and grad mode
    /// is on (a write through the view would bypass autograd; PyTorch refuses `.numpy()` on
    /// such a tensor), or when its own copy cannot be allocated. Inside `no_grad` the write
    /// is allowed and untracked, as PyTorch's `t.detach().numpy()[0] = v`.
    ///
    /// ```
    /// use typetensor::{autograd::no_grad, Rank1, Tensor};
    /// let mut w = Tensor::<Rank1<2>>::zeros().requires_grad_();
    /// assert!(w.try_numpy_mut().is_err());
    /// no_grad(|| w.numpy_mut()[0] = 1.0); // with torch.no_grad(): w.numpy()[0] = 1
    /// assert_eq!(w.to_vec(), vec![1.0, 0.0]);
    /// ```
    pub fn try_numpy_mut(&mut self) -> Result<ArrayViewMut<'_, E, S::Nd>> {
        if self.node.is_some() && crate::autograd::is_grad_enabled() {
            return Err(Error::Autograd(
                "numpy_mut() on a tensor that requires grad: writes through the view would \
                 bypass autograd; write inside `typetensor::autograd::no_grad(|| ...)` or \
                 use `detach()` (PyTorch: `t.detach().numpy()`)"
                    .into(),
            ));
        }
        // Inside no_grad the tensor keeps its node, leaf or not: the write is untracked, as
        // PyTorch's `t.detach().numpy()[0] = v` (or `t.data[0] = v`) is.
        // ndarray refuses a mutable view whose elements overlap (a stride-0 dimension),
        // and a shared buffer must not be written: either way, copy the elements out first.
        if Arc::get_mut(&mut self.storage).is_none() || self.layout.has_overlap() {
            let own = self.device.contiguous(&self.storage, &self.layout)?;
            self.storage = Arc::new(own);
            self.layout = Layout::contiguous(self.dims());
        }
        let (dims, strides) = nd_shape::<S::Nd>(&self.layout).unwrap_or_else(|| unreachable_rank());
        let offset = self.layout.offset();
        let Some(storage) = Arc::get_mut(&mut self.storage) else {
            unreachable_rank()
        };
        match ArrayViewMut::from_shape(dims.strides(strides), &mut storage[offset..]) {
            Ok(v) => Ok(v),
            Err(_) => unreachable_rank(),
        }
    }

    /// An owned ndarray copy of the elements, in row-major order.
    pub fn to_ndarray(&self) -> Array<E, S::Nd> {
        self.numpy().to_owned()
    }
}

/// The elements of `array` in row-major order, in a new buffer (or the out-of-memory error).
fn copied<E: Copy, N: Dimension>(array: ArrayView<'_, E, N>) -> Result<Vec<E>> {
    let mut v = try_vec(array.len())?;
    v.extend(array.iter().copied());
    Ok(v)
}

#[cold]
fn unreachable_rank() -> ! {
    // A tensor's layout always has its shape type's rank and in-bounds strides, and a
    // mutable view is only made over storage of its own without overlapping elements.
    panic!("typetensor bug: a tensor layout does not fit its ndarray view")
}

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// `torch.from_numpy(a)`: a tensor over the array's own buffer when it is in standard
    /// (row-major, dense) order, which moves without copying; other layouts are copied.
    /// The array may have any dimension type (`Array2`, `ArrayD`, …): a shape that is not
    /// `S` is an `Err`, and the array is returned inside no tensor.
    ///
    /// ```
    /// use typetensor::{Rank1, Tensor};
    /// let a = ndarray::Array1::<f64>::ones(5); // a = np.ones(5)
    /// let mut b = Tensor::<Rank1<5>, f64>::from_numpy(a).unwrap(); // b = torch.from_numpy(a)
    /// b.numpy_mut().mapv_inplace(|v| v + 1.0); // np.add(a, 1, out=a)
    /// assert_eq!(b.to_string(), "tensor([2., 2., 2., 2., 2.], dtype=torch.float64)");
    ///
    /// let wrong = ndarray::ArrayD::<f64>::zeros(ndarray::IxDyn(&[2, 3]));
    /// assert!(Tensor::<Rank1<5>, f64>::from_numpy(wrong).is_err());
    /// ```
    pub fn from_numpy<N: Dimension>(array: Array<E, N>) -> Result<Self> {
        let shape: S = shape_from_dims(array.shape())?;
        let data = if array.is_standard_layout() {
            let (vec, offset) = array.into_raw_vec_and_offset();
            match offset {
                Some(0) | None => vec,
                Some(o) => try_copy(&vec[o..o + shape.numel()])?,
            }
        } else {
            copied(array.view())?
        };
        Ok(Self::from_storage(data, shape, Cpu))
    }

    /// A tensor copied from an array view of any dimension type; `Err` on a shape other
    /// than `S`.
    pub fn from_ndarray_view<N: Dimension>(array: ArrayView<'_, E, N>) -> Result<Self> {
        let shape: S = shape_from_dims(array.shape())?;
        Ok(Self::from_storage(copied(array)?, shape, Cpu))
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ArrayD, IxDyn, array};

    use crate::shape::ConstShape;

    use super::*;

    #[test]
    fn views_share_memory_both_ways() {
        let mut a = Tensor::<Rank2<2, 3>>::zeros();
        {
            let mut b = a.numpy_mut();
            b[[1, 2]] = 7.0;
        }
        assert_eq!(a.to_vec(), vec![0.0, 0.0, 0.0, 0.0, 0.0, 7.0]);
        assert_eq!(a.numpy()[[1, 2]], 7.0);
        // The view of a transpose reads through the strides.
        let t = a.t();
        assert_eq!(t.numpy()[[2, 1]], 7.0);
        assert_eq!(t.numpy().shape(), &[3, 2]);
    }

    #[test]
    fn writes_do_not_leak_into_clones() {
        let mut a = Tensor::<Rank1<3>>::zeros();
        let before = a.clone();
        a.numpy_mut()[0] = 1.0;
        assert_eq!(before.to_vec(), vec![0.0; 3]);
        assert_eq!(a.to_vec(), vec![1.0, 0.0, 0.0]);
    }

    #[test]
    fn from_numpy_moves_the_buffer() {
        let a = Array2::<f32>::ones((2, 3));
        let ptr = a.as_ptr();
        let t = Tensor::<Rank2<2, 3>>::from_numpy(a).unwrap();
        assert_eq!(
            t.numpy().as_ptr(),
            ptr,
            "a standard-layout array must not be copied"
        );
    }

    #[test]
    fn from_numpy_checks_shape_and_copies_other_layouts() {
        let d = ArrayD::<f64>::zeros(IxDyn(&[3, 2]));
        let err = Tensor::<Rank2<2, 3>, f64>::from_numpy(d).unwrap_err();
        assert_eq!(err.to_string(), "expected shape [2, 3], found shape [3, 2]");
        let f = array![[1, 2, 3], [4, 5, 6]].reversed_axes(); // column-major 3x2
        let t = Tensor::<Rank2<3, 2>, i32>::from_numpy(f).unwrap();
        assert_eq!(t.to_vec(), vec![1, 4, 2, 5, 3, 6]);
        let v = array![1i64, 2, 3];
        let t = Tensor::<Rank1<3>, i64>::from_ndarray_view(v.view()).unwrap();
        assert_eq!(t.to_ndarray(), v);
        assert!(Tensor::<Rank1<4>, i64>::from_ndarray_view(v.view()).is_err());
    }

    /// `v` through the bridge both ways: `numpy()` and `numpy_mut()` see its elements in
    /// order, a write through `numpy_mut()` changes that one element of `v` and nothing
    /// else (not `base`, whose storage `v` may share), and the views convert back.
    fn round_trip<S: NdShape + ConstShape>(
        what: &str,
        mut v: Tensor<S>,
        base: &Tensor<Rank2<3, 4>>,
    ) {
        let before = base.to_vec();
        let expect = v.to_vec();
        let seen = |a: ndarray::ArrayView<'_, f32, S::Nd>| a.iter().copied().collect::<Vec<_>>();
        assert_eq!(seen(v.numpy()), expect, "{what}: numpy()");
        {
            let mut m = v.numpy_mut();
            assert_eq!(
                m.iter().copied().collect::<Vec<_>>(),
                expect,
                "{what}: numpy_mut()"
            );
            *m.iter_mut().last().unwrap() = -1.0;
        }
        let mut want = expect.clone();
        *want.last_mut().unwrap() = -1.0;
        assert_eq!(
            v.to_vec(),
            want,
            "{what}: a write through numpy_mut() changes one element"
        );
        assert_eq!(
            base.to_vec(),
            before,
            "{what}: the viewed tensor is unchanged"
        );
        let back = Tensor::<S>::from_ndarray_view(v.numpy()).unwrap();
        assert_eq!(back.to_vec(), want, "{what}: from_ndarray_view(numpy())");
        let back = Tensor::<S>::from_numpy(v.numpy().to_owned()).unwrap();
        assert_eq!(
            back.to_vec(),
            want,
            "{what}: from_numpy(numpy().to_owned())"
        );
    }

    #[test]
    fn every_view_kind_through_both_directions() {
        let base = Tensor::<Rank2<3, 4>>::arange();
        round_trip("contiguous, shared", base.clone(), &base);
        round_trip("t()", base.t(), &base);
        round_trip("permute", base.permute::<1, 0>(), &base);
        round_trip("narrow", base.narrow::<1, 1, 2>(), &base);
        round_trip("slice_from", base.slice_from::<0, 1>(), &base);
        round_trip("view", base.view::<Rank1<12>>(), &base);
        round_trip("unsqueeze", base.unsqueeze::<0>(), &base);
        round_trip("transposed narrow", base.t().narrow::<0, 1, 2>(), &base);
        // Broadcast views (stride 0): ndarray refuses a mutable view of overlapping elements,
        // so `numpy_mut` first gives the tensor its own copy.
        let col = base.narrow::<1, 0, 1>();
        round_trip("expand_dim", col.expand_dim::<1, 5>(), &base);
        let row = base.narrow::<0, 2, 1>();
        round_trip("expand_dim leading", row.expand_dim::<0, 3>(), &base);
        let one = base.narrow::<0, 1, 1>().narrow::<1, 2, 1>();
        round_trip(
            "expand_dim twice",
            one.expand_dim::<0, 2>().expand_dim::<1, 2>(),
            &base,
        );
        // An owned tensor of its own is written in place, without a copy.
        let mut own = Tensor::<Rank2<3, 4>>::arange();
        let ptr = own.numpy().as_ptr();
        assert_eq!(own.numpy_mut().as_ptr(), ptr);
    }

    #[test]
    fn arrays_of_every_layout_become_tensors() {
        let a = ndarray::Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f32);
        let as_tensor = |v: ndarray::ArrayView2<'_, f32>| {
            let t = Tensor::<Rank2<3, 4>>::from_ndarray_view(v).unwrap();
            assert_eq!(t.to_vec(), v.iter().copied().collect::<Vec<_>>());
            let t = Tensor::<Rank2<3, 4>>::from_numpy(v.to_owned()).unwrap();
            assert_eq!(t.to_vec(), v.iter().copied().collect::<Vec<_>>());
        };
        as_tensor(a.view());
        let b = ndarray::Array2::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f32);
        as_tensor(b.t()); // transposed
        as_tensor(a.slice(ndarray::s![..;-1, ..])); // negative stride
        let row = ndarray::Array1::from(vec![1.0f32, 2.0, 3.0, 4.0]);
        as_tensor(row.broadcast((3, 4)).unwrap()); // stride 0
        let wide = ndarray::Array2::from_shape_fn((3, 8), |(i, j)| (i * 8 + j) as f32);
        as_tensor(wide.slice(ndarray::s![.., ..;2])); // stepped
        // Owned arrays in other layouts move in as copies.
        let rev = a.clone().slice_move(ndarray::s![.., ..;-1]);
        let t = Tensor::<Rank2<3, 4>>::from_numpy(rev.clone()).unwrap();
        assert_eq!(t.to_vec(), rev.iter().copied().collect::<Vec<_>>());
    }

    #[test]
    fn numpy_mut_follows_the_in_place_rule() {
        let mut w = Tensor::<Rank1<3>>::zeros().requires_grad_();
        let e = w.try_numpy_mut().unwrap_err();
        assert!(e.to_string().contains("requires grad"), "{e}");
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            w.numpy_mut()[0] = 1.0;
        }));
        assert!(
            r.is_err(),
            "numpy_mut() must panic where try_numpy_mut() is Err"
        );
        assert_eq!(w.to_vec(), vec![0.0; 3]);
        crate::autograd::no_grad(|| w.numpy_mut()[0] = 1.0);
        assert_eq!(w.to_vec(), vec![1.0, 0.0, 0.0]);
        assert!(w.requires_grad() && w.is_leaf());
        // A result with a grad_fn is refused too; inside no_grad the write is untracked.
        let mut y = &w * 2.0;
        assert!(y.try_numpy_mut().is_err());
        crate::autograd::no_grad(|| y.numpy_mut()[1] = 5.0);
        assert_eq!(y.to_vec(), vec![2.0, 5.0, 0.0]);
        assert_eq!(y.grad_fn(), Some("MulBackward0"));
    }

    #[test]
    fn sliced_array_with_offset() {
        let a = ndarray::Array1::from(vec![1.0f32, 2.0, 3.0, 4.0]);
        let s = a.slice_move(ndarray::s![1..]);
        let t = Tensor::<Rank1<3>>::from_numpy(s).unwrap();
        assert_eq!(t.to_vec(), vec![2.0, 3.0, 4.0]);
    }
}
