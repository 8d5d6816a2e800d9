//! Lesson stage 7: autograd on scalars, `y = w * x + b`.
//!
//! Run: `cargo run --release --example 07_autograd_scalar`
use typetensor::prelude::*;

pub fn main() {
    println!("== 7. Simple autograd ==\n");
    let x = tensor(1.0f32).requires_grad_(); // x = torch.tensor(1., requires_grad=True)
    let w = tensor(2.0f32).requires_grad_(); // w = torch.tensor(2., requires_grad=True)
    let b = tensor(3.0f32).requires_grad_(); // b = torch.tensor(3., requires_grad=True)

    let y = &(&w * &x) + &b; // y = 2*1+3
    println!(">>> y\n{y}\n");

    y.backward();

    // dy / dw = x
    println!(">>> print(w.grad)\n{}", w.grad().unwrap());
    println!(">>> print(x.grad)\n{}", x.grad().unwrap());
    println!(">>> print(b.grad)\n{}\n", b.grad().unwrap());
}
