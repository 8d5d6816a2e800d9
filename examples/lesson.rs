//! The whole lesson, stage by stage: each stage is also its own example binary.
//!
//! Run: `cargo run --release --example lesson`; the network stages (6, 8-12, 14) train on the GPU
//! with `cargo run --release --features cuda --example lesson -- --device cuda`.
#[path = "01_tensors.rs"]
mod tensors;

#[path = "02_operations.rs"]
mod operations;

#[path = "03_numpy_bridge.rs"]
mod numpy_bridge;

#[path = "04_cuda_tensors.rs"]
mod cuda_tensors;

#[path = "05_numpy_two_layer.rs"]
mod numpy_two_layer;

#[path = "06_tensor_two_layer.rs"]
mod tensor_two_layer;

#[path = "07_autograd_scalar.rs"]
mod autograd_scalar;

#[path = "08_autograd_two_layer.rs"]
mod autograd_two_layer;

#[path = "09_nn_sequential.rs"]
mod nn_sequential;

#[path = "10_optim.rs"]
mod optim;

#[path = "11_custom_module.rs"]
mod custom_module;

#[path = "12_minibatch.rs"]
mod minibatch;

#[path = "14_lenet.rs"]
mod lenet;

fn main() {
    tensors::main();
    operations::main();
    numpy_bridge::main();
    cuda_tensors::main(); // says so and goes on when CUDA is not available
    numpy_two_layer::main();
    tensor_two_layer::main();
    autograd_scalar::main();
    autograd_two_layer::main();
    nn_sequential::main();
    optim::main();
    custom_module::main();
    minibatch::main();
    lenet::main();
}
