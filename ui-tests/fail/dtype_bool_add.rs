// Rule: a bool tensor is not a number: `+` of two masks does not compile (use `.long()` first).
use typetensor::{Rank1, Tensor};

fn main() {
    let x = Tensor::<Rank1<4>>::randn();
    let a = x.gt_scalar(0.0);
    let b = x.lt_scalar(1.0);
    let _c = &a + &b;
}
