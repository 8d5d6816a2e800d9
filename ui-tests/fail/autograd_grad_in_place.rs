// Rule: `w.grad()` is read-only except `zero_()`, which clears the stored gradient as
// PyTorch's `w.grad.zero_()` does: any other in-place op would change a copy, so it does
// not compile.
use typetensor::{Rank1, Tensor};

fn main() {
    let w = Tensor::<Rank1<2>>::ones().requires_grad_();
    (&w * 3.0).sum().backward();
    w.grad().unwrap().zero_(); // fine: clears w's gradient
    w.grad().unwrap().mul_scalar_(0.5);
}
