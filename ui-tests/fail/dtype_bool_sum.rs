// Rule: a bool tensor is not a number: `sum()` of a mask does not compile (use `.long().sum()`).
use typetensor::{Rank1, Tensor};

fn main() {
    let x = Tensor::<Rank1<4>>::randn();
    let _positives = x.gt_scalar(0.0).sum();
}
