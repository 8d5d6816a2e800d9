//! Lesson stage 2: operations (`+`, `torch.add`, `out=`, `add_`), indexing (`x[1:, 1:]`),
//! `view` (with `-1`), `item()` and `transpose`.
//!
//! Run: `cargo run --release --example 02_operations`
use typetensor::prelude::*;

/// Prints a lesson cell: the PyTorch code it mirrors, then the value.
pub fn cell(pytorch: &str, value: impl std::fmt::Display) {
    println!(">>> {pytorch}\n{value}\n");
}

pub fn main() {
    manual_seed(1);
    println!("== 2. Operations ==\n");

    let x = Tensor::<Rank2<5, 3>>::randn();
    cell("x = torch.randn(5, 3)", &x);
    let mut y = Tensor::<Rank2<5, 3>>::rand();
    cell("y = torch.rand(5, 3)", &y);

    cell("x + y", &x + &y);
    cell("torch.add(x, y)", x.add(&y));

    let mut result = Tensor::<Rank2<5, 3>>::empty();
    x.add_out(&y, &mut result);
    cell(
        "result = torch.empty(5, 3); torch.add(x, y, out=result); result",
        &result,
    );

    y.add_(&x);
    cell("y.add_(x); y", &y);

    let corner: Tensor<Rank2<4, 2>> = x.slice_from::<0, 1>().slice_from::<1, 1>();
    cell("x[1:, 1:]", &corner);

    let x = Tensor::<Rank2<4, 4>>::randn();
    let y: Tensor<Rank1<16>> = x.view::<Rank1<16>>();
    let z: Tensor<Rank2<2, 8>> = x.view::<(Infer, Dim<8>)>();
    cell("x = torch.randn(4, 4); y = x.view(16); y.size()", y.size());
    cell("z = x.view(-1, 8); z", &z);

    let x = Tensor::<Rank1<1>>::randn();
    cell("x = torch.randn(1); x", &x);
    // PyTorch's item() is a Python float (a double): print the f32 as f64, as Python does.
    cell("x.item()", f64::from(x.item()));

    cell("z.transpose(1, 0)", z.transpose::<1, 0>());
}
