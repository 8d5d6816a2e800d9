//! Run-time dimensions ([`DYN`]): making tensors whose sizes come from data, and the
//! explicit conversions between static and run-time dimensions.
//!
//! A static dimension never turns into a run-time one implicitly (adding a `Rank2<DYN, 4>`
//! to a `Rank2<64, 4>` does not compile): [`to_dyn`](Tensor::to_dyn) forgets a size for
//! free, [`try_into_shape`](Tensor::try_into_shape) states one and checks it at run time.
use crate::Result;
use crate::device::{Cpu, Device};
use crate::dtype::{Dtype, FloatDtype, NumDtype};
use crate::error::Error;
use crate::shape::axis::ReplaceDim;
use crate::shape::msg::Msg;
use crate::shape::typenum_bridge::Dim;
use crate::shape::{DYN, Dims, Rank0, Rank1, Rank2, Rank3, Rank4, Shape, shape_from_dims};

use super::{Tensor, expect_device};

/// Shapes a tensor of shape `Self` can be re-typed as by
/// [`try_into_shape`](Tensor::try_into_shape): any shape of the same rank (each dimension is
/// checked at run time; two static sizes that differ fail the build).
#[diagnostic::on_unimplemented(
    message = "cannot re-type a `{Self}` tensor as `{T}`: the ranks differ",
    label = "`into_shape` keeps the rank and states (or forgets) sizes",
    note = "to change the number of dimensions use `view`, `reshape`, `flatten` or `unsqueeze`"
)]
pub trait IntoShape<T: Shape>: Shape {}

macro_rules! into_shape {
    ($rank:ident [$($a:ident),*] [$($b:ident),*]) => {
        #[diagnostic::do_not_recommend]
        impl<$(const $a: usize,)* $(const $b: usize),*> IntoShape<$rank<$($b),*>> for $rank<$($a),*> {}
    };
}
into_shape!(Rank0 [] []);
into_shape!(Rank1[A][X]);
into_shape!(Rank2 [A, B] [X, Y]);
into_shape!(Rank3 [A, B, C] [X, Y, Z]);
into_shape!(Rank4 [A, B, C, D] [X, Y, Z, W]);
// An unusable second impl (see `ShapeProbe`), so that a rank mismatch uses the message above.
#[diagnostic::do_not_recommend]
impl<S: Shape> IntoShape<crate::shape::ShapeProbe> for S {}

/// The build error of an `into_shape` between two static sizes that differ: it could
/// never succeed, so it is not left to run time.
const fn static_mismatch(a: &[usize], b: &[usize]) -> Option<Msg> {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != DYN && b[i] != DYN && a[i] != b[i] {
            return Some(
                Msg::new()
                    .s("into_shape: a tensor of shape ")
                    .dims(a)
                    .s(" can never have shape ")
                    .dims(b)
                    .s(": dimension ")
                    .u(i)
                    .s(" is static in both and differs"),
            );
        }
        i += 1;
    }
    None
}

/// # Run-time dimensions
impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// The same tensor with dimension `AX` known only at run time ([`DYN`]): free (no copy,
    /// no check). Use it to pass a static batch where a run-time one is expected, say to
    /// `cat` a fixed-size batch onto a run-time one.
    ///
    /// ```
    /// use typetensor::{DYN, Rank2, Tensor};
    /// let x = Tensor::<Rank2<64, 4>>::ones();
    /// let y: Tensor<Rank2<DYN, 4>> = x.to_dyn::<0>();
    /// assert_eq!(y.shape(), [64, 4]);
    /// ```
    pub fn to_dyn<const AX: usize>(&self) -> Tensor<<S as ReplaceDim<AX, Dim<DYN>>>::Out, E, D>
    where
        S: ReplaceDim<AX, Dim<DYN>>,
    {
        self.retyped()
    }

    /// This tensor as shape `T` of the same rank, each dimension checked at run time: the
    /// way from a run-time dimension to a static one (`Rank2<DYN, 4>` to `Rank2<64, 4>`),
    /// and back. `Err` names both shapes when a size differs; two static sizes that differ
    /// fail the build instead (the conversion could never succeed).
    ///
    /// ```
    /// use typetensor::{DYN, Rank2, Tensor};
    /// let x = Tensor::<Rank2<DYN, 4>>::zeros_dims(&[64, 4]).unwrap();
    /// let y: Tensor<Rank2<64, 4>> = x.try_into_shape().unwrap();
    /// assert!(x.try_into_shape::<Rank2<32, 4>>().is_err());
    /// # let _ = y;
    /// ```
    pub fn try_into_shape<T: Shape>(&self) -> Result<Tensor<T, E, D>>
    where
        S: IntoShape<T>,
    {
        const {
            if let Some(m) = static_mismatch(S::TYPE_DIMS, T::TYPE_DIMS) {
                panic!("{}", m.as_str())
            }
        }
        let dims = self.dims();
        if T::from_dims(&dims).is_none() {
            return Err(Error::IncompatibleShapes {
                op: "into_shape",
                lhs: dims.as_slice().to_vec(),
                rhs: T::type_dims().as_slice().to_vec(),
                rule: "every static dimension of the target must equal the tensor's size",
            });
        }
        Ok(self.retyped())
    }

    /// [`try_into_shape`](Self::try_into_shape), panicking with its message on a mismatch.
    pub fn into_shape<T: Shape>(&self) -> Tensor<T, E, D>
    where
        S: IntoShape<T>,
    {
        // Also here, so that the build error points at the caller's `into_shape`.
        const {
            if let Some(m) = static_mismatch(S::TYPE_DIMS, T::TYPE_DIMS) {
                panic!("{}", m.as_str())
            }
        }
        expect_device(self.try_into_shape::<T>())
    }

    /// The same storage, layout and graph position under another shape type whose
    /// `from_dims` accepts these dims (callers check).
    fn retyped<T: Shape>(&self) -> Tensor<T, E, D> {
        let out = self.view_as(
            crate::ops::transpose::shape_of::<T>(&self.layout),
            self.layout,
        );
        // A re-typing changes nothing autograd sees: the gradient passes through as it is.
        out.record1("AliasBackward0", self, |g| Ok(g.clone()))
    }
}

/// # Creation with run-time sizes
///
/// The `_dims` constructors take every dimension, static ones included (they must equal the
/// type's), so that the call reads as PyTorch's `torch.zeros(n, 4)`.
impl<S: Shape, E: Dtype, D: Device> Tensor<S, E, D> {
    /// A tensor of shape `dims` filled with `value` on `device`: `torch.full((n, 4), value,
    /// device=device)`. `Err` if `dims` do not fit the type (or the device fails).
    pub fn try_full_dims_on(dims: &[usize], value: E, device: &D) -> Result<Self> {
        let shape: S = shape_from_dims(dims)?;
        let storage = device.alloc_filled(shape.numel(), value)?;
        Ok(Self::from_storage(storage, shape, device.clone()))
    }
}

impl<S: Shape, E: Dtype> Tensor<S, E, Cpu> {
    /// `torch.full((n, 4), value)`: `Err` if `dims` do not fit the type.
    pub fn full_dims(dims: &[usize], value: E) -> Result<Self> {
        Self::try_full_dims_on(dims, value, &Cpu)
    }

    /// `torch.zeros(n, 4)` for a shape with run-time dimensions.
    ///
    /// ```
    /// use typetensor::{DYN, Rank2, Tensor};
    /// let x = Tensor::<Rank2<DYN, 4>>::zeros_dims(&[3, 4]).unwrap();
    /// assert_eq!(x.shape(), [3, 4]);
    /// assert!(Tensor::<Rank2<DYN, 4>>::zeros_dims(&[3, 5]).is_err()); // 5 is not 4
    /// ```
    pub fn zeros_dims(dims: &[usize]) -> Result<Self> {
        Self::full_dims(dims, E::default())
    }

    /// A tensor holding `data` in row-major order, of shape `dims`:
    /// `torch.tensor(data).view(n, 4)`. `Err` if the dims do not fit the type or the length.
    pub fn from_vec_dims(data: Vec<E>, dims: &[usize]) -> Result<Self> {
        let shape: S = shape_from_dims(dims)?;
        if data.len() != shape.numel() {
            return Err(Error::LengthMismatch {
                shape: dims.to_vec(),
                expected: shape.numel(),
                found: data.len(),
            });
        }
        Ok(Self::from_storage(data, shape, Cpu))
    }
}

impl<S: Shape, E: NumDtype> Tensor<S, E, Cpu> {
    /// `torch.ones(n, 4)` for a shape with run-time dimensions.
    pub fn ones_dims(dims: &[usize]) -> Result<Self> {
        Self::full_dims(dims, E::one())
    }
}

impl<S: Shape, E: FloatDtype> Tensor<S, E, Cpu> {
    /// `torch.rand(n, 4)`: uniform samples from [0, 1), shape given at run time.
    pub fn rand_dims(dims: &[usize]) -> Result<Self> {
        let shape: S = shape_from_dims(dims)?;
        Ok(Self::from_storage(
            super::random::sample(shape.numel(), false),
            shape,
            Cpu,
        ))
    }

    /// `torch.randn(n, 4)`: standard normal samples, shape given at run time.
    pub fn randn_dims(dims: &[usize]) -> Result<Self> {
        let shape: S = shape_from_dims(dims)?;
        Ok(Self::from_storage(
            super::random::sample(shape.numel(), true),
            shape,
            Cpu,
        ))
    }
}

/// The shape of type `S` holding `numel` elements: the type's own for a static shape; with
/// one [`DYN`] dimension, that dimension is inferred (as PyTorch's `-1`). `None` if no such
/// shape exists (or two or more dimensions are left to run time).
pub(crate) fn infer_shape<S: Shape>(numel: usize) -> Option<S> {
    let ty = S::type_dims();
    let known: usize = ty.as_slice().iter().filter(|&&d| d != DYN).product();
    let unknown = ty.as_slice().iter().filter(|&&d| d == DYN).count();
    let mut d = ty.as_slice().to_vec();
    match unknown {
        0 if known == numel => {}
        1 if known > 0 && numel.is_multiple_of(known) => {
            for x in d.iter_mut().filter(|x| **x == DYN) {
                *x = numel / known;
            }
        }
        _ => return None,
    }
    Dims::new(&d).and_then(|dims| S::from_dims(&dims))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DYN, Rank2, tensor};

    #[test]
    fn to_dyn_and_back() {
        let x = tensor([[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]]);
        let d: Tensor<Rank2<DYN, 2>> = x.to_dyn::<0>();
        assert_eq!(d.shape(), [3, 2]);
        let back: Tensor<Rank2<3, 2>> = d.try_into_shape().unwrap();
        assert_eq!(back.to_vec(), x.to_vec());
        let err = d.try_into_shape::<Rank2<4, 2>>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "into_shape: shapes [3, 2] and [4, 2] do not fit: every static dimension of the target must equal the tensor's size"
        );
        let both: Tensor<Rank2<DYN, DYN>> = d.to_dyn::<1>();
        assert_eq!(both.shape(), [3, 2]);
    }

    #[test]
    fn gradient_passes_through_conversions() {
        let w = tensor([[1.0f64, 2.0], [3.0, 4.0]]).requires_grad_();
        let y = w.to_dyn::<0>().into_shape::<Rank2<2, 2>>().pow(2.0).sum();
        y.backward();
        assert_eq!(w.grad().unwrap().to_vec(), vec![2.0, 4.0, 6.0, 8.0]);
    }

    #[test]
    fn dims_constructors() {
        let x = Tensor::<Rank2<DYN, 3>, i64>::ones_dims(&[2, 3]).unwrap();
        assert_eq!(x.to_vec(), vec![1; 6]);
        assert!(matches!(
            Tensor::<Rank2<DYN, 3>>::zeros_dims(&[2, 4]),
            Err(Error::ShapeMismatch { .. })
        ));
        assert!(Tensor::<Rank2<DYN, 3>>::zeros_dims(&[2]).is_err());
        let r = Tensor::<Rank2<DYN, DYN>>::randn_dims(&[5, 7]).unwrap();
        assert_eq!(r.shape(), [5, 7]);
        let v = Tensor::<Rank2<DYN, DYN>>::from_vec_dims(vec![0.0; 6], &[2, 3]).unwrap();
        assert_eq!(v.shape(), [2, 3]);
        assert!(Tensor::<Rank2<DYN, DYN>>::from_vec_dims(vec![0.0; 5], &[2, 3]).is_err());
    }

    #[test]
    fn infers_one_run_time_dimension() {
        assert_eq!(
            infer_shape::<Rank2<DYN, 4>>(12).unwrap().dims().as_slice(),
            &[3, 4]
        );
        assert!(infer_shape::<Rank2<DYN, 4>>(13).is_none());
        assert!(infer_shape::<Rank2<DYN, DYN>>(12).is_none());
        assert!(infer_shape::<Rank2<3, 4>>(11).is_none());
        assert_eq!(infer_shape::<Rank2<DYN, 0>>(0), None);
    }
}
