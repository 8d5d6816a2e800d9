//! CPU kernels for elementwise binary ops.
use crate::Result;
use crate::device::Cpu;
use crate::dtype::NumDtype;
use crate::error::Error;
use crate::layout::{Layout, zip_indices};

use super::{BinaryKernel, BinaryOp};

/// NaN-propagating max/min: `x != x` is only true for NaN, and false for every integer.
#[allow(clippy::eq_op)]
#[inline]
pub(crate) fn nan_max<E: NumDtype>(a: E, b: E) -> E {
    if a != a || a > b { a } else { b }
}

#[allow(clippy::eq_op)]
#[inline]
pub(crate) fn nan_min<E: NumDtype>(a: E, b: E) -> E {
    if a != a || a < b { a } else { b }
}

/// Applies `f` pairwise over two layouts of equal dims into a new contiguous buffer.
#[inline]
pub(crate) fn zip_map<A: Copy, B: Copy, O>(
    a: &[A],
    la: &Layout,
    b: &[B],
    lb: &Layout,
    f: impl Fn(A, B) -> O,
) -> Vec<O> {
    if let (Some(ra), Some(rb)) = (la.contiguous_range(), lb.contiguous_range()) {
        // The hot case: two dense runs, a loop the compiler vectorises.
        return a[ra].iter().zip(&b[rb]).map(|(&x, &y)| f(x, y)).collect();
    }
    let mut out = Vec::with_capacity(la.numel());
    zip_indices(la, lb, |i, j| out.push(f(a[i], b[j])));
    out
}

impl BinaryKernel for Cpu {
    fn binary<E: NumDtype>(
        &self,
        op: BinaryOp,
        a: &Vec<E>,
        la: &Layout,
        b: &Vec<E>,
        lb: &Layout,
    ) -> Result<Vec<E>> {
        if op == BinaryOp::Div && !E::DTYPE.is_float() {
            // The typed API never asks for this; a direct kernel call must not divide by 0.
            return Err(Error::Device("integer division is not supported".into()));
        }
        // One match per call, not per element: each arm is its own monomorphised loop.
        Ok(match op {
            BinaryOp::Add => zip_map(a, la, b, lb, E::wadd),
            BinaryOp::Sub => zip_map(a, la, b, lb, E::wsub),
            BinaryOp::Mul => zip_map(a, la, b, lb, E::wmul),
            BinaryOp::Div => zip_map(a, la, b, lb, |x, y| x / y),
            BinaryOp::Maximum => zip_map(a, la, b, lb, nan_max),
            BinaryOp::Minimum => zip_map(a, la, b, lb, nan_min),
        })
    }
}
