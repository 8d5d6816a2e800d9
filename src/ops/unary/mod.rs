//! Elementwise ops of one tensor: scalar arithmetic (`x * 2.0`, `2.0 - x`), `abs`,
//! `relu`, `clamp`, and the float functions `exp`, `log`, `sqrt`, `pow`, `sigmoid`, `tanh`,
//! `sin`, `cos`, `exp2`, `log1p`, `expm1`, `rsqrt`, `sign`, `floor`, `round` (and the
//! activations `nn::functional::{gelu, leaky_relu}` apply).
//! Every op keeps the shape, so there is no shape rule to check.
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use crate::Result;
use crate::device::{Device, DeviceStorage};
use crate::dtype::{FloatDtype, NumDtype};
use crate::layout::Layout;
use crate::ops::compare::{CmpOp, CompareKernel};
use crate::ops::copy::CopyKernel;
use crate::shape::Dims;
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
    /// `x.sin()`
    Sin,
    /// `x.cos()`
    Cos,
    /// `x.exp2()`: `2^x`
    Exp2,
    /// `x.log1p()`: `log(1 + x)`, accurate near 0
    Log1p,
    /// `x.expm1()`: `exp(x) - 1`, accurate near 0
    Expm1,
    /// `x.rsqrt()`: `1 / sqrt(x)`
    Rsqrt,
    /// `x.sign()`: -1, 0 or 1 (0 for NaN, as PyTorch)
    Sign,
    /// `x.floor()`
    Floor,
    /// `x.round()`: to the nearest integer, ties to even
    Round,
    /// `F.gelu(x)`: `x Φ(x)` with the exact normal CDF (`approximate='none'`)
    Gelu,
    /// `F.gelu(x, approximate='tanh')`
    GeluTanh,
    /// `F.leaky_relu(x, negative_slope)`: `x` where `x > 0`, else `negative_slope * x`
    LeakyRelu(E),
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
    /// `x = op(x)` in place over the elements `l` selects, which must be contiguous (the
    /// in-place forms call it when the storage is the tensor's alone). Returns whether it
    /// wrote `x`: a device without in-place kernels keeps this default, `Ok(false)`, and
    /// the op is computed out of place.
    fn unary_assign<E: NumDtype>(
        &self,
        op: UnaryOp<E>,
        x: &mut Self::Storage<E>,
        l: &Layout,
    ) -> Result<bool> {
        let _ = (op, x, l);
        Ok(false)
    }
    /// `x = op(x)` in place, for floats (see [`unary_assign`](Self::unary_assign)).
    fn unary_float_assign<E: FloatDtype>(
        &self,
        op: FloatUnaryOp<E>,
        x: &mut Self::Storage<E>,
        l: &Layout,
    ) -> Result<bool> {
        let _ = (op, x, l);
        Ok(false)
    }
    /// `g * op'(x)` elementwise: the gradient of a float op, from its input (0 for the
    /// piecewise-constant `sign`, `floor` and `round`, as PyTorch; `leaky_relu`'s slope at
    /// 0 is `negative_slope`). `lg` and `lx` have equal dims; the result is contiguous.
    fn unary_float_backward<E: FloatDtype>(
        &self,
        op: FloatUnaryOp<E>,
        g: &Self::Storage<E>,
        lg: &Layout,
        x: &Self::Storage<E>,
        lx: &Layout,
    ) -> Result<Self::Storage<E>>;
    /// The gradient of `clamp` and `relu` in one pass: `g` where `x` passed through
    /// unchanged, else 0. `x` passes where `x > min` (`min_exclusive`: relu's rule, whose
    /// gradient is 0 at 0) or `x >= min` (clamp's), and `x <= max`; a bound that is `None`
    /// always passes, a NaN never does. `lg` and `lx` have equal dims; the result is
    /// contiguous.
    ///
    /// The default builds the masks with `compare` and applies them with `select`, one
    /// pass per bound; a device overrides it with one fused loop.
    #[allow(clippy::too_many_arguments)]
    fn clamp_backward<E: NumDtype>(
        &self,
        g: &Self::Storage<E>,
        lg: &Layout,
        x: &Self::Storage<E>,
        lx: &Layout,
        min: Option<E>,
        max: Option<E>,
        min_exclusive: bool,
    ) -> Result<Self::Storage<E>>
    where
        Self: CompareKernel + CopyKernel,
    {
        clamp_backward_unfused(self, g, lg, x, lx, min, max, min_exclusive)
    }
}

/// [`UnaryKernel::clamp_backward`] from `compare` and `select`, for devices without a fused
/// kernel: one mask and one selection per bound.
#[allow(clippy::too_many_arguments)]
pub(crate) fn clamp_backward_unfused<D: DeviceStorage + CompareKernel + CopyKernel, E: NumDtype>(
    device: &D,
    g: &D::Storage<E>,
    lg: &Layout,
    x: &D::Storage<E>,
    lx: &Layout,
    min: Option<E>,
    max: Option<E>,
    min_exclusive: bool,
) -> Result<D::Storage<E>> {
    let dims = lg.dims();
    let dense = Layout::contiguous(dims);
    let scalar = Layout::contiguous(Dims::from_array([])).broadcast_to(dims);
    let zero = device.alloc_filled(1, E::zero())?;
    let lower = if min_exclusive { CmpOp::Gt } else { CmpOp::Ge };
    let mut out: Option<D::Storage<E>> = None;
    for (op, bound) in [(lower, min), (CmpOp::Le, max)] {
        let Some(bound) = bound else { continue };
        let bound = device.alloc_filled(1, bound)?;
        let keep = device.compare(op, x, lx, &bound, &scalar)?;
        let (src, ls) = match &out {
            Some(s) => (s, dense),
            None => (g, *lg),
        };
        out = Some(device.select(&keep, &dense, src, &ls, &zero, &scalar)?);
    }
    match out {
        Some(s) => Ok(s),
        None => device.contiguous(g, lg),
    }
}

/// Refuses `clamp(None, None)`, as PyTorch raises: a clamp without bounds is almost
/// certainly a mistake (a bound lost on the way), not a request for a copy.
fn check_op<E>(op: UnaryOp<E>) -> Result<()> {
    if let UnaryOp::Clamp(None, None) = op {
        return Err(crate::Error::InvalidArgument(
            "clamp: at least one of `min` and `max` must be given (both are `None`)".into(),
        ));
    }
    Ok(())
}

// The named ops as pairs: `$name` panics with a device error, `$try_name` returns it. Each
// line is `name / try_name(args) => op`, computed by `$apply` (out of place: `try_unary` or
// `try_unary_float`; in place: `try_unary_in_place` or `try_float_in_place`).
macro_rules! unary_twins {
    (out_of_place $apply:ident: $(
        $(#[$doc:meta])*
        $name:ident / $try_name:ident ($($arg:ident: $ty:ty),*) => $op:expr;
    )*) => {$(
        $(#[$doc])*
        pub fn $name(&self, $($arg: $ty),*) -> Self {
            expect_device(self.$try_name($($arg),*))
        }

        #[doc = twin_doc!($name)]
        pub fn $try_name(&self, $($arg: $ty),*) -> Result<Self> {
            self.$apply($op)
        }
    )*};
    (in_place $apply:ident: $(
        $(#[$doc:meta])*
        $name:ident / $try_name:ident ($($arg:ident: $ty:ty),*) => $op:expr;
    )*) => {$(
        $(#[$doc])*
        pub fn $name(&mut self, $($arg: $ty),*) -> &mut Self {
            expect_device(self.$try_name($($arg),*))
        }

        #[doc = twin_doc!($name)]
        pub fn $try_name(&mut self, $($arg: $ty),*) -> Result<&mut Self> {
            self.$apply($op)?;
            Ok(self)
        }
    )*};
}

impl<S: Shape, E: NumDtype, D: Device> Tensor<S, E, D> {
    /// Applies `op`, with device errors returned (and `Err` for `Clamp(None, None)`).
    pub fn try_unary(&self, op: UnaryOp<E>) -> Result<Self> {
        check_op(op)?;
        let storage = self.device.unary(op, &self.storage, &self.layout)?;
        Ok(backward::record(self.with_storage(storage), op, self))
    }

    fn unary_op(&self, op: UnaryOp<E>) -> Self {
        expect_device(self.try_unary(op))
    }

    /// `self = op(self)`: in place when the storage is this tensor's alone and nothing is
    /// recorded, else out of place as [`assign`](Self::assign).
    fn try_unary_in_place(&mut self, op: UnaryOp<E>) -> Result<()> {
        check_op(op)?;
        self.check_in_place()?;
        let written = self.write_in_place(&[], |device, storage, l| {
            device.unary_assign(op, storage, l)
        });
        match written {
            Some(done) => done,
            None => {
                let new = self.try_unary(op)?;
                self.assign(new)
            }
        }
    }

    fn unary_in_place(&mut self, op: UnaryOp<E>) {
        expect_device(self.try_unary_in_place(op))
    }

    unary_twins! { out_of_place try_unary:
        /// `x.abs()`.
        abs / try_abs() => UnaryOp::Abs;

        /// `x.neg()`: the same as `-&x`.
        neg / try_neg() => UnaryOp::Neg;

        /// `x.clamp(min=min, max=max)`: either bound may be `None`, not both (then
        /// `try_clamp` returns `Err` and `clamp` panics, as PyTorch raises). NaN stays NaN.
        ///
        /// ```
        /// use typetensor::tensor;
        /// let h = tensor([-1.0f32, 0.5, 2.0]);
        /// assert_eq!(h.clamp(Some(0.0), None).to_vec(), vec![0.0, 0.5, 2.0]); // h.clamp(min=0)
        /// ```
        clamp / try_clamp(min: Option<E>, max: Option<E>) => UnaryOp::Clamp(min, max);

        /// `x.clamp(min=min)`.
        clamp_min / try_clamp_min(min: E) => UnaryOp::Clamp(Some(min), None);

        /// `x.clamp(max=max)`.
        clamp_max / try_clamp_max(max: E) => UnaryOp::Clamp(None, Some(max));

        /// `x.relu()` / `torch.relu(x)`: `max(x, 0)`.
        relu / try_relu() => UnaryOp::Relu;

        /// `x + s` for a scalar `s` (generic code's spelling of the `+` operator).
        add_scalar / try_add_scalar(s: E) => UnaryOp::AddScalar(s);

        /// `x - s` for a scalar `s`.
        sub_scalar / try_sub_scalar(s: E) => UnaryOp::SubScalar(s);

        /// `x * s` for a scalar `s`.
        mul_scalar / try_mul_scalar(s: E) => UnaryOp::MulScalar(s);
    }

    unary_twins! { in_place try_unary_in_place:
        /// `x.add_(s)` with a scalar: adds in place.
        add_scalar_ / try_add_scalar_(s: E) => UnaryOp::AddScalar(s);

        /// `x.mul_(s)` with a scalar: scales in place.
        mul_scalar_ / try_mul_scalar_(s: E) => UnaryOp::MulScalar(s);

        /// `x.clamp_(min, max)`: clamps in place (at least one bound, as `clamp`).
        clamp_ / try_clamp_(min: Option<E>, max: Option<E>) => UnaryOp::Clamp(min, max);
    }

    /// `x.zero_()`: sets every element to zero in place.
    pub fn zero_(&mut self) -> &mut Self {
        expect_device(self.try_zero_())
    }

    /// [`zero_`](Self::zero_) with device errors returned.
    pub fn try_zero_(&mut self) -> Result<&mut Self> {
        self.check_in_place()?;
        let new = self.try_zeros_like()?;
        self.assign(new)?;
        Ok(self)
    }

    /// `x.fill_(v)`: sets every element to `v` in place.
    pub fn fill_(&mut self, v: E) -> &mut Self {
        expect_device(self.try_fill_(v))
    }

    /// [`fill_`](Self::fill_) with device errors returned.
    pub fn try_fill_(&mut self, v: E) -> Result<&mut Self> {
        self.check_in_place()?;
        let new = self.try_full_like(v)?;
        self.assign(new)?;
        Ok(self)
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

    /// `self = op(self)`, in place where it may be (see `try_unary_in_place`).
    fn try_float_in_place(&mut self, op: FloatUnaryOp<E>) -> Result<()> {
        self.check_in_place()?;
        let written = self.write_in_place(&[], |device, storage, l| {
            device.unary_float_assign(op, storage, l)
        });
        match written {
            Some(done) => done,
            None => {
                let new = self.try_unary_float(op)?;
                self.assign(new)
            }
        }
    }

    fn float_in_place(&mut self, op: FloatUnaryOp<E>) {
        expect_device(self.try_float_in_place(op))
    }

    unary_twins! { out_of_place try_unary_float:
        /// `x.exp()`.
        exp / try_exp() => FloatUnaryOp::Exp;

        /// `x.log()` (natural logarithm; `-inf` at 0, NaN below).
        log / try_log() => FloatUnaryOp::Log;

        /// `x.sqrt()`.
        sqrt / try_sqrt() => FloatUnaryOp::Sqrt;

        /// `x.pow(p)` with a scalar exponent (`pow(2)` is an exact square).
        ///
        /// ```
        /// use typetensor::tensor;
        /// assert_eq!(tensor([3.0f32, -2.0]).pow(2.0).to_vec(), vec![9.0, 4.0]);
        /// ```
        pow / try_pow(p: E) => FloatUnaryOp::Pow(p);

        /// `x.sigmoid()`.
        sigmoid / try_sigmoid() => FloatUnaryOp::Sigmoid;

        /// `x.tanh()`.
        tanh / try_tanh() => FloatUnaryOp::Tanh;

        /// `x / s` for a scalar `s` (generic code's spelling of the `/` operator).
        div_scalar / try_div_scalar(s: E) => FloatUnaryOp::DivScalar(s);

        /// `x.sin()`.
        ///
        /// ```
        /// use typetensor::tensor;
        /// let x = tensor([0.0f64, std::f64::consts::FRAC_PI_2]);
        /// assert_eq!(x.sin().to_vec(), vec![0.0, 1.0]); // x.sin()
        /// ```
        sin / try_sin() => FloatUnaryOp::Sin;

        /// `x.cos()`.
        cos / try_cos() => FloatUnaryOp::Cos;

        /// `x.exp2()`: `2^x`.
        exp2 / try_exp2() => FloatUnaryOp::Exp2;

        /// `x.log1p()`: `log(1 + x)`, accurate for small `x`.
        log1p / try_log1p() => FloatUnaryOp::Log1p;

        /// `x.expm1()`: `exp(x) - 1`, accurate for small `x`.
        expm1 / try_expm1() => FloatUnaryOp::Expm1;

        /// `x.rsqrt()`: `1 / sqrt(x)`.
        rsqrt / try_rsqrt() => FloatUnaryOp::Rsqrt;

        /// `x.sign()`: -1, 0 or 1, and 0 for NaN (as PyTorch); its gradient is 0.
        sign / try_sign() => FloatUnaryOp::Sign;

        /// `x.floor()`; its gradient is 0.
        floor / try_floor() => FloatUnaryOp::Floor;

        /// `x.round()`: to the nearest integer, ties to even as PyTorch (`0.5` rounds to 0,
        /// `1.5` and `2.5` to 2); its gradient is 0.
        ///
        /// ```
        /// use typetensor::tensor;
        /// let x = tensor([0.5f32, 1.5, 2.5, -0.5]);
        /// assert_eq!(x.round().to_vec(), vec![0.0, 2.0, 2.0, -0.0]); // x.round()
        /// ```
        round / try_round() => FloatUnaryOp::Round;
    }

    unary_twins! { in_place try_float_in_place:
        /// `x.div_(s)` with a scalar: divides in place.
        div_scalar_ / try_div_scalar_(s: E) => FloatUnaryOp::DivScalar(s);
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
                self.unary_in_place(UnaryOp::$right(s));
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
                self.float_in_place(FloatUnaryOp::DivScalar(s));
            }
        }
    };
}
scalar_operators!(f32, scalar_operators!(@div f32););
scalar_operators!(f64, scalar_operators!(@div f64););
scalar_operators!(i32,);
scalar_operators!(i64,);
