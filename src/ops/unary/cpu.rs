//! CPU kernels for one-operand elementwise ops.
use num_traits::Float;

use crate::Result;
use crate::device::Cpu;
use crate::dtype::{FloatDtype, NumDtype};
use crate::layout::Layout;

use super::{FloatUnaryOp, UnaryKernel, UnaryOp};

/// Applies `f` to every element a layout selects, into a new contiguous buffer.
#[inline]
pub(crate) fn map<A: Copy, O>(x: &[A], l: &Layout, f: impl Fn(A) -> O) -> Vec<O> {
    if let Some(r) = l.contiguous_range() {
        return x[r].iter().map(|&v| f(v)).collect();
    }
    let mut out = Vec::with_capacity(l.numel());
    l.for_each_index(|i| out.push(f(x[i])));
    out
}

#[allow(clippy::eq_op)]
#[inline]
fn clamp<E: NumDtype>(v: E, min: Option<E>, max: Option<E>) -> E {
    // PyTorch: NaN passes through clamp unchanged.
    if v != v {
        return v;
    }
    let v = match min {
        Some(m) if v < m => m,
        _ => v,
    };
    match max {
        Some(m) if v > m => m,
        _ => v,
    }
}

#[inline]
fn abs<E: NumDtype>(v: E) -> E {
    // `0 - v` rather than `-v`: it also turns -0.0 into +0.0, as `f32::abs` and PyTorch do.
    if v <= E::zero() { E::zero().wsub(v) } else { v }
}

impl UnaryKernel for Cpu {
    fn unary<E: NumDtype>(&self, op: UnaryOp<E>, x: &Vec<E>, l: &Layout) -> Result<Vec<E>> {
        Ok(match op {
            UnaryOp::Neg => map(x, l, E::wneg),
            UnaryOp::Abs => map(x, l, abs),
            UnaryOp::Relu => map(x, l, |v| clamp(v, Some(E::zero()), None)),
            UnaryOp::Clamp(Some(lo), None) => map(x, l, |v| clamp(v, Some(lo), None)),
            UnaryOp::Clamp(lo, hi) => map(x, l, |v| clamp(v, lo, hi)),
            UnaryOp::AddScalar(s) => map(x, l, |v| v.wadd(s)),
            UnaryOp::SubScalar(s) => map(x, l, |v| v.wsub(s)),
            UnaryOp::ScalarSub(s) => map(x, l, |v| s.wsub(v)),
            UnaryOp::MulScalar(s) => map(x, l, |v| v.wmul(s)),
        })
    }

    fn unary_float<E: FloatDtype>(
        &self,
        op: FloatUnaryOp<E>,
        x: &Vec<E>,
        l: &Layout,
    ) -> Result<Vec<E>> {
        let two = E::one() + E::one();
        Ok(match op {
            FloatUnaryOp::Exp => map(x, l, Float::exp),
            FloatUnaryOp::Log => map(x, l, Float::ln),
            FloatUnaryOp::Sqrt => map(x, l, Float::sqrt),
            // Squares are the common case (losses): a multiply is exact and fast.
            FloatUnaryOp::Pow(p) if p == two => map(x, l, |v| v * v),
            FloatUnaryOp::Pow(p) => map(x, l, |v| v.powf(p)),
            FloatUnaryOp::Sigmoid => map(x, l, |v| E::one() / (E::one() + (-v).exp())),
            FloatUnaryOp::Tanh => map(x, l, Float::tanh),
            FloatUnaryOp::DivScalar(s) => map(x, l, |v| v / s),
            FloatUnaryOp::ScalarDiv(s) => map(x, l, |v| s / v),
        })
    }
}
