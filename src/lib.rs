//! typetensor: tensors whose shape, element type and device are part of their type, so
//! that ill-shaped code does not compile.
//!
//! ```
//! use typetensor::{Rank2, Tensor};
//! let x = Tensor::<Rank2<64, 1000>>::randn(); // x = torch.randn(64, 1000)
//! let w1 = Tensor::<Rank2<1000, 100>>::randn(); // w1 = torch.randn(1000, 100)
//! let h = x.mm(&w1).clamp(Some(0.0), None); // h = x.mm(w1).clamp(min=0)
//! assert_eq!(h.shape().to_string(), "torch.Size([64, 100])");
//! ```
//!
//! A shape error is a compile error, reported by `cargo check` and so by rust-analyzer:
//! ```compile_fail
//! use typetensor::{Rank2, Tensor};
//! let x = Tensor::<Rank2<64, 1000>>::randn();
//! let w = Tensor::<Rank2<999, 100>>::randn();
//! let h = x.mm(&w); // cannot `mm` a `Rank2<64, 1000>` matrix by a `Rank2<999, 100>` matrix
//! ```
#![forbid(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod atomic_file;
// `#[derive(Module)]` names `::typetensor`, inside this crate too (its unit tests).
extern crate self as typetensor;

pub mod autograd;
pub mod data;
pub mod device;
#[cfg(feature = "distributed")]
pub mod distributed;
pub mod dtype;
pub mod error;
pub mod layout;
pub mod nn;
pub mod npy;
pub mod ops;
pub mod optim;
pub(crate) mod print;
pub mod shape;
pub mod tensor;

pub use device::{Cpu, Cuda, Device};
pub use dtype::{DType, Dtype, FloatDtype, NumDtype};
pub use error::{Error, Result};
pub use print::PyFloat;
pub use shape::typenum_bridge::{Dim, Infer};
pub use shape::{ConstShape, DYN, Rank0, Rank1, Rank2, Rank3, Rank4, Shape, Size};
pub use tensor::{Tensor, manual_seed, tensor};

/// Everything a lesson-style program uses, in one import.
pub mod prelude {
    pub use crate::{
        Cpu, DYN, Dim, Infer, Rank0, Rank1, Rank2, Rank3, Rank4, Tensor, manual_seed, tensor,
    };
}

/// The README's Rust examples, compiled and run as doc tests so they cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
