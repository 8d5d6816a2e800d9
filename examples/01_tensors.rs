//! Lesson stage 1: creating tensors (`torch.empty`, `rand`, `zeros`, `tensor`, `new_ones`,
//! `randn_like`, `.shape`). Each block prints the PyTorch line, then what it prints.
//!
//! Run: `cargo run --release --example 01_tensors`
use typetensor::prelude::*;

/// Prints a lesson cell: the PyTorch code it mirrors, then the value.
pub fn cell(pytorch: &str, value: impl std::fmt::Display) {
    println!(">>> {pytorch}\n{value}\n");
}

pub fn main() {
    manual_seed(0);
    println!("== 1. Tensors ==\n");

    let x = Tensor::<Rank2<5, 3>>::empty();
    cell("x = torch.empty(5, 3)", &x);

    let x = Tensor::<Rank2<5, 3>>::rand();
    cell("x = torch.rand(5, 3)", &x);

    let x = Tensor::<Rank2<5, 3>, i64>::zeros();
    cell("x = torch.zeros(5, 3, dtype=torch.long)", &x);

    let x = Tensor::<Rank2<5, 3>>::zeros().long();
    cell("x = torch.zeros(5, 3).long(); x.dtype", x.dtype());

    let x = tensor([5.5f32, 3.0]);
    cell("x = torch.tensor([5.5, 3])", &x);

    let x = x.new_ones_dtype::<Rank2<5, 3>, f64>();
    cell("x = x.new_ones(5, 3, dtype=torch.double)", &x);

    let x = x.randn_like_dtype::<f32>();
    cell("x = torch.randn_like(x, dtype=torch.float)", &x);

    cell("x.shape", x.shape());
}
