//! Reading and writing NumPy `.npy` files.
//!
//! [`read_npy`] accepts what NumPy writes for the supported element types
//! (see [`NpyElement`]): format versions 1.0, 2.0 and 3.0, either byte order,
//! and C or Fortran order (Fortran-order data is transposed to C order).
//! [`write_npy`] produces the bytes `np.save` would for the same array.
//!
//! Reading is defensive: a header cannot make the reader panic or allocate
//! more than the data actually present, and every refusal is an [`NpyError`]
//! that says what was expected and what was found.
//!
//! Deliberately not supported: converting between dtypes (an `<i4` file is
//! not read as `i64`), structured, string, object and other dtypes without a
//! tensor equivalent, `.npz` archives (unzip them first), and streams holding
//! several arrays back to back (the stream must end after one array).
//!
//! ```
//! use typetensor::npy::{read_npy, write_npy};
//!
//! let mut bytes = Vec::new();
//! write_npy(&mut bytes, &[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3])?;
//!
//! let (data, shape) = read_npy::<f32, _>(bytes.as_slice())?;
//! assert_eq!(shape, [2, 3]);
//! assert_eq!(data, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
//!
//! // Asking for the wrong element type is an error, not a conversion.
//! let err = read_npy::<i32, _>(bytes.as_slice()).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "dtype mismatch: the file holds '<f4' (float32) but the tensor is int32"
//! );
//! # Ok::<(), typetensor::npy::NpyError>(())
//! ```

mod dtype;
mod element;
mod error;
mod header;
mod literal;

use std::io::{self, Read, Write};

pub use element::NpyElement;
pub use error::NpyError;

use dtype::ByteOrder;
use element::sealed::Sealed;
use error::TRAILING_COUNT_LIMIT;
use header::{Descr, Header};

/// Data is read and written through a buffer of this many bytes. It is a
/// multiple of every element size, so chunks never split an element.
const CHUNK_BYTES: usize = 1 << 16;

/// Reads a whole `.npy` stream: returns the row-major (C-order) data and
/// the shape.
///
/// The file's dtype must be exactly `E`'s (any byte order); the stream must
/// end right after the array data. A 0-d array has shape `[]` and one
/// element. For a `Read` whose length is unknown, memory grows with the data
/// actually read, so a header announcing terabytes fails with
/// [`NpyError::TruncatedData`] instead of an allocation failure.
///
/// Wrap a [`std::fs::File`] in a [`std::io::BufReader`] or not: reads are
/// already done in large chunks, apart from a few small header reads.
///
/// # Errors
///
/// [`NpyError::Io`] if reading fails; otherwise the variant that names what
/// is wrong with the stream: not `.npy`, an unsupported version, a malformed
/// or truncated header, a dtype other than `E`'s, an impossible shape,
/// missing or extra data, or (for `bool`) a byte other than 0 or 1.
///
/// ```
/// use typetensor::npy::{read_npy, write_npy};
///
/// let mut bytes = Vec::new();
/// write_npy(&mut bytes, &[true, false], &[2])?;
/// let (data, shape) = read_npy::<bool, _>(&bytes[..])?;
/// assert_eq!((data, shape), (vec![true, false], vec![2]));
/// # Ok::<(), typetensor::npy::NpyError>(())
/// ```
pub fn read_npy<E: NpyElement, R: Read>(reader: R) -> Result<(Vec<E>, Vec<usize>), NpyError> {
    read_npy_checked(reader, |shape| Ok(shape.to_vec()))
}

/// [`read_npy`] that calls `accept` with the header's shape before reading any data, so a
/// caller that knows what it wants (a tensor type) refuses a file of another shape without
/// reading, or allocating for, its payload. Returns the data and what `accept` returned.
pub(crate) fn read_npy_checked<E: NpyElement, R: Read, T, Err: From<NpyError>>(
    mut reader: R,
    accept: impl FnOnce(&[usize]) -> Result<T, Err>,
) -> Result<(Vec<E>, T), Err> {
    let header = header::read_header(&mut reader)?;
    let order = check_dtype::<E>(&header)?;
    let (shape, count) = layout(&header, E::SIZE)?;
    let accepted = accept(&shape)?;
    let data_bytes = count as u64 * E::SIZE as u64;

    let data = read_data::<E, _>(&mut reader, count, order)?;

    // Counting only up to a limit (rather than draining the rest) keeps an
    // endless stream from hanging the reader while still reporting it.
    let extra = io::copy(
        &mut (&mut reader).take(TRAILING_COUNT_LIMIT + 1),
        &mut io::sink(),
    )
    .map_err(NpyError::from)?;
    if extra > 0 {
        return Err(NpyError::TrailingData {
            expected: data_bytes,
            extra,
        }
        .into());
    }

    let data = if header.fortran_order {
        fortran_to_c(&data, &shape).map_err(NpyError::from)?
    } else {
        data
    };
    Ok((data, accepted))
}

/// Writes data (row-major) with the given shape as `.npy` version 1.0
/// (C order, little-endian), byte-for-byte as `np.save` writes it.
///
/// `data.len()` must equal the product of `shape` (1 for the empty shape of
/// a 0-d array). NumPy loads arrays of up to 64 dimensions (32 before NumPy
/// 2.0); more are written all the same, and only if the header outgrows
/// version 1.0's 64 KiB limit (thousands of dimensions) is version 2.0 used,
/// as `np.save` would.
///
/// The writer is flushed before returning, so errors from a buffered writer
/// are reported here rather than lost on drop.
///
/// # Errors
///
/// [`NpyError::ShapeMismatch`] if `data.len()` is not the shape's element
/// count, [`NpyError::ShapeTooLarge`] if the shape could not be read back
/// (its size in bytes overflows `isize`), and [`NpyError::Io`] if writing
/// fails (in which case part of the file may have been written).
///
/// ```
/// use typetensor::npy::write_npy;
///
/// let mut bytes = Vec::new();
/// write_npy(&mut bytes, &[1i64, 2, 3], &[3])?;
/// assert!(bytes.starts_with(b"\x93NUMPY\x01\x00"));
/// assert_eq!(bytes.len(), 128 + 3 * 8);
/// # Ok::<(), typetensor::npy::NpyError>(())
/// ```
pub fn write_npy<E: NpyElement, W: Write>(
    mut writer: W,
    data: &[E],
    shape: &[usize],
) -> Result<(), NpyError> {
    // The same limit the reader enforces, so whatever we write reads back.
    let too_large = || NpyError::ShapeTooLarge {
        shape: header::shape_repr(shape),
        item_size: E::SIZE,
    };
    let nonzero_product = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(too_large)?;
    if nonzero_product
        .checked_mul(E::SIZE)
        .is_none_or(|bytes| bytes > isize::MAX as usize)
    {
        return Err(too_large());
    }
    let count = if shape.contains(&0) {
        0
    } else {
        nonzero_product
    };
    if data.len() != count {
        return Err(NpyError::ShapeMismatch {
            shape: shape.to_vec(),
            len: data.len(),
        });
    }

    let header = header::encode_header(E::DESCR, shape).ok_or_else(too_large)?;
    writer.write_all(&header)?;
    let mut buf = Vec::with_capacity(CHUNK_BYTES.min(data.len() * E::SIZE));
    for chunk in data.chunks(CHUNK_BYTES / E::SIZE) {
        buf.clear();
        E::encode(chunk, &mut buf);
        writer.write_all(&buf)?;
    }
    writer.flush()?;
    Ok(())
}

/// Fills `buf` from `reader` as far as the stream allows, returning how
/// many bytes were read. Unlike `read_exact`, a short stream is not an
/// error here, so callers can report how much was actually there.
pub(crate) fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Checks the header's dtype is `E`'s and returns the byte order to decode
/// with.
fn check_dtype<E: NpyElement>(header: &Header) -> Result<ByteOrder, NpyError> {
    let mismatch = || NpyError::DtypeMismatch {
        expected: E::DTYPE_NAME,
        found: header.descr.text().to_string(),
    };
    let Descr::Simple(text) = &header.descr else {
        return Err(mismatch());
    };
    match dtype::parse_descr(text) {
        Some(d) if d.kind == E::KIND && d.size == E::SIZE => Ok(d.order),
        _ => Err(mismatch()),
    }
}

/// Converts the header's shape to `usize` and returns it with the element
/// count, refusing shapes whose data could not fit in memory.
///
/// Like NumPy, the check multiplies the non-zero dimensions: an empty array
/// with dimensions that would overflow when non-empty is refused too, so
/// callers can do arithmetic on the returned shape without overflow checks.
fn layout(header: &Header, item_size: usize) -> Result<(Vec<usize>, usize), NpyError> {
    let too_large = || NpyError::ShapeTooLarge {
        shape: header::shape_repr(&header.shape),
        item_size,
    };
    let mut shape = Vec::with_capacity(header.shape.len());
    let mut nonzero_bytes = item_size;
    for dim in &header.shape {
        let d = dim
            .magnitude
            .and_then(|m| usize::try_from(m).ok())
            .ok_or_else(too_large)?;
        if d != 0 {
            nonzero_bytes = nonzero_bytes
                .checked_mul(d)
                .filter(|&b| b <= isize::MAX as usize)
                .ok_or_else(too_large)?;
        }
        shape.push(d);
    }
    let count = if shape.contains(&0) {
        0
    } else {
        nonzero_bytes / item_size
    };
    Ok((shape, count))
}

/// Reads `count` elements in chunks, so memory grows only as fast as data
/// actually arrives.
fn read_data<E: NpyElement, R: Read>(
    reader: &mut R,
    count: usize,
    order: ByteOrder,
) -> Result<Vec<E>, NpyError> {
    // Cannot overflow: `layout` bounded this by `isize::MAX`.
    let total = count * E::SIZE;
    let chunk_len = CHUNK_BYTES.min(total);
    let mut out = Vec::new();
    let mut buf = vec![0u8; chunk_len];
    let mut done = 0;
    while done < total {
        let want = chunk_len.min(total - done);
        let got = read_full(reader, &mut buf[..want])?;
        if got < want {
            return Err(NpyError::TruncatedData {
                expected: total as u64,
                found: (done + got) as u64,
            });
        }
        let decoded_before = out.len();
        // Memory grows with the data that arrives, and running out is an error, not an abort.
        out.try_reserve(want / E::SIZE).map_err(out_of_memory)?;
        E::decode(&buf[..want], order, &mut out).map_err(|bad| NpyError::InvalidBool {
            index: (decoded_before + bad.index) as u64,
            byte: bad.byte,
        })?;
        done += want;
    }
    Ok(out)
}

/// An allocation failure as the I/O error it is to the caller.
fn out_of_memory(e: std::collections::TryReserveError) -> io::Error {
    io::Error::new(io::ErrorKind::OutOfMemory, format!("out of memory: {e}"))
}

/// Reorders column-major data of `shape` into row-major order.
fn fortran_to_c<E: Copy>(data: &[E], shape: &[usize]) -> io::Result<Vec<E>> {
    // With fewer than two dimensions (or no elements) both orders coincide.
    if shape.len() < 2 || data.is_empty() {
        let mut out = Vec::new();
        out.try_reserve_exact(data.len()).map_err(out_of_memory)?;
        out.extend_from_slice(data);
        return Ok(out);
    }
    // Column-major strides: the first axis varies fastest.
    let mut strides = Vec::with_capacity(shape.len());
    let mut stride = 1;
    for &d in shape {
        strides.push(stride);
        stride *= d;
    }
    // Walk the output in row-major order with an odometer over the
    // multi-index, keeping the matching column-major offset in step, so no
    // per-element division is needed.
    let mut index = vec![0usize; shape.len()];
    let mut offset = 0;
    let mut out = Vec::new();
    out.try_reserve_exact(data.len()).map_err(out_of_memory)?;
    for _ in 0..data.len() {
        out.push(data[offset]);
        for axis in (0..shape.len()).rev() {
            index[axis] += 1;
            offset += strides[axis];
            if index[axis] < shape[axis] {
                break;
            }
            offset -= strides[axis] * shape[axis];
            index[axis] = 0;
        }
    }
    Ok(out)
}

/// Compile-time check that every element type's size is what its `descr`
/// says, since decoding relies on `SIZE` bytes per element.
const _: () = {
    assert!(<f32 as Sealed>::SIZE == size_of::<f32>());
    assert!(<f64 as Sealed>::SIZE == size_of::<f64>());
    assert!(<i32 as Sealed>::SIZE == size_of::<i32>());
    assert!(<i64 as Sealed>::SIZE == size_of::<i64>());
    assert!(<bool as Sealed>::SIZE == size_of::<bool>());
    assert!(CHUNK_BYTES.is_multiple_of(8));
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortran_to_c_matches_index_formula() {
        let shape = [2, 3, 4];
        // Column-major: element (i, j, k) sits at i + 2 j + 6 k.
        let data: Vec<usize> = (0..24).collect();
        let c = fortran_to_c(&data, &shape).unwrap();
        let mut n = 0;
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..4 {
                    assert_eq!(c[n], i + 2 * j + 6 * k);
                    n += 1;
                }
            }
        }
        assert_eq!(fortran_to_c(&data, &[24]).unwrap(), data);
        assert_eq!(fortran_to_c::<u8>(&[], &[0, 5]).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn layout_checks_nonzero_product() {
        let header = |dims: &[u128]| Header {
            descr: Descr::Simple("<f4".into()),
            fortran_order: false,
            shape: dims
                .iter()
                .map(|&d| literal::IntLit {
                    negative: false,
                    magnitude: Some(d),
                    text: d.to_string(),
                })
                .collect(),
        };
        assert_eq!(layout(&header(&[2, 3]), 4).unwrap(), (vec![2, 3], 6));
        assert_eq!(layout(&header(&[]), 4).unwrap(), (vec![], 1));
        assert_eq!(layout(&header(&[0, 7]), 4).unwrap(), (vec![0, 7], 0));
        let big = 1u128 << 62;
        assert!(layout(&header(&[big, 0]), 1).is_ok());
        assert!(layout(&header(&[big, 0]), 4).is_err());
        assert!(layout(&header(&[big, big, 0]), 1).is_err());
        assert!(layout(&header(&[u128::MAX]), 1).is_err());
    }

    #[test]
    fn read_full_retries_interrupted_reads() {
        struct Flaky(u32);
        impl Read for Flaky {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.0 += 1;
                if self.0 % 2 == 1 {
                    return Err(io::ErrorKind::Interrupted.into());
                }
                buf[0] = 7;
                Ok(1)
            }
        }
        let mut buf = [0u8; 5];
        assert_eq!(read_full(&mut Flaky(0), &mut buf).unwrap(), 5);
        assert_eq!(buf, [7; 5]);
    }
}
