//! Tensor operations, one module per family. Each holds the family's shape rule, its
//! methods (with the PyTorch equivalent in their docs), its kernel trait, the CPU kernel
//! (`cpu.rs`) and its tests (`tests.rs`). Compile-fail cases live in `ui-tests/`, named
//! after the family (`ui-tests/fail/matmul_*.rs`).

// The one-line doc of the `try_` twin of method `$name` that the families' macros generate
// (the hand-written twins say the same): "[`name`](Self::name) with device errors returned",
// then `$more` if given, then a full stop.
macro_rules! twin_doc {
    ($name:ident $(, $more:expr)?) => {
        concat!(
            "[`", stringify!($name), "`](Self::", stringify!($name), ")",
            " with device errors returned", $($more,)? "."
        )
    };
}

pub mod arith;
pub mod compare;
pub mod conv;
pub mod copy;
pub mod index;
pub mod loss;
pub mod matmul;
pub mod pool;
pub mod reduce;
pub mod reshape;
pub mod softmax;
#[cfg(test)]
mod test_support;
pub mod transpose;
pub mod unary;
