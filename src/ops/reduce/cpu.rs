//! CPU reduction kernels.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::gather;
use crate::dtype::NumDtype;
use crate::layout::Layout;
use crate::ops::arith::cpu::{nan_max, nan_min};

use super::{ArgReduceOp, ReduceKernel, ReduceOp};

/// Sums with eight interleaved accumulators: the compiler vectorises it, and the rounding
/// error grows like n/8 instead of n, closer to PyTorch's cascaded sum.
fn sum_slice<E: NumDtype>(v: &[E]) -> E {
    let mut acc = [E::zero(); 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a = a.wadd(x);
        }
    }
    let mut total = E::zero();
    for a in acc {
        total = total.wadd(a);
    }
    rest.iter().fold(total, |t, &x| t.wadd(x))
}

fn reduce_slice<E: NumDtype>(op: ReduceOp, v: &[E]) -> E {
    match op {
        ReduceOp::Sum => sum_slice(v),
        ReduceOp::Max => v.iter().copied().reduce(nan_max).unwrap_or(E::zero()),
        ReduceOp::Min => v.iter().copied().reduce(nan_min).unwrap_or(E::zero()),
    }
}

#[allow(clippy::eq_op)]
fn arg_slice<E: NumDtype>(op: ArgReduceOp, v: &[E]) -> i64 {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        let b = v[best];
        if b != b {
            break; // a NaN is the extreme, as in PyTorch
        }
        let better = match op {
            ArgReduceOp::ArgMax => x > b || x != x,
            ArgReduceOp::ArgMin => x < b || x != x,
        };
        if better {
            best = i;
        }
    }
    best as i64
}

/// The elements of `l` with `axis` moved last, gathered densely: each run of
/// `dims[axis]` elements is then one reduction's input.
fn axis_last<E: Copy>(x: &[E], l: &Layout, axis: usize) -> (Vec<E>, usize) {
    let rank = l.dims().rank();
    let mut perm: Vec<usize> = (0..rank).filter(|&d| d != axis).collect();
    perm.push(axis);
    (gather(x, &l.permute(&perm)), l.dims()[axis])
}

impl ReduceKernel for Cpu {
    fn reduce<E: NumDtype>(
        &self,
        op: ReduceOp,
        x: &Vec<E>,
        l: &Layout,
        axis: Option<usize>,
    ) -> Result<Vec<E>> {
        Ok(match axis {
            None => match l.contiguous_range() {
                Some(r) => vec![reduce_slice(op, &x[r])],
                None => vec![reduce_slice(op, &gather(x, l))],
            },
            Some(a) => {
                let (data, n) = axis_last(x, l, a);
                if n == 0 {
                    // Only a sum reaches here (the methods refuse empty max/min): zeros.
                    let dims = l.dims();
                    let outer = dims
                        .as_slice()
                        .iter()
                        .enumerate()
                        .filter(|&(d, _)| d != a)
                        .map(|(_, &s)| s);
                    vec![E::zero(); outer.product()]
                } else {
                    data.chunks_exact(n).map(|c| reduce_slice(op, c)).collect()
                }
            }
        })
    }

    fn arg_reduce<E: NumDtype>(
        &self,
        op: ArgReduceOp,
        x: &Vec<E>,
        l: &Layout,
        axis: Option<usize>,
    ) -> Result<Vec<i64>> {
        Ok(match axis {
            None => vec![arg_slice(op, &gather(x, l))],
            Some(a) => {
                let (data, n) = axis_last(x, l, a);
                data.chunks_exact(n.max(1))
                    .map(|c| arg_slice(op, c))
                    .collect()
            }
        })
    }
}
