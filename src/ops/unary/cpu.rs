//! CPU kernels for one-operand elementwise ops.
use num_traits::Float;

use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::dense;
use crate::device::parallel::{for_chunks, map_new};
use crate::dtype::{FloatDtype, NumDtype};
use crate::error::Error;
use crate::layout::Layout;
use crate::ops::arith::cpu::zip_map;

use super::{FloatUnaryOp, UnaryKernel, UnaryOp};

/// Applies `f` to every element a layout selects, into a new contiguous buffer: one loop
/// over a dense run (a non-contiguous layout is gathered into one first), which the compiler
/// vectorises, split over threads when large (the `threads` feature).
#[inline]
pub(crate) fn map<A: Copy + Sync, O: Send>(
    x: &[A],
    l: &Layout,
    f: impl Fn(A) -> O + Sync,
) -> Result<Vec<O>> {
    map_new(&dense(x, l)?, f)
}

/// `x = f(x)` over the dense run `x`.
#[inline]
fn map_assign<E: Copy + Send>(x: &mut [E], f: impl Fn(E) -> E + Sync) {
    for_chunks(x, |_, x| {
        for v in x {
            *v = f(*v);
        }
    });
}

/// The dense run `l` selects, for the in-place kernels.
fn dense_mut<'a, E>(x: &'a mut [E], l: &Layout) -> Result<&'a mut [E]> {
    match l.contiguous_range() {
        Some(r) => Ok(&mut x[r]),
        None => Err(Error::Device(format!(
            "in-place kernels need a contiguous operand, got {l:?}"
        ))),
    }
}

#[inline]
fn abs<E: NumDtype>(v: E) -> E {
    // `0 - v` rather than `-v`: it also turns -0.0 into +0.0, as `f32::abs` and PyTorch do.
    if v <= E::zero() { E::zero().wsub(v) } else { v }
}

/// Runs `$body` with `$f` bound to the elementwise function of a [`UnaryOp`]: one match per
/// call, not per element, so each arm is its own monomorphised (and vectorised) loop.
///
/// Clamping is written as two selects, `if v < lo { lo } else { v }`: a NaN fails both
/// comparisons and passes through unchanged, as in PyTorch, and the select is one vector
/// `max`/`min` instruction.
macro_rules! with_unary_fn {
    ($op:expr, $e:ty, |$f:ident| $body:expr) => {
        match $op {
            UnaryOp::Neg => {
                let $f = <$e>::wneg;
                $body
            }
            UnaryOp::Abs => {
                let $f = abs::<$e>;
                $body
            }
            UnaryOp::Relu | UnaryOp::Clamp(Some(_), None) => {
                let lo = match $op {
                    UnaryOp::Clamp(Some(lo), None) => lo,
                    _ => <$e>::zero(),
                };
                let $f = move |v: $e| if v < lo { lo } else { v };
                $body
            }
            UnaryOp::Clamp(None, Some(hi)) => {
                let $f = move |v: $e| if v > hi { hi } else { v };
                $body
            }
            UnaryOp::Clamp(Some(lo), Some(hi)) => {
                let $f = move |v: $e| {
                    let v = if v < lo { lo } else { v };
                    if v > hi { hi } else { v }
                };
                $body
            }
            UnaryOp::Clamp(None, None) => {
                let $f = |v: $e| v;
                $body
            }
            UnaryOp::AddScalar(s) => {
                let $f = move |v: $e| v.wadd(s);
                $body
            }
            UnaryOp::SubScalar(s) => {
                let $f = move |v: $e| v.wsub(s);
                $body
            }
            UnaryOp::ScalarSub(s) => {
                let $f = move |v: $e| s.wsub(v);
                $body
            }
            UnaryOp::MulScalar(s) => {
                let $f = move |v: $e| v.wmul(s);
                $body
            }
        }
    };
}

/// As [`with_unary_fn`], for a [`FloatUnaryOp`].
macro_rules! with_float_fn {
    ($op:expr, $e:ty, |$f:ident| $body:expr) => {{
        let one = <$e>::one();
        let two = one + one;
        match $op {
            FloatUnaryOp::Exp => {
                let $f = <$e as Float>::exp;
                $body
            }
            FloatUnaryOp::Log => {
                let $f = <$e as Float>::ln;
                $body
            }
            FloatUnaryOp::Sqrt => {
                let $f = <$e as Float>::sqrt;
                $body
            }
            // Squares are the common case (losses): a multiply is exact and fast.
            FloatUnaryOp::Pow(p) if p == two => {
                let $f = |v: $e| v * v;
                $body
            }
            // `x.pow(1)` is a copy in PyTorch (and `pow`'s gradient computes `x.pow(p - 1)`).
            FloatUnaryOp::Pow(p) if p == one => {
                let $f = |v: $e| v;
                $body
            }
            FloatUnaryOp::Pow(p) => {
                let $f = move |v: $e| v.powf(p);
                $body
            }
            FloatUnaryOp::Sigmoid => {
                let $f = move |v: $e| one / (one + (-v).exp());
                $body
            }
            FloatUnaryOp::Tanh => {
                let $f = <$e as Float>::tanh;
                $body
            }
            FloatUnaryOp::DivScalar(s) => {
                let $f = move |v: $e| v / s;
                $body
            }
            FloatUnaryOp::ScalarDiv(s) => {
                let $f = move |v: $e| s / v;
                $body
            }
            FloatUnaryOp::Sin => {
                let $f = <$e as Float>::sin;
                $body
            }
            FloatUnaryOp::Cos => {
                let $f = <$e as Float>::cos;
                $body
            }
            FloatUnaryOp::Exp2 => {
                let $f = <$e as Float>::exp2;
                $body
            }
            FloatUnaryOp::Log1p => {
                let $f = <$e as Float>::ln_1p;
                $body
            }
            FloatUnaryOp::Expm1 => {
                let $f = <$e as Float>::exp_m1;
                $body
            }
            FloatUnaryOp::Rsqrt => {
                let $f = move |v: $e| one / v.sqrt();
                $body
            }
            FloatUnaryOp::Sign => {
                let $f = sign::<$e>;
                $body
            }
            FloatUnaryOp::Floor => {
                let $f = <$e as Float>::floor;
                $body
            }
            FloatUnaryOp::Round => {
                let $f = <$e as FloatDtype>::round_half_even;
                $body
            }
            FloatUnaryOp::Gelu => {
                let $f = gelu::<$e>;
                $body
            }
            FloatUnaryOp::GeluTanh => {
                let $f = gelu_tanh::<$e>;
                $body
            }
            FloatUnaryOp::LeakyRelu(slope) => {
                let $f = move |v: $e| if v > <$e>::zero() { v } else { v * slope };
                $body
            }
        }
    }};
}

/// `torch.sign`: `(0 < x) - (x < 0)`, so -1, +0 or 1, and +0 for NaN and both zeros, as
/// PyTorch.
#[inline]
fn sign<E: FloatDtype>(v: E) -> E {
    if v > E::zero() {
        E::one()
    } else if v < E::zero() {
        -E::one()
    } else {
        E::zero()
    }
}

/// `1/sqrt(2)`, PyTorch's `kAlpha` of the exact `gelu`.
const SQRT1_2: f64 = std::f64::consts::FRAC_1_SQRT_2;
/// `sqrt(2/pi)`, PyTorch's `kBeta` of the tanh `gelu`.
const SQRT_2_OVER_PI: f64 = std::f64::consts::SQRT_2 * std::f64::consts::FRAC_2_SQRT_PI * 0.5;
/// The cubic coefficient of the tanh `gelu`.
const GELU_KAPPA: f64 = 0.044715;

/// `x * 0.5 * (1 + erf(x / sqrt(2)))`, PyTorch's order of operations.
#[inline]
pub(crate) fn gelu<E: FloatDtype>(x: E) -> E {
    let half = E::from_f64(0.5);
    x * half * (E::one() + (x * E::from_f64(SQRT1_2)).erf())
}

/// `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))`.
#[inline]
pub(crate) fn gelu_tanh<E: FloatDtype>(x: E) -> E {
    let half = E::from_f64(0.5);
    let inner = E::from_f64(SQRT_2_OVER_PI) * (x + E::from_f64(GELU_KAPPA) * x * x * x);
    half * x * (E::one() + inner.tanh())
}

/// `op'(x)`: the derivative of a float op at `x`, as PyTorch's backward formulas compute it
/// (`gelu`'s from `tools/autograd`'s `gelu_backward`; 0 for `sign`, `floor`, `round`).
#[inline]
pub(crate) fn derivative<E: FloatDtype>(op: FloatUnaryOp<E>, x: E) -> E {
    let one = E::one();
    let half = E::from_f64(0.5);
    match op {
        FloatUnaryOp::Exp => x.exp(),
        FloatUnaryOp::Log => one / x,
        FloatUnaryOp::Sqrt => half / x.sqrt(),
        FloatUnaryOp::Pow(p) => p * x.powf(p - one),
        FloatUnaryOp::Sigmoid => {
            let s = one / (one + (-x).exp());
            s * (one - s)
        }
        FloatUnaryOp::Tanh => {
            let t = x.tanh();
            one - t * t
        }
        FloatUnaryOp::DivScalar(s) => one / s,
        FloatUnaryOp::ScalarDiv(s) => -s / (x * x),
        FloatUnaryOp::Sin => x.cos(),
        FloatUnaryOp::Cos => -x.sin(),
        FloatUnaryOp::Exp2 => x.exp2() * E::from_f64(std::f64::consts::LN_2),
        FloatUnaryOp::Log1p => one / (one + x),
        FloatUnaryOp::Expm1 => x.exp(),
        FloatUnaryOp::Rsqrt => {
            let r = one / x.sqrt();
            -half * r * r * r
        }
        FloatUnaryOp::Sign | FloatUnaryOp::Floor | FloatUnaryOp::Round => E::zero(),
        FloatUnaryOp::Gelu => {
            let cdf = half * (one + (x * E::from_f64(SQRT1_2)).erf());
            let beta = E::from_f64(std::f64::consts::FRAC_2_SQRT_PI * SQRT1_2 * 0.5);
            let pdf = beta * (-half * x * x).exp();
            cdf + x * pdf
        }
        FloatUnaryOp::GeluTanh => {
            let beta = E::from_f64(SQRT_2_OVER_PI);
            let kappa = E::from_f64(GELU_KAPPA);
            let x_sq = x * x;
            let inner = beta * (x + kappa * x_sq * x);
            let t = inner.tanh();
            let left = half * x;
            let right = one + t;
            let left_derivative = half * right;
            let tanh_derivative = one - t * t;
            let inner_derivative = beta * (one + E::from_f64(3.0) * kappa * x_sq);
            left_derivative + left * tanh_derivative * inner_derivative
        }
        FloatUnaryOp::LeakyRelu(slope) => {
            if x > E::zero() {
                one
            } else {
                slope
            }
        }
    }
}

impl UnaryKernel for Cpu {
    fn unary<E: NumDtype>(&self, op: UnaryOp<E>, x: &Vec<E>, l: &Layout) -> Result<Vec<E>> {
        with_unary_fn!(op, E, |f| map(x, l, f))
    }

    fn unary_float<E: FloatDtype>(
        &self,
        op: FloatUnaryOp<E>,
        x: &Vec<E>,
        l: &Layout,
    ) -> Result<Vec<E>> {
        with_float_fn!(op, E, |f| map(x, l, f))
    }

    fn unary_float_backward<E: FloatDtype>(
        &self,
        op: FloatUnaryOp<E>,
        g: &Vec<E>,
        lg: &Layout,
        x: &Vec<E>,
        lx: &Layout,
    ) -> Result<Vec<E>> {
        zip_map(g, lg, x, lx, move |g, x| g * derivative(op, x))
    }

    fn unary_assign<E: NumDtype>(
        &self,
        op: UnaryOp<E>,
        x: &mut Vec<E>,
        l: &Layout,
    ) -> Result<bool> {
        let x = dense_mut(x, l)?;
        with_unary_fn!(op, E, |f| map_assign(x, f));
        Ok(true)
    }

    fn unary_float_assign<E: FloatDtype>(
        &self,
        op: FloatUnaryOp<E>,
        x: &mut Vec<E>,
        l: &Layout,
    ) -> Result<bool> {
        let x = dense_mut(x, l)?;
        with_float_fn!(op, E, |f| map_assign(x, f));
        Ok(true)
    }

    fn clamp_backward<E: NumDtype>(
        &self,
        g: &Vec<E>,
        lg: &Layout,
        x: &Vec<E>,
        lx: &Layout,
        min: Option<E>,
        max: Option<E>,
        min_exclusive: bool,
    ) -> Result<Vec<E>> {
        let zero = E::zero();
        // `x >= lo` is `x > lo || x == lo`: one loop serves both rules (`inclusive` is
        // the same for every element, and the comparisons vectorise as masks). A NaN `x`
        // fails every comparison: 0.
        let inclusive = !min_exclusive;
        match (min, max) {
            (Some(lo), None) => zip_map(g, lg, x, lx, move |g, x| {
                if x > lo || (inclusive && x == lo) {
                    g
                } else {
                    zero
                }
            }),
            (None, Some(hi)) => zip_map(g, lg, x, lx, move |g, x| if x <= hi { g } else { zero }),
            (Some(lo), Some(hi)) => zip_map(g, lg, x, lx, move |g, x| {
                if (x > lo || (inclusive && x == lo)) && x <= hi {
                    g
                } else {
                    zero
                }
            }),
            (None, None) => map(g, lg, |g| g),
        }
    }
}
