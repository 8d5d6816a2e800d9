//! CPU convolution kernels: im2col (`unfold`), col2im (`fold`) and the output step. The
//! products between them are matrixmultiply's, through the CPU's `MatMulKernel`.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::{dense, try_filled, try_vec};
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

impl ConvKernel for Cpu {
    fn unfold<E: FloatDtype>(&self, x: &Vec<E>, l: &Layout, win: &Window2d) -> Result<Vec<E>> {
        win.check_input(l, "unfold")?;
        let total = win.col_rows() * win.col_cols();
        if total == 0 || l.numel() == 0 {
            return try_filled(total, E::zero());
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
        // Appended in order, each entry once (zeros where the window lies in the padding):
        // no separate zeroing pass over the (often large) matrix.
        let mut out = try_vec(total)?;
        let zero = E::zero();
        let ow = win.ow;
        for c in 0..win.c {
            for i in 0..win.kh {
                let ys = valid_range(win.oh, win.sh, i * win.dh, win.ph, win.h);
                for j in 0..win.kw {
                    let tap = j * win.dw;
                    let xs = valid_range(ow, win.sw, tap, win.pw, win.w);
                    for n in 0..win.n {
                        let plane = off + n * s0 + c * s1;
                        for oy in 0..win.oh {
                            if !ys.contains(&oy) || xs.is_empty() {
                                out.extend(std::iter::repeat_n(zero, ow));
                                continue;
                            }
                            let row = plane + (oy * win.sh + i * win.dh - win.ph) * s2;
                            let ix0 = xs.start * win.sw + tap - win.pw;
                            out.extend(std::iter::repeat_n(zero, xs.start));
                            if win.sw == 1 && s3 == 1 {
                                out.extend_from_slice(&x[row + ix0..row + ix0 + xs.len()]);
                            } else {
                                out.extend((0..xs.len()).map(|k| x[row + (ix0 + k * win.sw) * s3]));
                            }
                            out.extend(std::iter::repeat_n(zero, ow - xs.end));
                        }
                    }
                }
            }
        }
        debug_assert_eq!(out.len(), total);
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
        let cols = dense(cols, l)?;
        let ncols = win.col_cols();
        let mut out = try_filled(win.input_dims().numel(), E::zero())?;
        let (h, w, oh, ow) = (win.h, win.w, win.oh, win.ow);
        // Rows in order (the order of additions the CUDA kernel reproduces), then sample and
        // output row; within a row only the outputs whose input lies inside the image.
        let mut row = 0;
        for c in 0..win.c {
            for i in 0..win.kh {
                let ys = valid_range(oh, win.sh, i * win.dh, win.ph, h);
                for j in 0..win.kw {
                    let tap = j * win.dw;
                    let xs = valid_range(ow, win.sw, tap, win.pw, w);
                    if !xs.is_empty() {
                        let ix0 = xs.start * win.sw + tap - win.pw;
                        for n in 0..win.n {
                            let plane = (n * win.c + c) * h * w;
                            for oy in ys.clone() {
                                let iy = oy * win.sh + i * win.dh - win.ph;
                                let src = &cols[row * ncols + (n * oh + oy) * ow..][xs.clone()];
                                let base = plane + iy * w + ix0;
                                if win.sw == 1 {
                                    for (d, &v) in out[base..base + src.len()].iter_mut().zip(src) {
                                        *d += v;
                                    }
                                } else {
                                    for (k, &v) in src.iter().enumerate() {
                                        out[base + k * win.sw] += v;
                                    }
                                }
                            }
                        }
                    }
                    row += 1;
                }
            }
        }
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
            Some((b, lb)) if lb.dims() == Dims::from_array([oc]) => Some(dense(b, lb)?),
            Some((_, lb)) => {
                return Err(Error::Device(format!(
                    "conv_output: a bias of {oc} channels must be [{oc}], got {lb:?}"
                )));
            }
            None => None,
        };
        let y = dense(y, ly)?;
        let mut out = try_vec(y.len())?;
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
