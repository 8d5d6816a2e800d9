//! CPU kernels for `index_select` and `cat`.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::{dense, gather, try_vec};
use crate::dtype::{Dtype, NumDtype};
use crate::error::Error;
use crate::layout::Layout;
use crate::shape::Dims;

use super::IndexKernel;

/// (outer, size, inner): the element counts before, at, and after `axis`.
pub(crate) fn split_at_axis(l: &Layout, axis: usize) -> (usize, usize, usize) {
    let d = l.dims();
    let d = d.as_slice();
    (
        d[..axis].iter().product(),
        d[axis],
        d[axis + 1..].iter().product(),
    )
}

/// Calls `f(position in idx, row-major coordinates of idx, checked index)` for every
/// element of `idx`, after checking that `idx` fits `x`'s dims (same rank, sizes at most
/// `x`'s outside `axis`) and that its index lies in `0..x.dims[axis]`.
fn for_each_index(
    xdims: Dims,
    axis: usize,
    idx: &[i64],
    lidx: &Layout,
    mut f: impl FnMut(usize, &[usize], usize),
) -> Result<()> {
    let id = lidx.dims();
    let (xd, id) = (xdims.as_slice(), id.as_slice());
    let fits = xd.len() == id.len()
        && axis < xd.len()
        && (0..xd.len()).all(|d| d == axis || id[d] <= xd[d]);
    if !fits {
        return Err(Error::Device(format!(
            "gather/scatter_add: an index of dims {id:?} does not fit dims {xd:?} along axis {axis}"
        )));
    }
    let size = xd[axis];
    let mut c = vec![0usize; id.len()];
    for (j, &i) in idx.iter().enumerate() {
        let row = usize::try_from(i)
            .ok()
            .filter(|&u| u < size)
            .ok_or(Error::IndexOutOfRange { index: i, size })?;
        f(j, &c, row);
        for d in (0..c.len()).rev() {
            c[d] += 1;
            if c[d] < id[d] {
                break;
            }
            c[d] = 0;
        }
    }
    Ok(())
}

/// The row-major position in dims `d` of coordinates `c` with `c[axis]` replaced by `row`.
fn position(d: &[usize], c: &[usize], axis: usize, row: usize) -> usize {
    c.iter().enumerate().fold(0, |acc, (k, &ck)| {
        acc * d[k] + if k == axis { row } else { ck }
    })
}

impl IndexKernel for Cpu {
    fn gather<E: Dtype>(
        &self,
        x: &Vec<E>,
        l: &Layout,
        axis: usize,
        idx: &Vec<i64>,
        lidx: &Layout,
    ) -> Result<Vec<E>> {
        let (idx, x) = (gather(idx, lidx)?, dense(x, l)?);
        let dims = l.dims();
        let mut out = try_vec(idx.len())?;
        for_each_index(dims, axis, &idx, lidx, |_, c, row| {
            out.push(x[position(dims.as_slice(), c, axis, row)]);
        })?;
        Ok(out)
    }

    fn scatter_add<E: NumDtype>(
        &self,
        x: &Vec<E>,
        l: &Layout,
        axis: usize,
        idx: &Vec<i64>,
        lidx: &Layout,
        src: &Vec<E>,
        lsrc: &Layout,
    ) -> Result<Vec<E>> {
        if lsrc.dims() != lidx.dims() {
            return Err(Error::Device(format!(
                "scatter_add: source dims {:?} differ from the index's {:?}",
                lsrc.dims(),
                lidx.dims()
            )));
        }
        let (idx, src) = (gather(idx, lidx)?, dense(src, lsrc)?);
        let dims = l.dims();
        let mut out = gather(x, l)?;
        for_each_index(dims, axis, &idx, lidx, |j, c, row| {
            let p = position(dims.as_slice(), c, axis, row);
            out[p] = out[p].wadd(src[j]);
        })?;
        Ok(out)
    }

    fn index_select<E: Dtype>(
        &self,
        x: &Vec<E>,
        l: &Layout,
        axis: usize,
        idx: &Vec<i64>,
        lidx: &Layout,
    ) -> Result<Vec<E>> {
        let (outer, size, inner) = split_at_axis(l, axis);
        let idx = gather(idx, lidx)?;
        let rows = idx
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .filter(|&u| u < size)
                    .ok_or(Error::IndexOutOfRange { index: i, size })
            })
            .collect::<Result<Vec<usize>>>()?;
        let x = gather(x, l)?;
        let mut out = try_vec(outer * rows.len() * inner)?;
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
        let idx = gather(idx, lidx)?;
        let src = gather(src, lsrc)?;
        let mut out = try_vec(dims.numel())?;
        out.resize(dims.numel(), E::zero());
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
        let mut out = try_vec(rows.len() * row_len)?;
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
        let (a, b) = (gather(a, la)?, gather(b, lb)?);
        let (ra, rb) = (sa * inner, sb * inner);
        let mut out = try_vec(a.len() + b.len())?;
        for o in 0..outer {
            out.extend_from_slice(&a[o * ra..(o + 1) * ra]);
            out.extend_from_slice(&b[o * rb..(o + 1) * rb]);
        }
        Ok(out)
    }
}
