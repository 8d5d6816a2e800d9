//! The whole lesson, stage by stage: each stage is also its own example binary.
//!
//! Run: `cargo run --release --example lesson`
#[path = "01_tensors.rs"]
mod tensors;

#[path = "02_operations.rs"]
mod operations;

#[path = "03_numpy_bridge.rs"]
mod numpy_bridge;

fn main() {
    tensors::main();
    operations::main();
    numpy_bridge::main();
}
