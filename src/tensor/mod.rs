//! The tensor type and what every tensor has: a shape, an element type, a device.
use std::fmt;
use std::sync::Arc;

use crate::Result;
use crate::autograd::Node;
use crate::device::{Cpu, Device};
use crate::dtype::{DType, Dtype};
use crate::layout::Layout;
use crate::shape::{Dims, Shape, Size};

mod bridge;
mod create;
mod device_move;
mod dyn_dims;
mod grad;
mod io;
mod random;
#[cfg(test)]
mod try_forms_tests;

pub use create::{IntoTensor, tensor};
pub use dyn_dims::IntoShape;
pub(crate) use dyn_dims::infer_shape;
pub use random::manual_seed;

/// An n-dimensional array whose shape `S`, element type `E` and device `D` are types.
///
/// `Tensor<Rank2<5, 3>>` is a 5×3 `f32` tensor on the CPU (`torch.empty(5, 3)`);
/// `Tensor<Rank1<4>, i64>` holds four `i64`s (`dtype=torch.long`). Ops check shapes at
/// compile time: adding a `Rank2<5, 3>` to a `Rank2<3, 5>` does not compile.
///
/// Cloning is cheap: storage is shared and copied on the first write (`add_`, `copy_`,
/// `masked_fill_`), so a tensor behaves as a value. Unlike PyTorch, writing through a view
/// never changes the tensor it was taken from; the NumPy bridge borrows instead, to share.
///
/// ```
/// use typetensor::{Rank2, Tensor};
/// let x = Tensor::<Rank2<5, 3>>::zeros(); // torch.zeros(5, 3)
/// assert_eq!(x.shape().to_string(), "torch.Size([5, 3])");
/// ```
pub struct Tensor<S: Shape, E: Dtype = f32, D: Device = Cpu> {
    pub(crate) storage: Arc<D::Storage<E>>,
    pub(crate) layout: Layout,
    pub(crate) shape: S,
    pub(crate) device: D,
    /// This tensor's place in the autograd graph, if it requires grad.
    pub(crate) node: Option<Arc<Node>>,
}

impl<S: Shape, E: Dtype, D: Device> Clone for Tensor<S, E, D> {
    fn clone(&self) -> Self {
        Tensor {
            storage: Arc::clone(&self.storage),
            layout: self.layout,
            shape: self.shape,
            device: self.device.clone(),
            node: self.node.clone(),
        }
    }
}

/// Panics with a device error: the infallible op forms use it, their `try_` twins return it.
#[track_caller]
pub(crate) fn expect_device<T>(r: Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("typetensor: {e}"),
    }
}

impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// A contiguous tensor over freshly made storage.
    pub(crate) fn from_storage(storage: D::Storage<E>, shape: S, device: D) -> Self {
        Tensor {
            storage: Arc::new(storage),
            layout: Layout::contiguous(shape.dims()),
            shape,
            device,
            node: None,
        }
    }

    /// The same storage seen through another shape and layout (a view: no copy).
    pub(crate) fn view_as<S2: Shape>(&self, shape: S2, layout: Layout) -> Tensor<S2, E, D> {
        debug_assert_eq!(shape.dims(), layout.dims);
        Tensor {
            storage: Arc::clone(&self.storage),
            layout,
            shape,
            device: self.device.clone(),
            node: None,
        }
    }

    /// A tensor of this tensor's shape and device over new storage.
    pub(crate) fn with_storage<E2: Dtype>(&self, storage: D::Storage<E2>) -> Tensor<S, E2, D> {
        Tensor::from_storage(storage, self.shape, self.device.clone())
    }

    /// The size of each dimension: `x.shape` / `x.size()`, printing as `torch.Size([5, 3])`.
    pub fn shape(&self) -> Size {
        Size(self.shape.dims())
    }

    /// Same as [`shape`](Self::shape), as PyTorch's `x.size()`.
    pub fn size(&self) -> Size {
        self.shape()
    }

    /// The shape value (a zero-sized type for compile-time shapes).
    pub fn shape_value(&self) -> S {
        self.shape
    }

    /// The dimensions at run time.
    pub fn dims(&self) -> Dims {
        self.shape.dims()
    }

    /// Number of dimensions: `x.dim()`.
    pub fn dim(&self) -> usize {
        S::RANK
    }

    /// Number of elements: `x.numel()`.
    pub fn numel(&self) -> usize {
        self.shape.numel()
    }

    /// The element type at run time: `x.dtype`.
    pub fn dtype(&self) -> DType {
        E::DTYPE
    }

    /// The device the storage lives on: `x.device`.
    pub fn device(&self) -> &D {
        &self.device
    }

    /// Whether the elements are stored densely in row-major order: `x.is_contiguous()`.
    pub fn is_contiguous(&self) -> bool {
        self.layout.is_contiguous()
    }

    /// How the elements sit in storage.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The elements in row-major order, copied to the host: `x.flatten().tolist()`.
    pub fn try_to_vec(&self) -> Result<Vec<E>> {
        self.device.download(&self.storage, &self.layout)
    }

    /// The elements in row-major order. Panics only if the device fails
    /// (see [`try_to_vec`](Self::try_to_vec)).
    pub fn to_vec(&self) -> Vec<E> {
        expect_device(self.try_to_vec())
    }
}

impl<S: Shape, E: Dtype, D: Device> fmt::Display for Tensor<S, E, D> {
    /// Prints exactly as PyTorch's `print(x)` does.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = self.try_to_vec().map_err(|_| fmt::Error)?;
        let device = self.device.print_name();
        let suffixes = crate::print::Suffixes {
            device: device.as_deref(),
            requires_grad: self.node.as_ref().is_some_and(|n| n.is_leaf()),
            grad_fn: self.node.as_ref().and_then(|n| n.grad_fn_name()),
        };
        f.write_str(&crate::print::format_tensor(
            &data,
            self.shape.dims().as_slice(),
            &suffixes,
        ))
    }
}

impl<S: Shape, E: Dtype, D: Device> fmt::Debug for Tensor<S, E, D> {
    /// Same text as `Display`, as PyTorch's `repr` equals its `str`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
