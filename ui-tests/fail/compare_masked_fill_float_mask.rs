// Rule: a mask is a bool tensor; a float tensor is not a mask (compare it first: `h.lt_scalar(0.0)`).
use typetensor::{Rank2, Tensor};

fn main() {
    let h = Tensor::<Rank2<4, 3>>::randn();
    let grad_h = Tensor::<Rank2<4, 3>>::randn();
    let _g = grad_h.masked_fill(&h, 0.0);
}
