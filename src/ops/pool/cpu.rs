//! CPU pooling kernels, with PyTorch's CPU arithmetic: a window's sum in row-major order,
//! then one division (`avg_pool2d`) or two (`adaptive_avg_pool2d`: by height, then width);
//! gradients added in output order.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::{dense, try_filled, try_vec};
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::layout::Layout;
use crate::ops::conv::Window2d;
use crate::ops::conv::cpu::valid_range;

use super::{AvgKind, PoolKernel, adaptive_range};

/// Element offsets of a checked `[n, c, h, w]` input: `at(plane, iy, ix)`.
struct Planes {
    off: usize,
    s: [usize; 4],
    c: usize,
}

impl Planes {
    /// The input layout `l` of `win` over a buffer of `len` elements, checked once.
    fn new(l: &Layout, win: &Window2d, len: usize, what: &str) -> Result<Self> {
        win.check_input(l, what)?;
        let s = l.strides();
        let s = [s[0], s[1], s[2], s[3]];
        if l.numel() > 0 {
            let last = l.offset()
                + (win.n - 1) * s[0]
                + (win.c - 1) * s[1]
                + (win.h - 1) * s[2]
                + (win.w - 1) * s[3];
            if last >= len {
                return Err(Error::Device(format!(
                    "{what}: layout {l:?} reaches past its buffer of {len} elements"
                )));
            }
        }
        Ok(Planes {
            off: l.offset(),
            s,
            c: win.c,
        })
    }

    /// The storage index of element `(0, 0)` of `plane`.
    #[inline]
    fn base(&self, plane: usize) -> usize {
        let (n, c) = (plane / self.c, plane % self.c);
        self.off + n * self.s[0] + c * self.s[1]
    }
}

/// The taps `t` in `0..k` of output position `o` whose input position
/// `o * stride + t * dilation - pad` lies in `0..size`, as a range.
#[inline]
fn taps(
    o: usize,
    stride: usize,
    k: usize,
    dilation: usize,
    pad: usize,
    size: usize,
) -> std::ops::Range<usize> {
    let start = o * stride;
    // t * d >= pad - start
    let lo = if pad > start {
        (pad - start).div_ceil(dilation)
    } else {
        0
    };
    // start + t * d - pad <= size - 1
    let hi = if size + pad > start {
        ((size - 1 + pad - start) / dilation + 1).min(k)
    } else {
        0
    };
    lo..hi.max(lo)
}

/// The output-shaped operand `l` (`[n, c, oh, ow]`) of a pooling gradient, densely.
fn output_operand<'a, T: Copy>(
    data: &'a [T],
    l: &Layout,
    win: &Window2d,
    what: &str,
) -> Result<std::borrow::Cow<'a, [T]>> {
    if l.dims() != win.output_dims(win.c) {
        return Err(Error::Device(format!(
            "{what}: layout {l:?} does not have the window's output dims {:?}",
            win.output_dims(win.c)
        )));
    }
    dense(data, l)
}

impl PoolKernel for Cpu {
    fn max_pool2d<E: FloatDtype>(
        &self,
        x: &Vec<E>,
        l: &Layout,
        win: &Window2d,
    ) -> Result<(Vec<E>, Vec<i64>)> {
        let p = Planes::new(l, win, x.len(), "max_pool2d")?;
        let total = win.output_dims(win.c).numel();
        let (mut vals, mut idx) = (try_vec(total)?, try_vec(total)?);
        let (sy, sx) = (p.s[2], p.s[3]);
        // The taps of every output row, the outputs of every column tap, and each output
        // column's first in-image column, once.
        let ys: Vec<_> = (0..win.oh)
            .map(|o| taps(o, win.sh, win.kh, win.dh, win.ph, win.h))
            .collect();
        let cols: Vec<_> = (0..win.kw)
            .map(|j| valid_range(win.ow, win.sw, j * win.dw, win.pw, win.w))
            .collect();
        let first_ix: Vec<usize> = (0..win.ow)
            .map(|o| {
                let t = taps(o, win.sw, win.kw, win.dw, win.pw, win.w).start;
                o * win.sw + t * win.dw - win.pw
            })
            .collect();
        if let Some(out) = max_pool_2x2(x, &p, win) {
            return out;
        }
        // One output row at a time, tap by tap in row-major order (so each output sees its
        // window in PyTorch's order), over the row's outputs: long, branch-free inner loops.
        let mut best = vec![E::neg_infinity(); win.ow];
        let mut at = vec![0usize; win.ow];
        for plane in 0..win.n * win.c {
            let base = p.base(plane);
            for (oy, yr) in ys.iter().enumerate() {
                let iy0 = oy * win.sh + yr.start * win.dh - win.ph;
                best.fill(E::neg_infinity());
                for (a, &ix) in at.iter_mut().zip(&first_ix) {
                    // PyTorch's pick when nothing beats -inf: the window's first position
                    // inside the input.
                    *a = iy0 * win.w + ix;
                }
                for i in yr.clone() {
                    let iy = oy * win.sh + i * win.dh - win.ph;
                    let row = base + iy * sy;
                    for (j, oxs) in cols.iter().enumerate() {
                        let shift = j * win.dw;
                        for ox in oxs.clone() {
                            let ix = ox * win.sw + shift - win.pw;
                            let v = x[row + ix * sx];
                            // Selects, not a branch: which input wins is data.
                            #[allow(clippy::eq_op)]
                            let take = (v > best[ox]) | (v != v);
                            best[ox] = if take { v } else { best[ox] };
                            at[ox] = if take { iy * win.w + ix } else { at[ox] };
                        }
                    }
                }
                vals.extend_from_slice(&best);
                idx.extend(at.iter().map(|&a| a as i64));
            }
        }
        Ok((vals, idx))
    }

    fn max_pool2d_backward<E: FloatDtype>(
        &self,
        g: &Vec<E>,
        lg: &Layout,
        idx: &Vec<i64>,
        lidx: &Layout,
        win: &Window2d,
    ) -> Result<Vec<E>> {
        let g = output_operand(g, lg, win, "max_pool2d_backward")?;
        let idx = output_operand(idx, lidx, win, "max_pool2d_backward")?;
        let hw = win.h * win.w;
        let per_plane = win.oh * win.ow;
        let mut dx = try_filled(win.input_dims().numel(), E::zero())?;
        for (o, (&gv, &k)) in g.iter().zip(idx.iter()).enumerate() {
            let plane = o / per_plane.max(1);
            match usize::try_from(k) {
                Ok(k) if k < hw => dx[plane * hw + k] += gv,
                _ => {
                    return Err(Error::Device(format!(
                        "max_pool2d_backward: index {k} outside a {}x{} plane",
                        win.h, win.w
                    )));
                }
            }
        }
        Ok(dx)
    }

    fn avg_pool2d<E: FloatDtype>(
        &self,
        x: &Vec<E>,
        l: &Layout,
        win: &Window2d,
        kind: AvgKind,
    ) -> Result<Vec<E>> {
        let p = Planes::new(l, win, x.len(), "avg_pool2d")?;
        let mut out = try_vec(win.output_dims(win.c).numel())?;
        let (sy, sx) = (p.s[2], p.s[3]);
        for plane in 0..win.n * win.c {
            let base = p.base(plane);
            for oy in 0..win.oh {
                for ox in 0..win.ow {
                    let (ys, xs) = avg_window(win, kind, oy, ox);
                    let mut sum = E::zero();
                    for iy in ys.clone() {
                        let row = base + iy * sy;
                        for ix in xs.clone() {
                            sum += x[row + ix * sx];
                        }
                    }
                    out.push(avg_divide(sum, win, kind, &ys, &xs));
                }
            }
        }
        Ok(out)
    }

    fn avg_pool2d_backward<E: FloatDtype>(
        &self,
        g: &Vec<E>,
        lg: &Layout,
        win: &Window2d,
        kind: AvgKind,
    ) -> Result<Vec<E>> {
        let g = output_operand(g, lg, win, "avg_pool2d_backward")?;
        let hw = win.h * win.w;
        let mut dx = try_filled(win.input_dims().numel(), E::zero())?;
        let mut o = 0;
        for plane in 0..win.n * win.c {
            for oy in 0..win.oh {
                for ox in 0..win.ow {
                    let (ys, xs) = avg_window(win, kind, oy, ox);
                    let share = avg_divide(g[o], win, kind, &ys, &xs);
                    o += 1;
                    for iy in ys.clone() {
                        for ix in xs.clone() {
                            dx[plane * hw + iy * win.w + ix] += share;
                        }
                    }
                }
            }
        }
        Ok(dx)
    }
}

/// The most common pooling, 2×2 windows at stride 2 without padding or dilation over rows of
/// unit stride, with its four taps written out (the general loop's bookkeeping costs more
/// than the comparisons here); `None` for any other window. The same picks as the general
/// loop: taps in row-major order, `v > best || isnan(v)`.
fn max_pool_2x2<E: FloatDtype>(
    x: &[E],
    p: &Planes,
    win: &Window2d,
) -> Option<Result<(Vec<E>, Vec<i64>)>> {
    let square = [win.kh, win.kw, win.sh, win.sw] == [2, 2, 2, 2];
    if !square || [win.ph, win.pw] != [0, 0] || [win.dh, win.dw] != [1, 1] || p.s[3] != 1 {
        return None;
    }
    let total = win.output_dims(win.c).numel();
    let (mut vals, mut idx) = match (try_vec(total), try_vec(total)) {
        (Ok(v), Ok(i)) => (v, i),
        (Err(e), _) | (_, Err(e)) => return Some(Err(e)),
    };
    for plane in 0..win.n * win.c {
        let base = p.base(plane);
        for oy in 0..win.oh {
            let r0 = base + 2 * oy * p.s[2];
            let r1 = r0 + p.s[2];
            let (top, bottom) = (&x[r0..r0 + 2 * win.ow], &x[r1..r1 + 2 * win.ow]);
            let pos0 = 2 * oy * win.w;
            for ox in 0..win.ow {
                let taps = [
                    (top[2 * ox], pos0 + 2 * ox),
                    (top[2 * ox + 1], pos0 + 2 * ox + 1),
                    (bottom[2 * ox], pos0 + win.w + 2 * ox),
                    (bottom[2 * ox + 1], pos0 + win.w + 2 * ox + 1),
                ];
                let (mut best, mut at) = (E::neg_infinity(), pos0 + 2 * ox);
                for (v, pos) in taps {
                    #[allow(clippy::eq_op)]
                    let take = (v > best) | (v != v);
                    best = if take { v } else { best };
                    at = if take { pos } else { at };
                }
                vals.push(best);
                idx.push(at as i64);
            }
        }
    }
    Some(Ok((vals, idx)))
}

/// The input rows and columns an average pool's output `(oy, ox)` reads (padding left out).
pub(crate) fn avg_window(
    win: &Window2d,
    kind: AvgKind,
    oy: usize,
    ox: usize,
) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    match kind {
        AvgKind::Fixed => {
            let y0 = oy * win.sh;
            let x0 = ox * win.sw;
            (
                y0.saturating_sub(win.ph)..(y0 + win.kh).saturating_sub(win.ph).min(win.h),
                x0.saturating_sub(win.pw)..(x0 + win.kw).saturating_sub(win.pw).min(win.w),
            )
        }
        AvgKind::Adaptive => (
            adaptive_range(oy, win.oh, win.h),
            adaptive_range(ox, win.ow, win.w),
        ),
    }
}

/// A window's sum divided as PyTorch's CPU kernels divide it.
#[inline]
pub(crate) fn avg_divide<E: FloatDtype>(
    sum: E,
    win: &Window2d,
    kind: AvgKind,
    ys: &std::ops::Range<usize>,
    xs: &std::ops::Range<usize>,
) -> E {
    match kind {
        // count_include_pad: the whole window, padding included.
        AvgKind::Fixed => sum / E::from_f64((win.kh * win.kw) as f64),
        AvgKind::Adaptive => sum / E::from_f64(ys.len() as f64) / E::from_f64(xs.len() as f64),
    }
}
