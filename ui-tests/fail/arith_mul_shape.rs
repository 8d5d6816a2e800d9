// Rule: `*` (elementwise) needs equal (or broadcastable) shapes.
use typetensor::{Rank3, Tensor};

fn main() {
    let a = Tensor::<Rank3<2, 3, 4>>::randn();
    let b = Tensor::<Rank3<2, 4, 3>>::randn();
    let _c = a * b;
}
