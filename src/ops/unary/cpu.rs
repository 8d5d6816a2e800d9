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
        }
    }};
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
