// Rule: only floating-point tensors can require gradients.
use typetensor::{Rank1, Tensor};

fn main() {
    let _x = Tensor::<Rank1<3>, i64>::zeros().requires_grad_();
}
