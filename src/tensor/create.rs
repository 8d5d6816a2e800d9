//! Making tensors: constants, literals, run-time buffers, and tensors shaped like others.
use crate::Result;
use crate::device::{Cpu, Device};
use crate::dtype::{Dtype, NumDtype};
use crate::error::Error;
use crate::shape::{ConstShape, Rank0, Rank1, Rank2, Rank3, Rank4, Shape};

use super::{Tensor, expect_device};

/// # Creation on the CPU
impl<S: ConstShape, E: Dtype> Tensor<S, E, Cpu> {
    /// A tensor filled with `value`: `torch.full((5, 3), value)`.
    pub fn full(value: E) -> Self {
        const { <S as ConstShape>::ASSERT_STATIC };
        expect_device(Self::try_full_on(value, &Cpu))
    }

    /// A tensor of the element type's zero (`false` for bool): `torch.zeros(5, 3)`.
    ///
    /// ```
    /// use typetensor::{Rank2, Tensor};
    /// let x = Tensor::<Rank2<5, 3>, i64>::zeros(); // torch.zeros(5, 3, dtype=torch.long)
    /// assert_eq!(x.to_vec(), vec![0; 15]);
    /// ```
    pub fn zeros() -> Self {
        const { <S as ConstShape>::ASSERT_STATIC };
        Self::full(E::default())
    }

    /// `torch.empty(5, 3)`. Safe Rust does not hand out uninitialised memory, so the
    /// elements are zero, not whatever the allocator left.
    pub fn empty() -> Self {
        const { <S as ConstShape>::ASSERT_STATIC };
        Self::zeros()
    }

    /// A tensor whose element at row-major position `i` is `f(i)`.
    pub fn from_fn(f: impl FnMut(usize) -> E) -> Self {
        const { <S as ConstShape>::ASSERT_STATIC };
        Self::from_storage((0..S::NUMEL).map(f).collect(), S::default(), Cpu)
    }
}

impl<S: ConstShape, E: NumDtype> Tensor<S, E, Cpu> {
    /// A tensor of ones: `torch.ones(5, 3)`.
    pub fn ones() -> Self {
        const { <S as ConstShape>::ASSERT_STATIC };
        Self::full(E::one())
    }

    /// `0, 1, 2, …` in row-major order: `torch.arange(n)` (then `.view(..)` for more dims).
    pub fn arange() -> Self {
        const { <S as ConstShape>::ASSERT_STATIC };
        Self::arange_with(E::zero(), E::one())
    }

    /// `start, start + step, …`: `torch.arange(start, start + n * step, step)`.
    pub fn arange_with(start: E, step: E) -> Self {
        const { <S as ConstShape>::ASSERT_STATIC };
        let mut v = start;
        Self::from_fn(|_| {
            let out = v;
            v = v.wadd(step);
            out
        })
    }
}

/// # Creation on any device
impl<S: ConstShape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// [`full`](Tensor::full) on `device`, with device errors returned.
    pub fn try_full_on(value: E, device: &D) -> Result<Self> {
        const { <S as ConstShape>::ASSERT_STATIC };
        let storage = device.alloc_filled(S::NUMEL, value)?;
        Ok(Self::from_storage(storage, S::default(), device.clone()))
    }

    /// [`zeros`](Tensor::zeros) on `device`: `torch.zeros(5, 3, device=device)`.
    pub fn try_zeros_on(device: &D) -> Result<Self> {
        const { <S as ConstShape>::ASSERT_STATIC };
        Self::try_full_on(E::default(), device)
    }
}

/// # Creation from run-time data
impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// A tensor holding `data` in row-major order: `torch.tensor(data).view(5, 3)`.
    ///
    /// The length is only known at run time, so a wrong length is an `Err`, never a panic:
    /// ```
    /// use typetensor::{Rank2, Tensor};
    /// let ok = Tensor::<Rank2<2, 2>>::from_vec(vec![1.0, 2.0, 3.0, 4.0]);
    /// assert!(ok.is_ok());
    /// let err = Tensor::<Rank2<2, 2>>::from_vec(vec![1.0, 2.0, 3.0]).unwrap_err();
    /// assert_eq!(err.to_string(), "a tensor of shape [2, 2] needs 4 elements, but 3 were given");
    /// ```
    ///
    /// With one run-time dimension ([`DYN`](crate::DYN)), the length decides it, as
    /// PyTorch's `view(-1, 4)`:
    /// ```
    /// use typetensor::{DYN, Rank2, Tensor};
    /// let x = Tensor::<Rank2<DYN, 2>>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    /// assert_eq!(x.shape(), [3, 2]);
    /// let err = Tensor::<Rank2<DYN, 2>>::from_vec(vec![1.0, 2.0, 3.0]).unwrap_err();
    /// assert_eq!(err.to_string(), "a tensor of shape [DYN, 2] needs a multiple of 2 elements, but 3 were given");
    /// ```
    pub fn from_vec(data: Vec<E>) -> Result<Self> {
        Self::from_vec_on(data, &Cpu)
    }
}

impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// [`from_vec`](Tensor::from_vec) on `device`.
    pub fn from_vec_on(data: Vec<E>, device: &D) -> Result<Self> {
        let Some(shape) = super::infer_shape::<S>(data.len()) else {
            return Err(Error::LengthMismatch {
                shape: S::TYPE_DIMS.to_vec(),
                expected: S::TYPE_DIMS.iter().filter(|&&d| d != crate::DYN).product(),
                found: data.len(),
            });
        };
        let storage = device.upload(data)?;
        Ok(Self::from_storage(storage, shape, device.clone()))
    }
}

/// # Tensors shaped or typed like this one
impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// A new tensor of shape `S2` on this device, filled with `value`:
    /// `x.new_full((5, 3), value)`.
    pub fn new_full<S2: ConstShape>(&self, value: E) -> Tensor<S2, E, D> {
        const { <S2 as ConstShape>::ASSERT_STATIC };
        expect_device(self.try_new_full::<S2>(value))
    }

    /// [`new_full`](Self::new_full) with device errors returned.
    pub fn try_new_full<S2: ConstShape>(&self, value: E) -> Result<Tensor<S2, E, D>> {
        const { <S2 as ConstShape>::ASSERT_STATIC };
        self.try_new_full_dtype::<S2, E>(value)
    }

    /// [`new_full`](Self::new_full) with another element type: `x.new_full((5, 3), v, dtype=…)`.
    pub fn new_full_dtype<S2: ConstShape, E2: Dtype>(&self, value: E2) -> Tensor<S2, E2, D> {
        const { <S2 as ConstShape>::ASSERT_STATIC };
        expect_device(self.try_new_full_dtype::<S2, E2>(value))
    }

    /// [`new_full_dtype`](Self::new_full_dtype) with device errors returned.
    pub fn try_new_full_dtype<S2: ConstShape, E2: Dtype>(
        &self,
        value: E2,
    ) -> Result<Tensor<S2, E2, D>> {
        const { <S2 as ConstShape>::ASSERT_STATIC };
        Tensor::try_full_on(value, &self.device)
    }

    /// `x.new_zeros(5, 3)`: same device and element type.
    pub fn new_zeros<S2: ConstShape>(&self) -> Tensor<S2, E, D> {
        const { <S2 as ConstShape>::ASSERT_STATIC };
        expect_device(self.try_new_zeros::<S2>())
    }

    /// [`new_zeros`](Self::new_zeros) with device errors returned.
    pub fn try_new_zeros<S2: ConstShape>(&self) -> Result<Tensor<S2, E, D>> {
        const { <S2 as ConstShape>::ASSERT_STATIC };
        self.try_new_full::<S2>(E::default())
    }

    /// `x.new_zeros(5, 3, dtype=…)`.
    pub fn new_zeros_dtype<S2: ConstShape, E2: Dtype>(&self) -> Tensor<S2, E2, D> {
        const { <S2 as ConstShape>::ASSERT_STATIC };
        expect_device(self.try_new_zeros_dtype::<S2, E2>())
    }

    /// [`new_zeros_dtype`](Self::new_zeros_dtype) with device errors returned.
    pub fn try_new_zeros_dtype<S2: ConstShape, E2: Dtype>(&self) -> Result<Tensor<S2, E2, D>> {
        const { <S2 as ConstShape>::ASSERT_STATIC };
        self.try_new_full_dtype::<S2, E2>(E2::default())
    }

    /// `x.new_ones(5, 3, dtype=…)`: same device, element type `E2`.
    ///
    /// ```
    /// use typetensor::{tensor, Rank2};
    /// let x = tensor([5.5f32, 3.0]);
    /// let y = x.new_ones_dtype::<Rank2<5, 3>, f64>(); // x.new_ones(5, 3, dtype=torch.double)
    /// assert_eq!(y.to_vec(), vec![1.0f64; 15]);
    /// ```
    pub fn new_ones_dtype<S2: ConstShape, E2: NumDtype>(&self) -> Tensor<S2, E2, D> {
        const { <S2 as ConstShape>::ASSERT_STATIC };
        expect_device(self.try_new_ones_dtype::<S2, E2>())
    }

    /// [`new_ones_dtype`](Self::new_ones_dtype) with device errors returned.
    pub fn try_new_ones_dtype<S2: ConstShape, E2: NumDtype>(&self) -> Result<Tensor<S2, E2, D>> {
        const { <S2 as ConstShape>::ASSERT_STATIC };
        self.try_new_full_dtype::<S2, E2>(E2::one())
    }

    /// `torch.zeros_like(x)`.
    pub fn zeros_like(&self) -> Self {
        expect_device(self.try_zeros_like())
    }

    /// [`zeros_like`](Self::zeros_like) with device errors returned.
    pub fn try_zeros_like(&self) -> Result<Self> {
        self.try_full_like(E::default())
    }

    /// `torch.full_like(x, value)`.
    pub fn full_like(&self, value: E) -> Self {
        expect_device(self.try_full_like(value))
    }

    /// [`full_like`](Self::full_like) with device errors returned.
    pub fn try_full_like(&self, value: E) -> Result<Self> {
        let storage = self.device.alloc_filled(self.numel(), value)?;
        Ok(self.with_storage(storage))
    }
}

impl<S: Shape, E: NumDtype, D: Device> Tensor<S, E, D> {
    /// `x.new_ones(5, 3)`: same device and element type.
    pub fn new_ones<S2: ConstShape>(&self) -> Tensor<S2, E, D> {
        const { <S2 as ConstShape>::ASSERT_STATIC };
        expect_device(self.try_new_ones::<S2>())
    }

    /// [`new_ones`](Self::new_ones) with device errors returned.
    pub fn try_new_ones<S2: ConstShape>(&self) -> Result<Tensor<S2, E, D>> {
        const { <S2 as ConstShape>::ASSERT_STATIC };
        self.try_new_full::<S2>(E::one())
    }

    /// `torch.ones_like(x)`.
    pub fn ones_like(&self) -> Self {
        expect_device(self.try_ones_like())
    }

    /// [`ones_like`](Self::ones_like) with device errors returned.
    pub fn try_ones_like(&self) -> Result<Self> {
        self.try_full_like(E::one())
    }
}

/// Values that describe a tensor literally: scalars and nested arrays, as `torch.tensor(...)`.
pub trait IntoTensor {
    /// The shape the literal has.
    type Shape: ConstShape;
    /// Its element type.
    type Elem: Dtype;
    /// The elements in row-major order.
    fn into_elements(self) -> Vec<Self::Elem>;
}

macro_rules! scalar_literal {
    ($($t:ty),*) => {$(
        impl IntoTensor for $t {
            type Shape = Rank0;
            type Elem = $t;
            fn into_elements(self) -> Vec<$t> {
                vec![self]
            }
        }
    )*};
}
scalar_literal!(f32, f64, i32, i64, bool);

impl<E: Dtype, const A: usize> IntoTensor for [E; A] {
    type Shape = Rank1<A>;
    type Elem = E;
    fn into_elements(self) -> Vec<E> {
        self.to_vec()
    }
}
impl<E: Dtype, const A: usize, const B: usize> IntoTensor for [[E; B]; A] {
    type Shape = Rank2<A, B>;
    type Elem = E;
    fn into_elements(self) -> Vec<E> {
        self.as_flattened().to_vec()
    }
}
impl<E: Dtype, const A: usize, const B: usize, const C: usize> IntoTensor for [[[E; C]; B]; A] {
    type Shape = Rank3<A, B, C>;
    type Elem = E;
    fn into_elements(self) -> Vec<E> {
        self.as_flattened().as_flattened().to_vec()
    }
}
impl<E: Dtype, const A: usize, const B: usize, const C: usize, const D: usize> IntoTensor
    for [[[[E; D]; C]; B]; A]
{
    type Shape = Rank4<A, B, C, D>;
    type Elem = E;
    fn into_elements(self) -> Vec<E> {
        self.as_flattened().as_flattened().as_flattened().to_vec()
    }
}

/// A CPU tensor from a literal, with the shape inferred: `torch.tensor([5.5, 3])`.
///
/// Rust infers unsuffixed float literals as `f64`; write `5.5f32` (or annotate the type)
/// for PyTorch's default `float32`.
/// ```
/// use typetensor::{tensor, Rank1, Rank2, Tensor};
/// let x: Tensor<Rank1<2>> = tensor([5.5f32, 3.0]);
/// assert_eq!(x.to_string(), "tensor([5.5000, 3.0000])");
/// let m = tensor([[1i64, 2], [3, 4]]); // Tensor<Rank2<2, 2>, i64>
/// let _: Tensor<Rank2<2, 2>, i64> = m;
/// ```
pub fn tensor<T: IntoTensor>(literal: T) -> Tensor<T::Shape, T::Elem, Cpu> {
    Tensor::from_storage(literal.into_elements(), T::Shape::default(), Cpu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_have_their_shape() {
        let x = tensor([[1i32, 2, 3], [4, 5, 6]]);
        assert_eq!(x.shape(), [2, 3]);
        assert_eq!(x.to_vec(), vec![1, 2, 3, 4, 5, 6]);
        let s = tensor(2.5f64);
        assert_eq!(s.shape(), [0usize; 0]);
        let c = tensor([[[[true]]]]);
        assert_eq!(c.shape(), [1, 1, 1, 1]);
    }

    #[test]
    fn from_vec_checks_length() {
        assert!(matches!(
            Tensor::<Rank2<2, 3>>::from_vec(vec![0.0; 7]),
            Err(Error::LengthMismatch {
                expected: 6,
                found: 7,
                ..
            })
        ));
        let t = Tensor::<Rank1<3>, i64>::from_vec(vec![1, 2, 3]).unwrap();
        assert_eq!(t.to_vec(), vec![1, 2, 3]);
    }

    #[test]
    fn constants_and_likes() {
        assert_eq!(Tensor::<Rank1<3>>::ones().to_vec(), vec![1.0; 3]);
        assert_eq!(Tensor::<Rank1<4>, i64>::arange().to_vec(), vec![0, 1, 2, 3]);
        assert_eq!(
            Tensor::<Rank1<3>>::arange_with(1.0, 0.5).to_vec(),
            vec![1.0, 1.5, 2.0]
        );
        let x = Tensor::<Rank2<2, 2>, bool>::zeros();
        assert_eq!(x.to_vec(), vec![false; 4]);
        let y = x.new_ones_dtype::<Rank1<2>, i32>();
        assert_eq!(y.to_vec(), vec![1, 1]);
        assert_eq!(y.full_like(7).to_vec(), vec![7, 7]);
        assert_eq!(y.zeros_like().to_vec(), vec![0, 0]);
    }
}
