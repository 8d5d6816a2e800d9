// Rule: backward() exists only on one-element tensors (a loss), as PyTorch's implicit seed.
use typetensor::{Rank1, Tensor};

fn main() {
    let x = Tensor::<Rank1<3>>::ones().requires_grad_();
    let y = &x * 2.0;
    y.backward();
}
