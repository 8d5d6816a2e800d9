//! Where a tensor's elements sit in its storage: run-time dims, strides and an offset.
//!
//! Views (`t()`, `transpose`, `permute`, `narrow`, broadcasting) only change the layout, so
//! they cost no copy; kernels read any layout and take a fast path for contiguous ones.
use crate::shape::{Dims, MAX_RANK};

/// Dims, element strides and the offset of the first element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub(crate) dims: Dims,
    pub(crate) strides: [usize; MAX_RANK],
    pub(crate) offset: usize,
}

impl Layout {
    /// The row-major layout of `dims`, starting at offset 0.
    pub fn contiguous(dims: Dims) -> Self {
        let mut strides = [0; MAX_RANK];
        let mut acc = 1;
        for i in (0..dims.rank()).rev() {
            strides[i] = acc;
            acc *= dims[i];
        }
        Layout {
            dims,
            strides,
            offset: 0,
        }
    }

    /// The dimensions.
    pub fn dims(&self) -> Dims {
        self.dims
    }

    /// The strides, in elements, of each dimension.
    pub fn strides(&self) -> &[usize] {
        &self.strides[..self.dims.rank()]
    }

    /// The storage index of the first element.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.dims.numel()
    }

    /// Whether the elements are one dense row-major run starting at `offset`.
    pub fn is_contiguous(&self) -> bool {
        let mut acc = 1;
        for i in (0..self.dims.rank()).rev() {
            // A dimension of size 1 may have any stride: it never moves.
            if self.dims[i] != 1 && self.strides[i] != acc {
                return false;
            }
            acc *= self.dims[i];
        }
        true
    }

    /// The storage range this layout can touch, when it is contiguous.
    pub(crate) fn contiguous_range(&self) -> Option<std::ops::Range<usize>> {
        self.is_contiguous()
            .then(|| self.offset..self.offset + self.numel())
    }

    /// Whether every element is the same storage element (a broadcast scalar): each
    /// dimension has stride 0 or size 1.
    pub(crate) fn is_uniform(&self) -> bool {
        (0..self.dims.rank()).all(|d| self.strides[d] == 0 || self.dims[d] == 1)
    }

    /// Swaps two dimensions (no copy).
    pub(crate) fn transpose(mut self, a: usize, b: usize) -> Self {
        let mut d: [usize; MAX_RANK] = [0; MAX_RANK];
        d[..self.dims.rank()].copy_from_slice(self.dims.as_slice());
        d.swap(a, b);
        self.strides.swap(a, b);
        self.dims = Dims::new(&d[..self.dims.rank()]).unwrap_or(self.dims);
        self
    }

    /// Reorders dimensions: output dim `i` is input dim `perm[i]` (no copy).
    pub(crate) fn permute(self, perm: &[usize]) -> Self {
        let mut d = [0; MAX_RANK];
        let mut s = [0; MAX_RANK];
        for (i, &p) in perm.iter().enumerate() {
            d[i] = self.dims[p];
            s[i] = self.strides[p];
        }
        Layout {
            dims: Dims::new(&d[..perm.len()]).unwrap_or(self.dims),
            strides: s,
            offset: self.offset,
        }
    }

    /// Keeps `len` entries of dimension `dim` starting at `start` (no copy).
    pub(crate) fn narrow(mut self, dim: usize, start: usize, len: usize) -> Self {
        self.offset += start * self.strides[dim];
        let mut d = [0; MAX_RANK];
        d[..self.dims.rank()].copy_from_slice(self.dims.as_slice());
        d[dim] = len;
        self.dims = Dims::new(&d[..self.dims.rank()]).unwrap_or(self.dims);
        self
    }

    /// This layout seen with the dims `to`, PyTorch-broadcast: dims are matched from the
    /// right, missing or size-1 dims repeat with stride 0. Shape rules guarantee the dims fit.
    pub(crate) fn broadcast_to(&self, to: Dims) -> Self {
        let r = self.dims.rank();
        let tr = to.rank();
        let mut strides = [0; MAX_RANK];
        for i in 0..tr {
            if i + r >= tr {
                let j = i + r - tr;
                strides[i] = if self.dims[j] == to[i] {
                    self.strides[j]
                } else {
                    0
                };
            }
        }
        Layout {
            dims: to,
            strides,
            offset: self.offset,
        }
    }

    /// Same elements as a new shape of equal element count, if that needs no copy.
    pub(crate) fn reshaped(&self, to: Dims) -> Option<Self> {
        self.is_contiguous().then(|| Layout {
            offset: self.offset,
            ..Layout::contiguous(to)
        })
    }

    /// Calls `f` with the storage index of every element, in row-major order.
    pub(crate) fn for_each_index(&self, mut f: impl FnMut(usize)) {
        if let Some(r) = self.contiguous_range() {
            r.for_each(f);
            return;
        }
        let rank = self.dims.rank();
        let (inner_len, inner_stride) = (self.dims[rank - 1], self.strides[rank - 1]);
        self.for_each_row(|base| {
            let mut idx = base;
            for _ in 0..inner_len {
                f(idx);
                idx += inner_stride;
            }
        });
    }

    /// Calls `f` with the start index of each innermost row (all dims but the last).
    /// Requires rank >= 1 and at least one element.
    #[inline]
    pub(crate) fn for_each_row(&self, mut f: impl FnMut(usize)) {
        let rank = self.dims.rank();
        if self.numel() == 0 {
            return;
        }
        let mut counter = [0usize; MAX_RANK];
        let mut base = self.offset;
        loop {
            f(base);
            // Advance the multi-index over dims 0..rank-1 like an odometer.
            let mut d = rank - 1;
            loop {
                if d == 0 {
                    return;
                }
                d -= 1;
                counter[d] += 1;
                base += self.strides[d];
                if counter[d] < self.dims[d] {
                    break;
                }
                base -= self.strides[d] * counter[d];
                counter[d] = 0;
            }
        }
    }
}

/// Calls `f` with the storage indices of the same element in two layouts of equal dims
/// (a reference for the tests: kernels read non-contiguous layouts through `gather`).
#[cfg(test)]
pub(crate) fn zip_indices(a: &Layout, b: &Layout, mut f: impl FnMut(usize, usize)) {
    debug_assert_eq!(a.dims, b.dims);
    let rank = a.dims.rank();
    if a.numel() == 0 {
        return;
    }
    if rank == 0 {
        f(a.offset, b.offset);
        return;
    }
    if let (Some(ra), Some(rb)) = (a.contiguous_range(), b.contiguous_range()) {
        ra.zip(rb).for_each(|(i, j)| f(i, j));
        return;
    }
    let (n, sa, sb) = (a.dims[rank - 1], a.strides[rank - 1], b.strides[rank - 1]);
    let mut counter = [0usize; MAX_RANK];
    let (mut ba, mut bb) = (a.offset, b.offset);
    loop {
        let (mut i, mut j) = (ba, bb);
        for _ in 0..n {
            f(i, j);
            i += sa;
            j += sb;
        }
        let mut d = rank - 1;
        loop {
            if d == 0 {
                return;
            }
            d -= 1;
            counter[d] += 1;
            ba += a.strides[d];
            bb += b.strides[d];
            if counter[d] < a.dims[d] {
                break;
            }
            ba -= a.strides[d] * counter[d];
            bb -= b.strides[d] * counter[d];
            counter[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(d: &[usize]) -> Dims {
        Dims::new(d).unwrap()
    }

    fn indices(l: &Layout) -> Vec<usize> {
        let mut v = vec![];
        l.for_each_index(|i| v.push(i));
        v
    }

    #[test]
    fn contiguous_and_transposed_order() {
        let l = Layout::contiguous(dims(&[2, 3]));
        assert_eq!(l.strides(), &[3, 1]);
        assert_eq!(indices(&l), vec![0, 1, 2, 3, 4, 5]);
        let t = l.transpose(0, 1);
        assert!(!t.is_contiguous());
        assert_eq!(indices(&t), vec![0, 3, 1, 4, 2, 5]);
    }

    #[test]
    fn narrow_and_broadcast() {
        let l = Layout::contiguous(dims(&[3, 4]))
            .narrow(0, 1, 2)
            .narrow(1, 1, 2);
        assert_eq!(indices(&l), vec![5, 6, 9, 10]);
        let b = Layout::contiguous(dims(&[4])).broadcast_to(dims(&[2, 4]));
        assert_eq!(indices(&b), vec![0, 1, 2, 3, 0, 1, 2, 3]);
        let col = Layout::contiguous(dims(&[2, 1])).broadcast_to(dims(&[2, 3]));
        assert_eq!(indices(&col), vec![0, 0, 0, 1, 1, 1]);
    }

    #[test]
    fn zip_matches_separate_walks() {
        let a = Layout::contiguous(dims(&[2, 3, 4])).permute(&[2, 0, 1]);
        let b = Layout::contiguous(dims(&[4, 2, 3]));
        let mut pairs = vec![];
        zip_indices(&a, &b, |i, j| pairs.push((i, j)));
        let expect: Vec<_> = indices(&a).into_iter().zip(indices(&b)).collect();
        assert_eq!(pairs, expect);
    }

    #[test]
    fn rank0_and_empty() {
        let s = Layout::contiguous(dims(&[]));
        assert_eq!(indices(&s), vec![0]);
        let e = Layout::contiguous(dims(&[0, 3])).transpose(0, 1);
        assert!(indices(&e).is_empty());
    }
}
