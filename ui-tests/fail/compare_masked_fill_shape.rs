// Rule: `masked_fill`'s mask must equal (or broadcast onto) the tensor's shape.
use typetensor::{Rank2, Tensor};

fn main() {
    let h = Tensor::<Rank2<64, 100>>::randn();
    let grad_h = Tensor::<Rank2<64, 10>>::randn();
    let _g = grad_h.masked_fill(&h.lt_scalar(0.0), 0.0);
}
