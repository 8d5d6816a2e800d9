//! Element types: which Rust types a tensor can hold, and what each one can do.
//!
//! `Dtype` is every element type (f32, f64, i32, i64, bool); `NumDtype` adds arithmetic
//! (not bool); `FloatDtype` adds `exp`, `sqrt`, random sampling and the rest (f32, f64).
use std::fmt::Debug;

use rand::Rng;
use rand_distr::{Distribution, StandardNormal, StandardUniform};

/// The element type as a run-time value, for device dispatch and printing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    /// `torch.float32`
    F32,
    /// `torch.float64` (`torch.double`)
    F64,
    /// `torch.int32`
    I32,
    /// `torch.int64` (`torch.long`)
    I64,
    /// `torch.bool`
    Bool,
}

impl DType {
    /// PyTorch's name, as `x.dtype` prints it.
    pub const fn torch_name(self) -> &'static str {
        match self {
            DType::F32 => "torch.float32",
            DType::F64 => "torch.float64",
            DType::I32 => "torch.int32",
            DType::I64 => "torch.int64",
            DType::Bool => "torch.bool",
        }
    }
}

impl DType {
    /// Whether this is a floating-point type.
    pub const fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.torch_name())
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
    impl Sealed for i32 {}
    impl Sealed for i64 {}
    impl Sealed for bool {}
}

/// Any element type a tensor can hold. Sealed: the kernels know every one of them.
pub trait Dtype:
    Copy
    + Default
    + PartialEq
    + PartialOrd
    + Debug
    + Send
    + Sync
    + 'static
    + sealed::Sealed
    + crate::print::PrintElement
    + crate::npy::NpyElement
    + crate::autograd::GradOps
    + crate::device::DeviceElement
{
    /// The run-time tag of this type.
    const DTYPE: DType;
}

/// Element types with arithmetic: f32, f64, i32, i64.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a numeric element type",
    label = "arithmetic needs `f32`, `f64`, `i32` or `i64` elements",
    note = "a `bool` tensor is a mask: convert it first (`mask.long()`, `mask.float()`), as PyTorch does implicitly"
)]
pub trait NumDtype:
    Dtype
    + num_traits::Num
    + num_traits::NumCast
    + num_traits::Bounded
    + std::ops::Neg<Output = Self>
    + std::ops::AddAssign
    + std::iter::Sum
    + crate::ops::matmul::cpu::CpuGemm
{
    /// The value as f64, for the rare places (printing, `mean` of integers) that need it.
    fn to_f64(self) -> f64;
    /// `self + rhs`, wrapping on integer overflow as PyTorch does (Rust's `+` panics in
    /// debug builds, and the library must not panic on user data).
    fn wadd(self, rhs: Self) -> Self;
    /// `self - rhs`, wrapping on integer overflow.
    fn wsub(self, rhs: Self) -> Self;
    /// `self * rhs`, wrapping on integer overflow.
    fn wmul(self, rhs: Self) -> Self;
    /// `-self`, wrapping on integer overflow (`-i32::MIN` is `i32::MIN`).
    fn wneg(self) -> Self;
}

/// Element types that can be summed, and the type of their sum: PyTorch's promotion, so
/// `i32` and `bool` tensors sum to `i64` (`[i32::MAX, 1].sum()` is 2147483648, not a
/// wrapped `i32`), while floats and `i64` keep their type.
pub trait SumDtype: Dtype {
    /// The element type of a sum: `i64` for `i32`, `i64` and `bool`; the type itself for
    /// floats.
    type Sum: NumDtype + CastTo<Self>;
    /// The element as a term of the sum (`true` is 1).
    fn widen(self) -> Self::Sum;
}

macro_rules! sum_dtype {
    ($($t:ty => $s:ty),*) => {$(
        impl SumDtype for $t {
            type Sum = $s;
            #[inline]
            fn widen(self) -> $s {
                <$s>::from(self)
            }
        }
    )*};
}
sum_dtype!(f32 => f32, f64 => f64, i32 => i64, i64 => i64, bool => i64);

/// Floating-point element types: f32, f64.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a floating-point element type",
    label = "only `f32` and `f64` are allowed here",
    note = "layers, gradients, `/` and float functions need `f32` or `f64` elements; where PyTorch promotes integers, convert explicitly: `x.float()` or `x.double()`"
)]
pub trait FloatDtype: NumDtype + num_traits::Float + SumDtype<Sum = Self> {
    /// One sample from U[0, 1), as `torch.rand`.
    fn sample_uniform<R: Rng + ?Sized>(rng: &mut R) -> Self;
    /// One sample from N(0, 1), as `torch.randn`.
    fn sample_normal<R: Rng + ?Sized>(rng: &mut R) -> Self;
    /// Converts an f64 (a learning rate, a `linspace` step) to this type.
    fn from_f64(v: f64) -> Self;
    /// The error function (`torch.erf`), for the exact `gelu`.
    fn erf(self) -> Self;
    /// Rounds to the nearest integer, ties to even, as `torch.round`.
    fn round_half_even(self) -> Self;
}

macro_rules! dtype {
    ($t:ty, $d:ident) => {
        impl Dtype for $t {
            const DTYPE: DType = DType::$d;
        }
    };
}
dtype!(f32, F32);
dtype!(f64, F64);
dtype!(i32, I32);
dtype!(i64, I64);
dtype!(bool, Bool);

macro_rules! num_dtype {
    (float $($t:ty),*) => {$(
        impl NumDtype for $t {
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn wadd(self, rhs: Self) -> Self {
                self + rhs
            }
            fn wsub(self, rhs: Self) -> Self {
                self - rhs
            }
            fn wmul(self, rhs: Self) -> Self {
                self * rhs
            }
            fn wneg(self) -> Self {
                -self
            }
        }
    )*};
    (int $($t:ty),*) => {$(
        impl NumDtype for $t {
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn wadd(self, rhs: Self) -> Self {
                self.wrapping_add(rhs)
            }
            fn wsub(self, rhs: Self) -> Self {
                self.wrapping_sub(rhs)
            }
            fn wmul(self, rhs: Self) -> Self {
                self.wrapping_mul(rhs)
            }
            fn wneg(self) -> Self {
                self.wrapping_neg()
            }
        }
    )*};
}
num_dtype!(float f32, f64);
num_dtype!(int i32, i64);

macro_rules! float_dtype {
    ($($t:ty: $erf:path),*) => {$(
        impl FloatDtype for $t {
            fn sample_uniform<R: Rng + ?Sized>(rng: &mut R) -> Self {
                StandardUniform.sample(rng)
            }
            fn sample_normal<R: Rng + ?Sized>(rng: &mut R) -> Self {
                StandardNormal.sample(rng)
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn erf(self) -> Self {
                $erf(self)
            }
            fn round_half_even(self) -> Self {
                self.round_ties_even()
            }
        }
    )*};
}
float_dtype!(f32: libm::erff, f64: libm::erf);

/// A conversion between element types with PyTorch's `.to(dtype)` semantics: floats to
/// integers truncate toward zero (saturating at the integer range, where PyTorch's result is
/// undefined), anything to bool is `!= 0`, bool to numbers is 0 or 1.
pub trait CastTo<T: Dtype>: Dtype {
    /// Converts one element.
    fn cast(self) -> T;
}

macro_rules! cast_num {
    ($($from:ty => $($to:ty),*);*) => {$($(
        impl CastTo<$to> for $from {
            #[allow(clippy::unnecessary_cast)]
            fn cast(self) -> $to {
                self as $to
            }
        }
    )*)*};
}
cast_num! {
    f32 => f32, f64, i32, i64;
    f64 => f32, f64, i32, i64;
    i32 => f32, f64, i32, i64;
    i64 => f32, f64, i32, i64
}

macro_rules! cast_bool {
    ($($t:ty),*) => {$(
        impl CastTo<bool> for $t {
            #[allow(clippy::float_cmp)]
            fn cast(self) -> bool {
                self != (0 as $t)
            }
        }
        impl CastTo<$t> for bool {
            fn cast(self) -> $t {
                self as u8 as $t
            }
        }
    )*};
}
cast_bool!(f32, f64, i32, i64);

impl CastTo<bool> for bool {
    fn cast(self) -> bool {
        self
    }
}
