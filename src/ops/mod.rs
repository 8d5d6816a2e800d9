//! Tensor operations, one module per family. Each holds the family's shape rule, its
//! methods (with the PyTorch equivalent in their docs), its kernel trait, the CPU kernel
//! (`cpu.rs`) and its tests (`tests.rs`). Compile-fail cases live in `ui-tests/`, named
//! after the family (`ui-tests/fail/matmul_*.rs`).
pub mod arith;
pub mod compare;
pub mod copy;
pub mod index;
pub mod matmul;
pub mod reduce;
pub mod reshape;
#[cfg(test)]
mod test_support;
pub mod transpose;
pub mod unary;
