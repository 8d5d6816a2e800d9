//! Elementwise ops of one tensor: scalar arithmetic (`x * 2.0`, `2.0 - x`), `abs`,
//! `relu`, `clamp`, and the float functions `exp`, `log`, `sqrt`, `pow`, `sigmoid`, `tanh`.
//! Every op keeps the shape, so there is no shape rule to check.
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use crate::Result;
use crate::device::{Device, DeviceStorage};
use crate::dtype::{FloatDtype, NumDtype};
use crate::layout::Layout;
use crate::shape::Shape;
use crate::tensor::{Tensor, expect_device};

mod backward;
pub(crate) mod cpu;
#[cfg(test)]
mod tests;

/// An elementwise op valid for every numeric type.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryOp<E> {
    /// `-x`
    Neg,
    /// `x.abs()`
    Abs,
    /// `x.relu()`: `max(x, 0)` (its gradient is 0 at 0, unlike `clamp(min=0)`'s)
    Relu,
    /// `x.clamp(min, max)`, either bound optional (`relu` is `clamp(min=0)`)
    Clamp(Option<E>, Option<E>),
    /// `x + s`
    AddScalar(E),
    /// `x - s`
    SubScalar(E),
    /// `s - x`
    ScalarSub(E),
    /// `x * s`
    MulScalar(E),
}

/// An elementwise op valid for floating-point types.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FloatUnaryOp<E> {
    /// `x.exp()`
    Exp,
    /// `x.log()`
    Log,
    /// `x.sqrt()`
    Sqrt,
    /// `x.pow(p)`
    Pow(E),
    /// `x.sigmoid()`
    Sigmoid,
    /// `x.tanh()`
    Tanh,
    /// `x / s`
    DivScalar(E),
    /// `s / x`
    ScalarDiv(E),
}

/// Kernels for [`UnaryOp`] and [`FloatUnaryOp`].
pub trait UnaryKernel: DeviceStorage {
    /// `op(x)` elementwise into new contiguous storage.
    fn unary<E: NumDtype>(
        &self,
        op: UnaryOp<E>,
        x: &Self::Storage<E>,
        l: &Layout,
    ) -> Result<Self::Storage<E>>;
    /// `op(x)` elementwise into new contiguous storage, for floats.
    fn unary_float<E: FloatDtype>(
        &self,
        op: FloatUnaryOp<E>,
        x: &Self::Storage<E>,
        l: &Layout,
    ) -> Result<Self::Storage<E>>;
}

impl<S: Shape, E: NumDtype, D: Device> Tensor<S, E, D> {
    /// Applies `op`, with device errors returned.
    pub fn try_unary(&self, op: UnaryOp<E>) -> Result<Self> {
        let storage = self.device.unary(op, &self.storage, &self.layout)?;
        Ok(backward::record(self.with_storage(storage), op, self))
    }

    fn unary_op(&self, op: UnaryOp<E>) -> Self {
        expect_device(self.try_unary(op))
    }

    /// `x.abs()`.
    pub fn abs(&self) -> Self {
        self.unary_op(UnaryOp::Abs)
    }

    /// `x.neg()`: the same as `-&x`.
    pub fn neg(&self) -> Self {
        self.unary_op(UnaryOp::Neg)
    }

    /// `x.clamp(min=min, max=max)`: either bound may be `None`. NaN stays NaN.
    ///
    /// ```
    /// use typetensor::tensor;
    /// let h = tensor([-1.0f32, 0.5, 2.0]);
    /// assert_eq!(h.clamp(Some(0.0), None).to_vec(), vec![0.0, 0.5, 2.0]); // h.clamp(min=0)
    /// ```
    pub fn clamp(&self, min: Option<E>, max: Option<E>) -> Self {
        self.unary_op(UnaryOp::Clamp(min, max))
    }

    /// `x.clamp(min=min)`.
    pub fn clamp_min(&self, min: E) -> Self {
        self.clamp(Some(min), None)
    }

    /// `x.clamp(max=max)`.
    pub fn clamp_max(&self, max: E) -> Self {
        self.clamp(None, Some(max))
    }

    /// `x.relu()` / `torch.relu(x)`: `max(x, 0)`.
    pub fn relu(&self) -> Self {
        self.unary_op(UnaryOp::Relu)
    }

    /// `x + s` for a scalar `s` (generic code's spelling of the `+` operator).
    pub fn add_scalar(&self, s: E) -> Self {
        self.unary_op(UnaryOp::AddScalar(s))
    }

    /// `x - s` for a scalar `s`.
    pub fn sub_scalar(&self, s: E) -> Self {
        self.unary_op(UnaryOp::SubScalar(s))
    }

    /// `x * s` for a scalar `s`.
    pub fn mul_scalar(&self, s: E) -> Self {
        self.unary_op(UnaryOp::MulScalar(s))
    }

    /// `x.add_(s)` with a scalar: adds in place.
    pub fn add_scalar_(&mut self, s: E) -> &mut Self {
        let new = self.unary_op(UnaryOp::AddScalar(s));
        self.assign(new);
        self
    }

    /// `x.mul_(s)` with a scalar: scales in place.
    pub fn mul_scalar_(&mut self, s: E) -> &mut Self {
        let new = self.unary_op(UnaryOp::MulScalar(s));
        self.assign(new);
        self
    }

    /// `x.clamp_(min, max)`: clamps in place.
    pub fn clamp_(&mut self, min: Option<E>, max: Option<E>) -> &mut Self {
        let new = self.clamp(min, max);
        self.assign(new);
        self
    }

    /// `x.zero_()`: sets every element to zero in place.
    pub fn zero_(&mut self) -> &mut Self {
        let new = self.zeros_like();
        self.assign(new);
        self
    }

    /// `x.fill_(v)`: sets every element to `v` in place.
    pub fn fill_(&mut self, v: E) -> &mut Self {
        let new = self.full_like(v);
        self.assign(new);
        self
    }
}

impl<S: Shape, E: FloatDtype, D: Device> Tensor<S, E, D> {
    /// Applies a float `op`, with device errors returned.
    pub fn try_unary_float(&self, op: FloatUnaryOp<E>) -> Result<Self> {
        let storage = self.device.unary_float(op, &self.storage, &self.layout)?;
        Ok(backward::record_float(self.with_storage(storage), op, self))
    }

    fn float_op(&self, op: FloatUnaryOp<E>) -> Self {
        expect_device(self.try_unary_float(op))
    }

    /// `x.exp()`.
    pub fn exp(&self) -> Self {
        self.float_op(FloatUnaryOp::Exp)
    }

    /// `x.log()` (natural logarithm; `-inf` at 0, NaN below).
    pub fn log(&self) -> Self {
        self.float_op(FloatUnaryOp::Log)
    }

    /// `x.sqrt()`.
    pub fn sqrt(&self) -> Self {
        self.float_op(FloatUnaryOp::Sqrt)
    }

    /// `x.pow(p)` with a scalar exponent (`pow(2)` is an exact square).
    ///
    /// ```
    /// use typetensor::tensor;
    /// assert_eq!(tensor([3.0f32, -2.0]).pow(2.0).to_vec(), vec![9.0, 4.0]);
    /// ```
    pub fn pow(&self, p: E) -> Self {
        self.float_op(FloatUnaryOp::Pow(p))
    }

    /// `x.sigmoid()`.
    pub fn sigmoid(&self) -> Self {
        self.float_op(FloatUnaryOp::Sigmoid)
    }

    /// `x.tanh()`.
    pub fn tanh(&self) -> Self {
        self.float_op(FloatUnaryOp::Tanh)
    }

    /// `x / s` for a scalar `s` (generic code's spelling of the `/` operator).
    pub fn div_scalar(&self, s: E) -> Self {
        self.float_op(FloatUnaryOp::DivScalar(s))
    }

    /// `x.div_(s)` with a scalar: divides in place.
    pub fn div_scalar_(&mut self, s: E) -> &mut Self {
        let new = self.float_op(FloatUnaryOp::DivScalar(s));
        self.assign(new);
        self
    }
}

impl<S: Shape, E: NumDtype, D: Device> Neg for &Tensor<S, E, D> {
    type Output = Tensor<S, E, D>;
    fn neg(self) -> Tensor<S, E, D> {
        self.unary_op(UnaryOp::Neg)
    }
}
impl<S: Shape, E: NumDtype, D: Device> Neg for Tensor<S, E, D> {
    type Output = Tensor<S, E, D>;
    fn neg(self) -> Tensor<S, E, D> {
        self.unary_op(UnaryOp::Neg)
    }
}

// `x op s` and `s op x` for each concrete element type (a blanket `impl<E> Mul<Tensor> for E`
// is not allowed for foreign `E`), owned and borrowed, plus `x op= s`.
macro_rules! scalar_operators {
    ($t:ty, $($extra:tt)*) => {
        scalar_operators!(@num $t, Add, add, AddAssign, add_assign, AddScalar, AddScalar);
        scalar_operators!(@num $t, Mul, mul, MulAssign, mul_assign, MulScalar, MulScalar);
        scalar_operators!(@num $t, Sub, sub, SubAssign, sub_assign, SubScalar, ScalarSub);
        $($extra)*
    };
    (@num $t:ty, $tr:ident, $m:ident, $atr:ident, $am:ident, $right:ident, $left:ident) => {
        impl<S: Shape, D: Device> $tr<$t> for &Tensor<S, $t, D> {
            type Output = Tensor<S, $t, D>;
            fn $m(self, s: $t) -> Tensor<S, $t, D> {
                self.unary_op(UnaryOp::$right(s))
            }
        }
        impl<S: Shape, D: Device> $tr<$t> for Tensor<S, $t, D> {
            type Output = Tensor<S, $t, D>;
            fn $m(self, s: $t) -> Tensor<S, $t, D> {
                self.unary_op(UnaryOp::$right(s))
            }
        }
        impl<S: Shape, D: Device> $tr<&Tensor<S, $t, D>> for $t {
            type Output = Tensor<S, $t, D>;
            fn $m(self, x: &Tensor<S, $t, D>) -> Tensor<S, $t, D> {
                x.unary_op(UnaryOp::$left(self))
            }
        }
        impl<S: Shape, D: Device> $tr<Tensor<S, $t, D>> for $t {
            type Output = Tensor<S, $t, D>;
            fn $m(self, x: Tensor<S, $t, D>) -> Tensor<S, $t, D> {
                x.unary_op(UnaryOp::$left(self))
            }
        }
        impl<S: Shape, D: Device> $atr<$t> for Tensor<S, $t, D> {
            fn $am(&mut self, s: $t) {
                let new = self.unary_op(UnaryOp::$right(s));
        self.assign(new);
            }
        }
    };
    (@div $t:ty) => {
        impl<S: Shape, D: Device> Div<$t> for &Tensor<S, $t, D> {
            type Output = Tensor<S, $t, D>;
            fn div(self, s: $t) -> Tensor<S, $t, D> {
                self.float_op(FloatUnaryOp::DivScalar(s))
            }
        }
        impl<S: Shape, D: Device> Div<$t> for Tensor<S, $t, D> {
            type Output = Tensor<S, $t, D>;
            fn div(self, s: $t) -> Tensor<S, $t, D> {
                self.float_op(FloatUnaryOp::DivScalar(s))
            }
        }
        impl<S: Shape, D: Device> Div<&Tensor<S, $t, D>> for $t {
            type Output = Tensor<S, $t, D>;
            fn div(self, x: &Tensor<S, $t, D>) -> Tensor<S, $t, D> {
                x.float_op(FloatUnaryOp::ScalarDiv(self))
            }
        }
        impl<S: Shape, D: Device> Div<Tensor<S, $t, D>> for $t {
            type Output = Tensor<S, $t, D>;
            fn div(self, x: Tensor<S, $t, D>) -> Tensor<S, $t, D> {
                x.float_op(FloatUnaryOp::ScalarDiv(self))
            }
        }
        impl<S: Shape, D: Device> DivAssign<$t> for Tensor<S, $t, D> {
            fn div_assign(&mut self, s: $t) {
                let new = self.float_op(FloatUnaryOp::DivScalar(s));
        self.assign(new);
            }
        }
    };
}
scalar_operators!(f32, scalar_operators!(@div f32););
scalar_operators!(f64, scalar_operators!(@div f64););
scalar_operators!(i32,);
scalar_operators!(i64,);
