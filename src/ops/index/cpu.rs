//! CPU kernels for `index_select` and `cat`.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::gather;
use crate::dtype::{Dtype, NumDtype};
use crate::error::Error;
use crate::layout::Layout;
use crate::shape::Dims;

use super::IndexKernel;

/// (outer, size, inner): the element counts before, at, and after `axis`.
fn split_at_axis(l: &Layout, axis: usize) -> (usize, usize, usize) {
    let d = l.dims();
    let d = d.as_slice();
    (
        d[..axis].iter().product(),
        d[axis],
        d[axis + 1..].iter().product(),
    )
}

impl IndexKernel for Cpu {
    fn index_select<E: Dtype>(
        &self,
        x: &Vec<E>,
        l: &Layout,
        axis: usize,
        idx: &Vec<i64>,
        lidx: &Layout,
    ) -> Result<Vec<E>> {
        let (outer, size, inner) = split_at_axis(l, axis);
        let idx = gather(idx, lidx);
        let rows = idx
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .filter(|&u| u < size)
                    .ok_or(Error::IndexOutOfRange { index: i, size })
            })
            .collect::<Result<Vec<usize>>>()?;
        let x = gather(x, l);
        let mut out = Vec::with_capacity(outer * rows.len() * inner);
        for o in 0..outer {
            for &r in &rows {
                let start = (o * size + r) * inner;
                out.extend_from_slice(&x[start..start + inner]);
            }
        }
        Ok(out)
    }

    fn index_add<E: NumDtype>(
        &self,
        dims: Dims,
        axis: usize,
        idx: &Vec<i64>,
        lidx: &Layout,
        src: &Vec<E>,
        lsrc: &Layout,
    ) -> Result<Vec<E>> {
        let out_layout = Layout::contiguous(dims);
        let (outer, size, inner) = split_at_axis(&out_layout, axis);
        let idx = gather(idx, lidx);
        let src = gather(src, lsrc);
        let mut out = vec![E::zero(); dims.numel()];
        for o in 0..outer {
            for (j, &i) in idx.iter().enumerate() {
                let row = usize::try_from(i)
                    .ok()
                    .filter(|&u| u < size)
                    .ok_or(Error::IndexOutOfRange { index: i, size })?;
                let from = (o * idx.len() + j) * inner;
                let to = (o * size + row) * inner;
                for (d, &v) in out[to..to + inner].iter_mut().zip(&src[from..from + inner]) {
                    *d = d.wadd(v);
                }
            }
        }
        Ok(out)
    }

    fn gather_rows<E: Dtype>(&self, x: &Vec<E>, l: &Layout, rows: &[usize]) -> Result<Vec<E>> {
        let size = if l.dims().rank() == 0 { 1 } else { l.dims()[0] };
        if let Some(&bad) = rows.iter().find(|&&r| r >= size) {
            return Err(Error::IndexOutOfRange {
                index: i64::try_from(bad).unwrap_or(i64::MAX),
                size,
            });
        }
        let row_len: usize = l.dims().as_slice().iter().skip(1).product();
        let mut out = Vec::with_capacity(rows.len() * row_len);
        if l.is_contiguous() {
            // Rows of a dense tensor are runs of its storage: copy them, nothing else.
            for &r in rows {
                let start = l.offset() + r * row_len;
                out.extend_from_slice(&x[start..start + row_len]);
            }
        } else {
            for &r in rows {
                let row = l.narrow(0, r, 1);
                row.for_each_index(|i| out.push(x[i]));
            }
        }
        Ok(out)
    }

    fn cat<E: Dtype>(
        &self,
        a: &Vec<E>,
        la: &Layout,
        b: &Vec<E>,
        lb: &Layout,
        axis: usize,
    ) -> Result<Vec<E>> {
        let (outer, sa, inner) = split_at_axis(la, axis);
        let (_, sb, _) = split_at_axis(lb, axis);
        let (a, b) = (gather(a, la), gather(b, lb));
        let (ra, rb) = (sa * inner, sb * inner);
        let mut out = Vec::with_capacity(a.len() + b.len());
        for o in 0..outer {
            out.extend_from_slice(&a[o * ra..(o + 1) * ra]);
            out.extend_from_slice(&b[o * rb..(o + 1) * rb]);
        }
        Ok(out)
    }
}
