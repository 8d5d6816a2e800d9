//! The CPU device: storage is a `Vec`, kernels are plain loops and matrixmultiply.
use std::borrow::Cow;

use crate::Result;
use crate::dtype::Dtype;
use crate::error::Error;
use crate::layout::Layout;

use super::DeviceStorage;

/// The host CPU. The default device of every tensor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cpu;

impl DeviceStorage for Cpu {
    type Storage<E: Dtype> = Vec<E>;

    fn print_name(&self) -> Option<String> {
        None
    }

    fn alloc_filled<E: Dtype>(&self, len: usize, value: E) -> Result<Vec<E>> {
        let mut v = try_vec(len)?;
        v.resize(len, value);
        Ok(v)
    }

    fn upload<E: Dtype>(&self, data: Vec<E>) -> Result<Vec<E>> {
        Ok(data)
    }

    fn download<E: Dtype>(&self, storage: &Vec<E>, layout: &Layout) -> Result<Vec<E>> {
        gather(storage, layout)
    }
}

/// An empty buffer with room for `n` elements, or [`Error::Device`] saying the CPU is out
/// of memory: every tensor-sized CPU buffer is allocated through it, so a tensor too large
/// for memory is an `Err` (and a panic from the infallible forms), never an abort.
pub(crate) fn try_vec<T>(n: usize) -> Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| out_of_memory::<T>(n))?;
    Ok(v)
}

/// The error of a failed allocation of `n` elements of `T`.
pub(crate) fn out_of_memory<T>(n: usize) -> Error {
    let bytes = (n as u128) * (size_of::<T>() as u128);
    Error::Device(format!(
        "out of memory: cannot allocate {bytes} bytes ({n} elements) on the CPU"
    ))
}

/// A buffer of `n` copies of `value`, or the out-of-memory error.
pub(crate) fn try_filled<T: Clone>(n: usize, value: T) -> Result<Vec<T>> {
    let mut v = try_vec(n)?;
    v.resize(n, value);
    Ok(v)
}

/// `data` copied into a new buffer, or the out-of-memory error.
pub(crate) fn try_copy<T: Copy>(data: &[T]) -> Result<Vec<T>> {
    let mut v = try_vec(data.len())?;
    v.extend_from_slice(data);
    Ok(v)
}

/// The elements a layout selects, as kernels read them: one dense run in row-major order
/// (borrowed when the layout is contiguous, gathered into a new buffer otherwise), or the
/// one value of a broadcast scalar. Kernels then need a loop per case, not per layout.
pub(crate) enum Elems<'a, T: Clone> {
    /// Every element, in row-major order.
    Dense(Cow<'a, [T]>),
    /// The value every element has (a broadcast scalar; at least one element).
    Scalar(T),
}

/// The elements `layout` selects from `data` (see [`Elems`]).
#[inline]
pub(crate) fn elems<'a, T: Copy>(data: &'a [T], layout: &Layout) -> Result<Elems<'a, T>> {
    Ok(if let Some(r) = layout.contiguous_range() {
        Elems::Dense(Cow::Borrowed(&data[r]))
    } else if layout.numel() > 0 && layout.is_uniform() {
        Elems::Scalar(data[layout.offset()])
    } else {
        Elems::Dense(Cow::Owned(gather(data, layout)?))
    })
}

/// The elements `layout` selects from `data` as one dense run (see [`Elems`]).
#[inline]
pub(crate) fn dense<'a, T: Copy>(data: &'a [T], layout: &Layout) -> Result<Cow<'a, [T]>> {
    Ok(match layout.contiguous_range() {
        Some(r) => Cow::Borrowed(&data[r]),
        None => Cow::Owned(gather(data, layout)?),
    })
}

/// The elements a layout selects, in row-major order.
pub(crate) fn gather<E: Copy>(data: &[E], layout: &Layout) -> Result<Vec<E>> {
    if let Some(r) = layout.contiguous_range() {
        return try_copy(&data[r]);
    }
    let n = layout.numel();
    if n == 0 {
        return Ok(Vec::new());
    }
    if layout.is_uniform() {
        let mut out = try_vec(n)?;
        out.resize(n, data[layout.offset()]);
        return Ok(out);
    }
    let dims = layout.dims();
    let strides = layout.strides();
    if dims.rank() == 2 && strides[0] == 1 {
        return gather_transposed(data, layout.offset(), dims[0], dims[1], strides[1]);
    }
    let (len, s) = (dims[dims.rank() - 1], strides[dims.rank() - 1]);
    let mut out = try_vec(n)?;
    layout.for_each_row(|base| {
        if s == 1 {
            out.extend_from_slice(&data[base..base + len]);
        } else {
            out.extend((0..len).map(|j| data[base + j * s]));
        }
    });
    Ok(out)
}

/// The elements of a `rows × cols` matrix stored column by column (element `(i, j)` at
/// `offset + i + j * ld`), in row-major order: copied in tiles, so that both the reads and
/// the writes stay within a few cache lines (a transposing copy that strides through
/// memory is several times slower).
fn gather_transposed<E: Copy>(
    data: &[E],
    offset: usize,
    rows: usize,
    cols: usize,
    ld: usize,
) -> Result<Vec<E>> {
    const TILE: usize = 32;
    let n = rows * cols;
    if n == 0 {
        return Ok(Vec::new());
    }
    // Bounds check once: the last element read is (rows - 1, cols - 1).
    let data = &data[offset..offset + (rows - 1) + (cols - 1) * ld + 1];
    let mut out: Vec<E> = try_vec(n)?;
    let spare = &mut out.spare_capacity_mut()[..n];
    for i0 in (0..rows).step_by(TILE) {
        for j0 in (0..cols).step_by(TILE) {
            for j in j0..(j0 + TILE).min(cols) {
                for i in i0..(i0 + TILE).min(rows) {
                    spare[i * cols + j].write(data[i + j * ld]);
                }
            }
        }
    }
    // SAFETY: the tiles cover every (i, j) with i < rows and j < cols, so each of the first
    // `n` elements was written above.
    unsafe { out.set_len(n) };
    Ok(out)
}
