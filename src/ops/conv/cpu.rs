//! CPU convolution kernels: im2col (`unfold`), col2im (`fold`) and the output step. The
//! products between them are matrixmultiply's, through the CPU's `MatMulKernel`.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::dense;
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::layout::Layout;
use crate::shape::Dims;

use super::{ConvKernel, Window2d};

/// The output positions `o` in `0..len` whose input position `o * stride + tap - pad` lies
/// in `0..size`, as a range (empty if none); `tap` is the kernel offset `j * dilation`.
#[inline]
pub(crate) fn valid_range(
    len: usize,
    stride: usize,
    tap: usize,
    pad: usize,
    size: usize,
) -> std::ops::Range<usize> {
    // o * stride + tap >= pad  <=>  o >= ceil((pad - tap) / stride)
    let lo = if pad > tap {
        (pad - tap).div_ceil(stride)
    } else {
        0
    };
    // o * stride + tap - pad <= size - 1  <=>  o <= (size - 1 + pad - tap) / stride
    let hi = if size + pad > tap {
        ((size - 1 + pad - tap) / stride + 1).min(len)
    } else {
        0
    };
    lo..hi.max(lo)
}

/// One output row's stretch of one row of the unfolded matrix: the outputs `xs` of output
/// row `oy` of sample `n` read input row `iy` of channel `c` from column `ix0` (every
/// `sw`-th after it); the rest of the stretch lies in the padding.
struct Segment {
    /// The unfolded row, `(c, i, j)` in row-major order.
    row: usize,
    c: usize,
    n: usize,
    oy: usize,
    iy: usize,
    ix0: usize,
    xs: std::ops::Range<usize>,
}

/// Calls `f` for every [`Segment`] with at least one input element, in the order `fold`
/// sums: row-major over `(c, i, j)`, then sample, then output row.
fn for_each_segment(win: &Window2d, mut f: impl FnMut(&Segment)) {
    let mut row = 0;
    for c in 0..win.c {
        for i in 0..win.kh {
            let ys = valid_range(win.oh, win.sh, i * win.dh, win.ph, win.h);
            for j in 0..win.kw {
                let tap = j * win.dw;
                let xs = valid_range(win.ow, win.sw, tap, win.pw, win.w);
                if !xs.is_empty() {
                    let ix0 = xs.start * win.sw + tap - win.pw;
                    for n in 0..win.n {
                        for oy in ys.clone() {
                            let iy = oy * win.sh + i * win.dh - win.ph;
                            f(&Segment {
                                row,
                                c,
                                n,
                                oy,
                                iy,
                                ix0,
                                xs: xs.clone(),
                            });
                        }
                    }
                }
                row += 1;
            }
        }
    }
}

impl ConvKernel for Cpu {
    fn unfold<E: FloatDtype>(&self, x: &Vec<E>, l: &Layout, win: &Window2d) -> Result<Vec<E>> {
        win.check_input(l, "unfold")?;
        let ncols = win.col_cols();
        // Zeros where a window lies in the padding; every other entry is written below.
        let mut out = vec![E::zero(); win.col_rows() * ncols];
        if out.is_empty() || l.numel() == 0 {
            return Ok(out);
        }
        let s = l.strides();
        let (s0, s1, s2, s3) = (s[0], s[1], s[2], s[3]);
        let off = l.offset();
        // Checked once: the last element the layout reaches (every read below is inside it).
        let last = off + (win.n - 1) * s0 + (win.c - 1) * s1 + (win.h - 1) * s2 + (win.w - 1) * s3;
        if last >= x.len() {
            return Err(Error::Device(format!(
                "unfold: layout {l:?} reaches past its buffer of {} elements",
                x.len()
            )));
        }
        let (oh, ow) = (win.oh, win.ow);
        for_each_segment(win, |seg| {
            let dst = &mut out[seg.row * ncols + (seg.n * oh + seg.oy) * ow..][..ow];
            let base = off + seg.n * s0 + seg.c * s1 + seg.iy * s2;
            if win.sw == 1 && s3 == 1 {
                let start = base + seg.ix0;
                dst[seg.xs.clone()].copy_from_slice(&x[start..start + seg.xs.len()]);
            } else {
                for (k, d) in dst[seg.xs.clone()].iter_mut().enumerate() {
                    *d = x[base + (seg.ix0 + k * win.sw) * s3];
                }
            }
        });
        Ok(out)
    }

    fn fold<E: FloatDtype>(&self, cols: &Vec<E>, l: &Layout, win: &Window2d) -> Result<Vec<E>> {
        let want = Dims::from_array([win.col_rows(), win.col_cols()]);
        if l.dims() != want {
            return Err(Error::Device(format!(
                "fold: layout {l:?} is not the window's [{}, {}] matrix",
                want[0], want[1]
            )));
        }
        let cols = dense(cols, l);
        let ncols = win.col_cols();
        let mut out = vec![E::zero(); win.input_dims().numel()];
        let (h, w, oh, ow) = (win.h, win.w, win.oh, win.ow);
        for_each_segment(win, |seg| {
            let src = &cols[seg.row * ncols + (seg.n * oh + seg.oy) * ow..][..ow];
            let base = ((seg.n * win.c + seg.c) * h + seg.iy) * w + seg.ix0;
            if win.sw == 1 {
                let dst = &mut out[base..base + seg.xs.len()];
                for (d, &v) in dst.iter_mut().zip(&src[seg.xs.clone()]) {
                    *d += v;
                }
            } else {
                for (k, &v) in src[seg.xs.clone()].iter().enumerate() {
                    out[base + k * win.sw] += v;
                }
            }
        });
        Ok(out)
    }

    fn conv_output<E: FloatDtype>(
        &self,
        y: &Vec<E>,
        ly: &Layout,
        bias: Option<(&Vec<E>, &Layout)>,
    ) -> Result<Vec<E>> {
        let d = ly.dims();
        if d.rank() != 3 {
            return Err(Error::Device(format!(
                "conv_output: the product must be [oc, n, l], got {ly:?}"
            )));
        }
        let (oc, n, len) = (d[0], d[1], d[2]);
        let bias = match bias {
            Some((b, lb)) if lb.dims() == Dims::from_array([oc]) => Some(dense(b, lb)),
            Some((_, lb)) => {
                return Err(Error::Device(format!(
                    "conv_output: a bias of {oc} channels must be [{oc}], got {lb:?}"
                )));
            }
            None => None,
        };
        let y = dense(y, ly);
        let mut out = Vec::with_capacity(y.len());
        for b in 0..n {
            for c in 0..oc {
                let src = &y[(c * n + b) * len..][..len];
                match &bias {
                    Some(bias) => {
                        let v = bias[c];
                        out.extend(src.iter().map(|&x| x + v));
                    }
                    None => out.extend_from_slice(src),
                }
            }
        }
        Ok(out)
    }
}
