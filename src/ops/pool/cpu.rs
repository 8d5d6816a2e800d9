//! CPU pooling kernels, with PyTorch's CPU arithmetic: a window's sum in row-major order,
//! then one division (`avg_pool2d`) or two (`adaptive_avg_pool2d`: by height, then width);
//! gradients added in output order.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::dense;
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::layout::Layout;
use crate::ops::conv::Window2d;

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

    #[inline]
    fn at(&self, plane: usize, iy: usize, ix: usize) -> usize {
        let (n, c) = (plane / self.c, plane % self.c);
        self.off + n * self.s[0] + c * self.s[1] + iy * self.s[2] + ix * self.s[3]
    }
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
    Ok(dense(data, l))
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
        let (mut vals, mut idx) = (Vec::with_capacity(total), Vec::with_capacity(total));
        for plane in 0..win.n * win.c {
            for oy in 0..win.oh {
                for ox in 0..win.ow {
                    let (mut best, mut at) = (E::neg_infinity(), None);
                    for i in 0..win.kh {
                        let Some(iy) = (oy * win.sh + i * win.dh).checked_sub(win.ph) else {
                            continue;
                        };
                        if iy >= win.h {
                            continue;
                        }
                        for j in 0..win.kw {
                            let Some(ix) = (ox * win.sw + j * win.dw).checked_sub(win.pw) else {
                                continue;
                            };
                            if ix >= win.w {
                                continue;
                            }
                            let pos = iy * win.w + ix;
                            // PyTorch's index when nothing beats -inf: the window's first
                            // position inside the input.
                            at.get_or_insert(pos);
                            let v = x[p.at(plane, iy, ix)];
                            if v > best || v.is_nan() {
                                best = v;
                                at = Some(pos);
                            }
                        }
                    }
                    vals.push(best);
                    idx.push(at.unwrap_or(0) as i64);
                }
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
        let mut dx = vec![E::zero(); win.input_dims().numel()];
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
        let mut out = Vec::with_capacity(win.output_dims(win.c).numel());
        for plane in 0..win.n * win.c {
            for oy in 0..win.oh {
                for ox in 0..win.ow {
                    let (ys, xs) = avg_window(win, kind, oy, ox);
                    let mut sum = E::zero();
                    for iy in ys.clone() {
                        for ix in xs.clone() {
                            sum += x[p.at(plane, iy, ix)];
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
        let mut dx = vec![E::zero(); win.input_dims().numel()];
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
