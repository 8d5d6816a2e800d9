//! The crate's one error type: everything that can go wrong with input the type system
//! cannot see (run-time lengths, array shapes, files, devices).
use std::fmt;

use crate::npy::NpyError;

/// Why an operation on data from outside the type system was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A run-time buffer (a `Vec`, a slice) does not hold as many elements as the shape needs.
    LengthMismatch {
        /// The shape the tensor type asks for, e.g. `[5, 3]` (`usize::MAX` marks a
        /// [`DYN`](crate::DYN) dimension).
        shape: Vec<usize>,
        /// Elements that shape needs (with a `DYN` dimension: the product of the static
        /// ones, which the length must be a multiple of).
        expected: usize,
        /// Elements that were given.
        found: usize,
    },
    /// A run-time shape (an `ndarray` array, a `.npy` file) differs from the tensor's type.
    ShapeMismatch {
        /// The shape of the tensor type.
        expected: Vec<usize>,
        /// The shape that was found.
        found: Vec<usize>,
    },
    /// Two operands' run-time dimensions ([`DYN`](crate::DYN)) do not fit an op's shape rule:
    /// batches of different sizes added, a `cat` whose other dimensions differ, a `view`
    /// whose element counts differ. Static dimensions never get here: they are compile errors.
    IncompatibleShapes {
        /// The op, as PyTorch names it (`add`, `mm`, `cat`, `view`).
        op: &'static str,
        /// The left (or only) operand's shape.
        lhs: Vec<usize>,
        /// The right operand's shape, or the shape asked for.
        rhs: Vec<usize>,
        /// What the rule needs.
        rule: &'static str,
    },
    /// An index (in `index_select`, say) is out of range for its dimension.
    IndexOutOfRange {
        /// The offending index.
        index: i64,
        /// The size of the dimension it indexes.
        size: usize,
    },
    /// `max`, `min` or an arg-reduction of a tensor (or dimension) with no elements.
    EmptyReduction,
    /// A `.npy` stream could not be read or written.
    Npy(NpyError),
    /// A weights file does not fit the model (a missing, unexpected or mis-shaped
    /// parameter, another dtype) or is not a valid safetensors file.
    Checkpoint(String),
    /// A file could not be opened or written.
    Io(std::io::Error),
    /// An autograd rule was broken: `backward()` where there is no graph to run (or a
    /// second time through a freed graph), or an in-place write to a leaf that requires
    /// grad outside `no_grad`.
    Autograd(String),
    /// A device could not be used (no driver, no GPU, out of memory, a kernel failed).
    Device(String),
    /// A run-time argument is outside its allowed range (a dropout probability above 1, a
    /// negative label smoothing), as PyTorch's `ValueError`.
    InvalidArgument(String),
    /// A collective across processes was refused or failed (feature `distributed`): ranks
    /// that disagree on a tensor's shape or a model's parameters, no MPI environment, or
    /// rank 0 failing to save a checkpoint. Every rank of the group gets it.
    Distributed(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn write_dims(f: &mut fmt::Formatter<'_>, dims: &[usize]) -> fmt::Result {
    write!(f, "[")?;
    for (i, d) in dims.iter().enumerate() {
        if i > 0 {
            write!(f, ", ")?;
        }
        if *d == crate::shape::DYN {
            write!(f, "DYN")?;
        } else {
            write!(f, "{d}")?;
        }
    }
    write!(f, "]")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::LengthMismatch {
                shape,
                expected,
                found,
            } => {
                write!(f, "a tensor of shape ")?;
                write_dims(f, shape)?;
                if shape.contains(&crate::shape::DYN) {
                    write!(f, " needs a multiple of {expected} elements")?;
                    if shape.iter().filter(|&&d| d == crate::shape::DYN).count() > 1 {
                        write!(f, " and its sizes (use `from_vec_dims`)")?;
                    }
                    write!(f, ", but {found} were given")
                } else {
                    write!(f, " needs {expected} elements, but {found} were given")
                }
            }
            Error::ShapeMismatch { expected, found } => {
                write!(f, "expected shape ")?;
                write_dims(f, expected)?;
                write!(f, ", found shape ")?;
                write_dims(f, found)
            }
            Error::IncompatibleShapes { op, lhs, rhs, rule } => {
                write!(f, "{op}: shapes ")?;
                write_dims(f, lhs)?;
                write!(f, " and ")?;
                write_dims(f, rhs)?;
                write!(f, " do not fit: {rule}")
            }
            Error::IndexOutOfRange { index, size } => {
                write!(
                    f,
                    "index {index} is out of range for a dimension of size {size}"
                )
            }
            Error::EmptyReduction => {
                write!(
                    f,
                    "cannot take the max, min or arg-extreme of a tensor with no elements"
                )
            }
            Error::Npy(e) => write!(f, ".npy: {e}"),
            Error::Checkpoint(msg) => write!(f, "weights file: {msg}"),
            Error::Io(e) => write!(f, "i/o: {e}"),
            Error::Autograd(msg) => write!(f, "autograd: {msg}"),
            Error::Device(msg) => write!(f, "device: {msg}"),
            Error::InvalidArgument(msg) => write!(f, "invalid argument: {msg}"),
            Error::Distributed(msg) => write!(f, "distributed: {msg}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Npy(e) => Some(e),
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<NpyError> for Error {
    fn from(e: NpyError) -> Self {
        Error::Npy(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}
