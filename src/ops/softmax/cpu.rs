//! CPU softmax kernels: each line along the axis is read once for its maximum, once for the
//! sum of exponentials, and written once.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::{dense, try_filled, try_vec};
use crate::dtype::FloatDtype;
use crate::layout::Layout;
use crate::ops::index::cpu::split_at_axis;

use super::{SoftmaxKernel, SoftmaxOp, logsumexp_backward_error};

/// The largest element of a line, NaN if any is (`-inf` for an empty line).
#[inline]
fn line_max<E: FloatDtype>(line: impl Iterator<Item = E>) -> E {
    let mut m = E::neg_infinity();
    for v in line {
        if v.is_nan() {
            return v;
        }
        if v > m {
            m = v;
        }
    }
    m
}

/// Calls `f(base)` for every line along the axis of a dense `(outer, size, inner)` block:
/// the line's elements are `base + j * inner` for `j < size`.
#[inline]
fn for_lines(outer: usize, size: usize, inner: usize, mut f: impl FnMut(usize, usize)) {
    for o in 0..outer {
        for k in 0..inner {
            f(o * inner + k, o * size * inner + k);
        }
    }
}

/// The forward kernel along the last axis: each line is a dense row of `size`, walked with
/// slice iterators (no index arithmetic or bounds checks in the loops).
fn softmax_rows<E: FloatDtype>(op: SoftmaxOp, x: &[E], size: usize) -> Result<Vec<E>> {
    let zero = E::zero();
    let rows = x.chunks_exact(size);
    match op {
        SoftmaxOp::Softmax | SoftmaxOp::LogSoftmax => {
            let mut out = try_filled(x.len(), zero)?;
            for (row, o) in rows.zip(out.chunks_exact_mut(size)) {
                let m = line_max(row.iter().copied());
                if op == SoftmaxOp::Softmax {
                    let mut sum = zero;
                    for (o, &v) in o.iter_mut().zip(row) {
                        let e = (v - m).exp();
                        *o = e;
                        sum += e;
                    }
                    for o in o.iter_mut() {
                        *o = *o / sum;
                    }
                } else {
                    let mut sum = zero;
                    for &v in row {
                        sum += (v - m).exp();
                    }
                    let log_sum = sum.ln();
                    for (o, &v) in o.iter_mut().zip(row) {
                        *o = v - m - log_sum;
                    }
                }
            }
            Ok(out)
        }
        SoftmaxOp::LogSumExp => {
            let mut out = try_vec(x.len() / size)?;
            out.extend(rows.map(|row| {
                let m = line_max(row.iter().copied());
                let shift = if m.is_infinite() { zero } else { m };
                let mut sum = zero;
                for &v in row {
                    sum += (v - shift).exp();
                }
                sum.ln() + shift
            }));
            Ok(out)
        }
    }
}

/// The backward kernel along the last axis (see [`softmax_rows`]).
fn softmax_backward_rows<E: FloatDtype>(
    op: SoftmaxOp,
    g: &[E],
    y: &[E],
    size: usize,
) -> Result<Vec<E>> {
    let mut out = try_filled(y.len(), E::zero())?;
    let lines = g.chunks_exact(size).zip(y.chunks_exact(size));
    for ((g, y), o) in lines.zip(out.chunks_exact_mut(size)) {
        if op == SoftmaxOp::Softmax {
            let dot = g.iter().zip(y).fold(E::zero(), |acc, (&g, &y)| acc + g * y);
            for ((o, &g), &y) in o.iter_mut().zip(g).zip(y) {
                *o = y * (g - dot);
            }
        } else {
            let sum = g.iter().fold(E::zero(), |acc, &g| acc + g);
            for ((o, &g), &y) in o.iter_mut().zip(g).zip(y) {
                *o = g - y.exp() * sum;
            }
        }
    }
    Ok(out)
}

impl SoftmaxKernel for Cpu {
    fn softmax<E: FloatDtype>(
        &self,
        op: SoftmaxOp,
        x: &Vec<E>,
        l: &Layout,
        axis: usize,
    ) -> Result<Vec<E>> {
        let (outer, size, inner) = split_at_axis(l, axis);
        let x = dense(x, l)?;
        if inner == 1 && size > 0 {
            return softmax_rows(op, &x, size);
        }
        let at = |base: usize, j: usize| x[base + j * inner];
        let zero = E::zero();
        let out = match op {
            SoftmaxOp::Softmax => {
                let mut out = try_filled(x.len(), zero)?;
                for_lines(outer, size, inner, |_, base| {
                    let m = line_max((0..size).map(|j| at(base, j)));
                    let mut sum = zero;
                    for j in 0..size {
                        let e = (at(base, j) - m).exp();
                        out[base + j * inner] = e;
                        sum += e;
                    }
                    for j in 0..size {
                        out[base + j * inner] = out[base + j * inner] / sum;
                    }
                });
                out
            }
            SoftmaxOp::LogSoftmax => {
                let mut out = try_filled(x.len(), zero)?;
                for_lines(outer, size, inner, |_, base| {
                    let m = line_max((0..size).map(|j| at(base, j)));
                    let mut sum = zero;
                    for j in 0..size {
                        sum += (at(base, j) - m).exp();
                    }
                    let log_sum = sum.ln();
                    for j in 0..size {
                        out[base + j * inner] = at(base, j) - m - log_sum;
                    }
                });
                out
            }
            SoftmaxOp::LogSumExp => {
                let mut out = try_filled(outer * inner, zero)?;
                for_lines(outer, size, inner, |line, base| {
                    let m = line_max((0..size).map(|j| at(base, j)));
                    // PyTorch shifts by 0 where the maximum is infinite: all `-inf` gives
                    // `log(0) = -inf` instead of NaN, and a `+inf` gives `+inf`.
                    let shift = if m.is_infinite() { zero } else { m };
                    let mut sum = zero;
                    for j in 0..size {
                        sum += (at(base, j) - shift).exp();
                    }
                    out[line] = sum.ln() + shift;
                });
                out
            }
        };
        Ok(out)
    }

    fn softmax_backward<E: FloatDtype>(
        &self,
        op: SoftmaxOp,
        g: &Vec<E>,
        lg: &Layout,
        y: &Vec<E>,
        ly: &Layout,
        axis: usize,
    ) -> Result<Vec<E>> {
        if op == SoftmaxOp::LogSumExp {
            return Err(logsumexp_backward_error());
        }
        let (outer, size, inner) = split_at_axis(ly, axis);
        let (g, y) = (dense(g, lg)?, dense(y, ly)?);
        if inner == 1 && size > 0 {
            return softmax_backward_rows(op, &g, &y, size);
        }
        let mut out = try_filled(y.len(), E::zero())?;
        for_lines(outer, size, inner, |_, base| {
            let idx = |j: usize| base + j * inner;
            match op {
                SoftmaxOp::Softmax => {
                    let mut dot = E::zero();
                    for j in 0..size {
                        dot += g[idx(j)] * y[idx(j)];
                    }
                    for j in 0..size {
                        out[idx(j)] = y[idx(j)] * (g[idx(j)] - dot);
                    }
                }
                SoftmaxOp::LogSoftmax | SoftmaxOp::LogSumExp => {
                    let mut sum = E::zero();
                    for j in 0..size {
                        sum += g[idx(j)];
                    }
                    for j in 0..size {
                        out[idx(j)] = g[idx(j)] - y[idx(j)].exp() * sum;
                    }
                }
            }
        });
        Ok(out)
    }
}
