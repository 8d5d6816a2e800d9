//! Devices: where a tensor's storage lives and which kernels run on it.
//!
//! A device is a type parameter of [`Tensor`](crate::Tensor), so tensors on different devices
//! cannot meet in one op: that is a compile error. [`Device`] owns storage (allocate, upload,
//! download) and bundles the kernel families of [`crate::ops`], one trait per family, each
//! declared beside its op. Op code never reads storage as `&[T]`: only a device's own kernels
//! do, so a device whose memory the host cannot address (CUDA) fits the same trait.
use std::fmt::Debug;

use crate::Result;
use crate::dtype::Dtype;
use crate::layout::Layout;
use crate::ops::{
    arith::BinaryKernel, compare::CompareKernel, conv::ConvKernel, copy::CopyKernel,
    index::IndexKernel, matmul::MatMulKernel, pool::PoolKernel, reduce::ReduceKernel,
    softmax::SoftmaxKernel, unary::UnaryKernel,
};

pub(crate) mod cpu;
// Without the `cuda` feature: a `Cuda` type that can never be constructed (so code naming
// it compiles everywhere). With it: the real backend, cust and the PTX in kernels/ptx.
#[cfg(not(feature = "cuda"))]
mod cuda;
#[cfg(feature = "cuda")]
#[path = "cuda_rt/mod.rs"]
mod cuda;
mod element;
pub(crate) mod parallel;
pub use cpu::Cpu;
pub use cuda::{Cuda, CudaStorage};
#[doc(hidden)]
pub use element::DeviceElement;

/// A place tensors live, with every kernel the crate's ops need.
pub trait Device:
    DeviceStorage
    + BinaryKernel
    + UnaryKernel
    + CompareKernel
    + CopyKernel
    + IndexKernel
    + MatMulKernel
    + ReduceKernel
    + ConvKernel
    + PoolKernel
    + SoftmaxKernel
    + crate::optim::OptimKernel
{
}

impl<D> Device for D where
    D: DeviceStorage
        + BinaryKernel
        + UnaryKernel
        + CompareKernel
        + CopyKernel
        + IndexKernel
        + MatMulKernel
        + ReduceKernel
        + ConvKernel
        + PoolKernel
        + SoftmaxKernel
        + crate::optim::OptimKernel
{
}

/// Storage management: the part of a device the kernel traits build on.
pub trait DeviceStorage: Clone + Debug + PartialEq + Send + Sync + 'static {
    /// The storage of a buffer of `E`s on this device.
    type Storage<E: Dtype>: Clone + Debug + Send + Sync;

    /// The name printed in `device='…'`, or `None` for the CPU (PyTorch prints nothing).
    fn print_name(&self) -> Option<String>;

    /// A buffer of `len` copies of `value`.
    fn alloc_filled<E: Dtype>(&self, len: usize, value: E) -> Result<Self::Storage<E>>;

    /// Uploads a host buffer.
    fn upload<E: Dtype>(&self, data: Vec<E>) -> Result<Self::Storage<E>>;

    /// Downloads the elements `layout` selects, in row-major order.
    fn download<E: Dtype>(&self, storage: &Self::Storage<E>, layout: &Layout) -> Result<Vec<E>>;
}
