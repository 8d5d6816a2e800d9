//! typetensor: tensors whose shape, element type and device are part of their type.
#![forbid(unsafe_op_in_unsafe_fn)]

pub mod npy;
pub(crate) mod print;
