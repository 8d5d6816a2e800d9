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
use crate::dtype::Dtype;
use crate::layout::Layout;
use crate::shape::{Rank0, Rank1, Rank2, Rank3, Rank4, Shape, shape_from_dims};

use super::Tensor;

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
    /// (`b = a.numpy(); b[1] = 2` changes `a`). If the buffer was shared with a clone, the
    /// tensor first gets its own copy (clones never see each other's writes).
    ///
    /// ```
    /// use typetensor::{Rank1, Tensor};
    /// let mut a = Tensor::<Rank1<5>>::ones();
    /// a.numpy_mut()[1] = 2.0; // b = a.numpy(); b[1] = 2
    /// assert_eq!(a.to_string(), "tensor([1., 2., 1., 1., 1.])");
    /// ```
    pub fn numpy_mut(&mut self) -> ArrayViewMut<'_, E, S::Nd> {
        let (dims, strides) = nd_shape::<S::Nd>(&self.layout).unwrap_or_else(|| unreachable_rank());
        let offset = self.layout.offset();
        let data = &mut Arc::make_mut(&mut self.storage)[offset..];
        match ArrayViewMut::from_shape(dims.strides(strides), data) {
            Ok(v) => v,
            Err(_) => unreachable_rank(),
        }
    }

    /// An owned ndarray copy of the elements, in row-major order.
    pub fn to_ndarray(&self) -> Array<E, S::Nd> {
        self.numpy().to_owned()
    }
}

#[cold]
fn unreachable_rank() -> ! {
    // A tensor's layout always has its shape type's rank and in-bounds strides.
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
                Some(o) => vec[o..o + shape.numel()].to_vec(),
            }
        } else {
            array.iter().copied().collect()
        };
        Ok(Self::from_storage(data, shape, Cpu))
    }

    /// A tensor copied from an array view of any dimension type; `Err` on a shape other
    /// than `S`.
    pub fn from_ndarray_view<N: Dimension>(array: ArrayView<'_, E, N>) -> Result<Self> {
        let shape: S = shape_from_dims(array.shape())?;
        Ok(Self::from_storage(
            array.iter().copied().collect(),
            shape,
            Cpu,
        ))
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ArrayD, IxDyn, array};

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

    #[test]
    fn sliced_array_with_offset() {
        let a = ndarray::Array1::from(vec![1.0f32, 2.0, 3.0, 4.0]);
        let s = a.slice_move(ndarray::s![1..]);
        let t = Tensor::<Rank1<3>>::from_numpy(s).unwrap();
        assert_eq!(t.to_vec(), vec![2.0, 3.0, 4.0]);
    }
}
