//! The error type of `.npy` reading and writing.

use std::{error, fmt, io};

use super::dtype;

/// How many bytes past the end of the array are counted for
/// [`NpyError::TrailingData`] before giving up: enough to say how much is
/// there for any plausible file, without reading an endless stream forever.
pub(crate) const TRAILING_COUNT_LIMIT: u64 = 1 << 16;

/// Why a `.npy` stream was refused (or could not be written).
///
/// Every variant's `Display` message says what was expected and what was
/// found, so it can be shown to a user as is.
#[derive(Debug)]
#[non_exhaustive]
pub enum NpyError {
    /// The underlying reader or writer failed.
    Io(io::Error),
    /// The stream does not start with the `.npy` magic string `\x93NUMPY`.
    NotNpy {
        /// The first bytes of the stream (at most 8).
        found: Vec<u8>,
    },
    /// The format version is not 1.0, 2.0 or 3.0.
    UnsupportedVersion {
        /// Major version byte from the file.
        major: u8,
        /// Minor version byte from the file.
        minor: u8,
    },
    /// The stream ended inside the magic string, version or header.
    TruncatedHeader {
        /// Bytes the header (magic and length included) needed.
        expected: u64,
        /// Bytes that were there.
        found: u64,
    },
    /// The header length field is larger than this reader accepts. Real
    /// headers are a few hundred bytes; this guards against a hostile
    /// length making the reader allocate gigabytes.
    HeaderTooLong {
        /// The header length the file declares.
        len: u64,
        /// The largest header length accepted.
        max: u64,
    },
    /// The header is not a valid `{'descr': ..., 'fortran_order': ...,
    /// 'shape': ...}` dict.
    MalformedHeader {
        /// What is wrong with it.
        reason: String,
    },
    /// The file's dtype is not the requested element type. No conversions
    /// are made, not even lossless ones.
    DtypeMismatch {
        /// NumPy's name for the requested element type (e.g. `float32`).
        expected: &'static str,
        /// The `descr` from the header, as written there (e.g. `<f8`).
        found: String,
    },
    /// The shape's total size in bytes overflows or exceeds what one
    /// allocation can hold (`isize::MAX` bytes), so it cannot be real data.
    ShapeTooLarge {
        /// The shape, written as a Python tuple.
        shape: String,
        /// Bytes per element.
        item_size: usize,
    },
    /// The stream ended before all the array data the header announced.
    TruncatedData {
        /// Data bytes the header's shape and dtype require.
        expected: u64,
        /// Data bytes that were there.
        found: u64,
    },
    /// The stream continues after the array data.
    TrailingData {
        /// Data bytes the header's shape and dtype require.
        expected: u64,
        /// Extra bytes found after them, counted only up to a limit; when
        /// the limit is reached the message says "more than".
        extra: u64,
    },
    /// A `bool` element is stored as a byte other than 0 or 1.
    InvalidBool {
        /// Index of the element in file order.
        index: u64,
        /// The byte found.
        byte: u8,
    },
    /// [`write_npy`](super::write_npy) was given a data slice whose length
    /// is not the product of the shape.
    ShapeMismatch {
        /// The shape given.
        shape: Vec<usize>,
        /// The number of elements given.
        len: usize,
    },
}

impl fmt::Display for NpyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NpyError::Io(e) => write!(f, "I/O error in .npy stream: {e}"),
            NpyError::NotNpy { found } => {
                if found.is_empty() {
                    return f.write_str("not a .npy file: the stream is empty");
                }
                write!(
                    f,
                    "not a .npy file: expected the magic string b\"\\x93NUMPY\", found b\"{}\"",
                    found.escape_ascii()
                )?;
                if found.starts_with(b"PK\x03\x04") {
                    f.write_str(
                        " (this is a zip archive, e.g. an .npz file holding several arrays; \
                         extract the .npy member first)",
                    )?;
                }
                Ok(())
            }
            NpyError::UnsupportedVersion { major, minor } => write!(
                f,
                "unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0)"
            ),
            NpyError::TruncatedHeader { expected, found } => write!(
                f,
                "truncated .npy header: expected {expected} bytes, found only {found}"
            ),
            NpyError::HeaderTooLong { len, max } => write!(
                f,
                ".npy header declares a length of {len} bytes, more than the {max} bytes accepted"
            ),
            NpyError::MalformedHeader { reason } => write!(f, "malformed .npy header: {reason}"),
            NpyError::DtypeMismatch { expected, found } => write!(
                f,
                "dtype mismatch: the file holds '{found}' ({}) but the tensor is {expected}",
                dtype::describe(found)
            ),
            NpyError::ShapeTooLarge { shape, item_size } => write!(
                f,
                "shape {shape} is too large: {item_size}-byte elements would need more than \
                 isize::MAX bytes"
            ),
            NpyError::TruncatedData { expected, found } => write!(
                f,
                "truncated .npy data: expected {expected} bytes, found {found}"
            ),
            NpyError::TrailingData { expected, extra } => {
                write!(
                    f,
                    "trailing data after the .npy array: the header accounts for {expected} data \
                     bytes, but "
                )?;
                if *extra > TRAILING_COUNT_LIMIT {
                    write!(f, "more than {TRAILING_COUNT_LIMIT} more bytes follow")
                } else if *extra == 1 {
                    f.write_str("1 more byte follows")
                } else {
                    write!(f, "{extra} more bytes follow")
                }
            }
            NpyError::InvalidBool { index, byte } => write!(
                f,
                "invalid bool byte 0x{byte:02x} at element {index}: .npy bools must be 0 or 1"
            ),
            NpyError::ShapeMismatch { shape, len } => {
                let needed = shape
                    .iter()
                    .try_fold(1usize, |acc, &d| acc.checked_mul(d))
                    .map_or_else(|| "more than usize::MAX".to_string(), |n| n.to_string());
                write!(
                    f,
                    "shape {shape:?} needs {needed} elements but the data has {len}"
                )
            }
        }
    }
}

impl error::Error for NpyError {
    fn source(&self) -> Option<&(dyn error::Error + 'static)> {
        match self {
            NpyError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for NpyError {
    fn from(e: io::Error) -> Self {
        NpyError::Io(e)
    }
}
