// Rule: `maximum` follows the elementwise broadcast rule.
use typetensor::{Rank1, Tensor};

fn main() {
    let a = Tensor::<Rank1<4>>::randn();
    let b = Tensor::<Rank1<2>>::randn();
    let _m = a.maximum(&b);
}
