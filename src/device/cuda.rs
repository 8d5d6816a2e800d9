//! The `Cuda` device type, present in every build so that code naming it compiles
//! everywhere (PyTorch's CPU-only builds likewise have `torch.cuda`). Without the `cuda`
//! feature, [`Cuda::new`] returns an error and no `Cuda` value can exist, so its kernels are
//! unreachable: storage is an uninhabited type.
use std::marker::PhantomData;

use crate::Result;
use crate::dtype::{CastTo, Dtype, FloatDtype, NumDtype, SumDtype};
use crate::error::Error;
use crate::layout::Layout;
use crate::ops::{
    arith::{BinaryKernel, BinaryOp},
    compare::{CmpOp, CompareKernel},
    conv::{ConvKernel, Window2d},
    copy::CopyKernel,
    index::IndexKernel,
    matmul::MatMulKernel,
    pool::{AvgKind, PoolKernel},
    reduce::{ArgReduceOp, ReduceKernel, ReduceOp},
    softmax::{SoftmaxKernel, SoftmaxOp},
    unary::{FloatUnaryOp, UnaryKernel, UnaryOp},
};
use crate::optim::{AdamScalars, OptimKernel, RmspropScalars, SgdScalars};

use super::DeviceStorage;

/// Uninhabited: a value proves a CUDA context exists, which this build cannot make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum NoCuda {}

/// An NVIDIA GPU. This build has no CUDA support (the `cuda` cargo feature is off), so
/// [`Cuda::new`] always returns `Err` and tensors can never be on this device.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cuda {
    never: NoCuda,
}

/// Device memory on a GPU (uninhabited in this build).
#[derive(Clone, Debug)]
pub struct CudaStorage<E> {
    #[expect(dead_code, reason = "uninhabited: only its type matters")]
    never: NoCuda,
    _elem: PhantomData<E>,
}

impl Cuda {
    /// `torch.device("cuda")`: the first GPU. In this build: an error saying that the
    /// `cuda` feature is off.
    ///
    /// ```
    /// assert!(typetensor::Cuda::new().is_err() || cfg!(feature = "cuda"));
    /// ```
    pub fn new() -> Result<Self> {
        Err(Error::Device(
            "typetensor was built without the `cuda` feature".into(),
        ))
    }

    /// `torch.cuda.is_available()`: `false` in this build.
    pub fn is_available() -> bool {
        false
    }
}

impl DeviceStorage for Cuda {
    type Storage<E: Dtype> = CudaStorage<E>;
    fn print_name(&self) -> Option<String> {
        match self.never {}
    }
    fn alloc_filled<E: Dtype>(&self, _: usize, _: E) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn upload<E: Dtype>(&self, _: Vec<E>) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn download<E: Dtype>(&self, _: &CudaStorage<E>, _: &Layout) -> Result<Vec<E>> {
        match self.never {}
    }
}

impl BinaryKernel for Cuda {
    fn binary<E: NumDtype>(
        &self,
        _: BinaryOp,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &CudaStorage<E>,
        _: &Layout,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn binary_assign<E: NumDtype>(
        &self,
        _: BinaryOp,
        _: &mut CudaStorage<E>,
        _: &Layout,
        _: &CudaStorage<E>,
        _: &Layout,
        _: Option<E>,
    ) -> Result<bool> {
        match self.never {}
    }
}

impl SoftmaxKernel for Cuda {
    fn softmax<E: FloatDtype>(
        &self,
        _: SoftmaxOp,
        _: &CudaStorage<E>,
        _: &Layout,
        _: usize,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn softmax_backward<E: FloatDtype>(
        &self,
        _: SoftmaxOp,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &CudaStorage<E>,
        _: &Layout,
        _: usize,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
}

impl UnaryKernel for Cuda {
    fn unary<E: NumDtype>(
        &self,
        _: UnaryOp<E>,
        _: &CudaStorage<E>,
        _: &Layout,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn unary_float<E: FloatDtype>(
        &self,
        _: FloatUnaryOp<E>,
        _: &CudaStorage<E>,
        _: &Layout,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn unary_float_backward<E: FloatDtype>(
        &self,
        _: FloatUnaryOp<E>,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &CudaStorage<E>,
        _: &Layout,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn unary_assign<E: NumDtype>(
        &self,
        _: UnaryOp<E>,
        _: &mut CudaStorage<E>,
        _: &Layout,
    ) -> Result<bool> {
        match self.never {}
    }
    fn unary_float_assign<E: FloatDtype>(
        &self,
        _: FloatUnaryOp<E>,
        _: &mut CudaStorage<E>,
        _: &Layout,
    ) -> Result<bool> {
        match self.never {}
    }
    fn clamp_backward<E: NumDtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &CudaStorage<E>,
        _: &Layout,
        _: Option<E>,
        _: Option<E>,
        _: bool,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
}

impl CompareKernel for Cuda {
    fn compare<E: Dtype>(
        &self,
        _: CmpOp,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &CudaStorage<E>,
        _: &Layout,
    ) -> Result<CudaStorage<bool>> {
        match self.never {}
    }
    fn select<E: Dtype>(
        &self,
        _: &CudaStorage<bool>,
        _: &Layout,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &CudaStorage<E>,
        _: &Layout,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
}

impl CopyKernel for Cuda {
    fn contiguous<E: Dtype>(&self, _: &CudaStorage<E>, _: &Layout) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn cast<E: CastTo<F>, F: Dtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
    ) -> Result<CudaStorage<F>> {
        match self.never {}
    }
}

impl IndexKernel for Cuda {
    fn gather<E: Dtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: usize,
        _: &CudaStorage<i64>,
        _: &Layout,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    #[allow(clippy::too_many_arguments)]
    fn scatter_add<E: NumDtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: usize,
        _: &CudaStorage<i64>,
        _: &Layout,
        _: &CudaStorage<E>,
        _: &Layout,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn index_select<E: Dtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: usize,
        _: &CudaStorage<i64>,
        _: &Layout,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn index_add<E: NumDtype>(
        &self,
        _: crate::shape::Dims,
        _: usize,
        _: &CudaStorage<i64>,
        _: &Layout,
        _: &CudaStorage<E>,
        _: &Layout,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn cat<E: Dtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &CudaStorage<E>,
        _: &Layout,
        _: usize,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
}

impl MatMulKernel for Cuda {
    fn matmul<E: NumDtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &CudaStorage<E>,
        _: &Layout,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
}

impl ReduceKernel for Cuda {
    fn reduce<E: NumDtype>(
        &self,
        _: ReduceOp,
        _: &CudaStorage<E>,
        _: &Layout,
        _: Option<usize>,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn sum<E: SumDtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: Option<usize>,
    ) -> Result<CudaStorage<E::Sum>> {
        match self.never {}
    }
    fn arg_reduce<E: NumDtype>(
        &self,
        _: ArgReduceOp,
        _: &CudaStorage<E>,
        _: &Layout,
        _: Option<usize>,
    ) -> Result<CudaStorage<i64>> {
        match self.never {}
    }
}

impl ConvKernel for Cuda {
    fn unfold<E: FloatDtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &Window2d,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn fold<E: FloatDtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &Window2d,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn conv_output<E: FloatDtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: Option<(&CudaStorage<E>, &Layout)>,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
}

impl PoolKernel for Cuda {
    fn max_pool2d<E: FloatDtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &Window2d,
    ) -> Result<(CudaStorage<E>, CudaStorage<i64>)> {
        match self.never {}
    }
    fn max_pool2d_backward<E: FloatDtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &CudaStorage<i64>,
        _: &Layout,
        _: &Window2d,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn avg_pool2d<E: FloatDtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &Window2d,
        _: AvgKind,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
    fn avg_pool2d_backward<E: FloatDtype>(
        &self,
        _: &CudaStorage<E>,
        _: &Layout,
        _: &Window2d,
        _: AvgKind,
    ) -> Result<CudaStorage<E>> {
        match self.never {}
    }
}

impl OptimKernel for Cuda {
    fn sgd_step<E: FloatDtype>(
        &self,
        _: usize,
        _: &mut CudaStorage<E>,
        _: &CudaStorage<E>,
        _: Option<&mut CudaStorage<E>>,
        _: &SgdScalars<E>,
    ) -> Result<()> {
        match self.never {}
    }
    fn adam_step<E: FloatDtype>(
        &self,
        _: usize,
        _: &mut CudaStorage<E>,
        _: &CudaStorage<E>,
        _: &mut CudaStorage<E>,
        _: &mut CudaStorage<E>,
        _: Option<&mut CudaStorage<E>>,
        _: &AdamScalars<E>,
    ) -> Result<()> {
        match self.never {}
    }
    fn rmsprop_step<E: FloatDtype>(
        &self,
        _: usize,
        _: &mut CudaStorage<E>,
        _: &CudaStorage<E>,
        _: &mut CudaStorage<E>,
        _: Option<&mut CudaStorage<E>>,
        _: Option<&mut CudaStorage<E>>,
        _: &RmspropScalars<E>,
    ) -> Result<()> {
        match self.never {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn unavailable_without_the_feature() {
        assert!(!super::Cuda::is_available());
        let e = super::Cuda::new().unwrap_err();
        assert_eq!(
            e.to_string(),
            "device: typetensor was built without the `cuda` feature"
        );
    }
}
