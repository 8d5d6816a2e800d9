//! CPU reduction kernels.
//!
//! A broadcast (stride-0) dimension is read in place, never materialised: its elements are
//! all one storage element, so a reduction reads the layout with that dimension cut to
//! size 1 and then accounts for the repeats (a sum multiplies by the count, a max or min is
//! unchanged, an arg-reduction's first extreme is at index 0 along it). The sum of an
//! expanded 2^40-element view costs one element.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::{gather, try_copy, try_vec};
use crate::dtype::{DType, NumDtype};
use crate::layout::Layout;
use crate::ops::arith::cpu::{nan_max, nan_min};
use crate::shape::{Dims, MAX_RANK};

use super::{ArgReduceOp, ReduceKernel, ReduceOp, SumDtype};

/// Sums with eight interleaved accumulators: the compiler vectorises it, and the rounding
/// error grows like n/8 instead of n, closer to PyTorch's cascaded sum. Each element is
/// first converted by `widen` (to the sum's type).
#[inline]
fn lanes_sum<E: Copy, A: NumDtype>(v: &[E], widen: impl Fn(E) -> A) -> A {
    let mut acc = [A::zero(); 8];
    let chunks = v.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a = a.wadd(widen(x));
        }
    }
    let mut total = A::zero();
    for a in acc {
        total = total.wadd(a);
    }
    rest.iter().fold(total, |t, &x| t.wadd(widen(x)))
}

/// PyTorch's sum: integer and bool elements promoted to int64.
fn sum_slice<E: SumDtype>(v: &[E]) -> E::Sum {
    lanes_sum(v, E::widen)
}

/// `k` as an element, wrapping for integers as a sum of `k` terms does.
fn count<E: NumDtype>(k: usize) -> E {
    let v = match E::DTYPE {
        DType::I32 => E::from(k as u32 as i32),
        DType::I64 => E::from(k as u64 as i64),
        _ => E::from(k),
    };
    v.unwrap_or_else(E::zero)
}

fn reduce_slice<E: NumDtype>(op: ReduceOp, v: &[E]) -> E {
    match op {
        ReduceOp::Sum => lanes_sum(v, |x| x),
        ReduceOp::Max => v.iter().copied().reduce(nan_max).unwrap_or(E::zero()),
        ReduceOp::Min => v.iter().copied().reduce(nan_min).unwrap_or(E::zero()),
    }
}

/// `value` reduced over `k` copies of itself.
fn repeated<E: NumDtype>(op: ReduceOp, value: E, k: usize) -> E {
    match op {
        ReduceOp::Sum => value.wmul(count(k)),
        ReduceOp::Max | ReduceOp::Min => value,
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

/// `l` with every broadcast dimension (stride 0, size > 1) cut to size 1: the same elements
/// without repeats. A layout with no elements is returned as it is.
fn without_broadcast(l: &Layout) -> Layout {
    if l.numel() == 0 || !l.has_overlap() {
        return *l;
    }
    let mut d = [0; MAX_RANK];
    let rank = l.dims().rank();
    for (i, slot) in d.iter_mut().enumerate().take(rank) {
        *slot = if l.strides()[i] == 0 { 1 } else { l.dims()[i] };
    }
    Layout {
        dims: Dims::new(&d[..rank]).unwrap_or(l.dims()),
        ..*l
    }
}

/// The dims of `l` without `axis`.
fn dims_without(l: &Layout, axis: usize) -> Dims {
    let d: Vec<usize> = (0..l.dims().rank())
        .filter(|&i| i != axis)
        .map(|i| l.dims()[i])
        .collect();
    Dims::new(&d).unwrap_or(l.dims())
}

/// Reduces `l` along `axis` with `f` over each run of elements along it, `rep(v, k)` turning
/// the result over one element of a broadcast axis into that over `k` copies, and `empty`
/// for an axis of size 0: one output per element of `l` without `axis`, row-major. Reads
/// `l` without its broadcast dimensions (see the module doc), then spreads the results
/// over the output's broadcast dimensions.
fn along_axis<E: Copy, O: Copy>(
    x: &[E],
    l: &Layout,
    axis: usize,
    f: impl Fn(&[E]) -> O,
    rep: impl Fn(O, usize) -> O,
    empty: O,
) -> Result<Vec<O>> {
    let out_dims = dims_without(l, axis);
    let n = l.dims()[axis];
    if n == 0 {
        let mut out = try_vec(out_dims.numel())?;
        out.resize(out_dims.numel(), empty);
        return Ok(out);
    }
    let base = without_broadcast(l);
    let nb = base.dims()[axis];
    // The elements with `axis` moved last, gathered densely: each run of `nb` elements is
    // one reduction's input.
    let rank = l.dims().rank();
    let mut perm: Vec<usize> = (0..rank).filter(|&d| d != axis).collect();
    perm.push(axis);
    let data = gather(x, &base.permute(&perm))?;
    let mut reduced = try_vec(data.len() / nb)?;
    reduced.extend(data.chunks_exact(nb).map(|c| {
        let v = f(c);
        if nb < n { rep(v, n) } else { v }
    }));
    let reduced_dims = dims_without(&base, axis);
    if reduced_dims == out_dims {
        return Ok(reduced);
    }
    gather(
        &reduced,
        &Layout::contiguous(reduced_dims).broadcast_to(out_dims),
    )
}

/// `index` (row-major in `from`'s dims) as the row-major index of the same multi-index in
/// `to`'s dims.
fn reindex(index: usize, from: Dims, to: Dims) -> usize {
    let mut rem = index;
    let mut coord = [0; MAX_RANK];
    for d in (0..from.rank()).rev() {
        coord[d] = rem % from[d].max(1);
        rem /= from[d].max(1);
    }
    (0..to.rank()).fold(0, |acc, d| acc * to[d] + coord[d])
}

impl ReduceKernel for Cpu {
    fn reduce<E: NumDtype>(
        &self,
        op: ReduceOp,
        x: &Vec<E>,
        l: &Layout,
        axis: Option<usize>,
    ) -> Result<Vec<E>> {
        match axis {
            None => {
                let base = without_broadcast(l);
                let v = match base.contiguous_range() {
                    Some(r) => reduce_slice(op, &x[r]),
                    None => reduce_slice(op, &gather(x, &base)?),
                };
                let k = l.numel() / base.numel().max(1);
                try_copy(&[if k > 1 { repeated(op, v, k) } else { v }])
            }
            Some(a) => along_axis(
                x,
                l,
                a,
                |c| reduce_slice(op, c),
                |v, k| repeated(op, v, k),
                E::zero(),
            ),
        }
    }

    fn sum<E: SumDtype>(&self, x: &Vec<E>, l: &Layout, axis: Option<usize>) -> Result<Vec<E::Sum>> {
        let rep = |v: E::Sum, k: usize| v.wmul(count(k));
        match axis {
            None => {
                let base = without_broadcast(l);
                let v = match base.contiguous_range() {
                    Some(r) => sum_slice(&x[r]),
                    None => sum_slice(&gather(x, &base)?),
                };
                let k = l.numel() / base.numel().max(1);
                try_copy(&[if k > 1 { rep(v, k) } else { v }])
            }
            Some(a) => along_axis(x, l, a, sum_slice, rep, num_traits::Zero::zero()),
        }
    }

    fn arg_reduce<E: NumDtype>(
        &self,
        op: ArgReduceOp,
        x: &Vec<E>,
        l: &Layout,
        axis: Option<usize>,
    ) -> Result<Vec<i64>> {
        match axis {
            None => {
                // The first extreme of the elements without repeats is the first of all:
                // an earlier position would project onto an earlier element.
                let base = without_broadcast(l);
                let i = arg_slice(op, &gather(x, &base)?) as usize;
                try_copy(&[reindex(i, base.dims(), l.dims()) as i64])
            }
            // Along a broadcast axis every element is the first: index 0.
            Some(a) => along_axis(x, l, a, |c| arg_slice(op, c), |v, _| v, 0),
        }
    }
}
