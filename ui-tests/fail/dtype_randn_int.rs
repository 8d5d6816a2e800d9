// Rule: `randn` samples floats; an `i64` tensor cannot be normally distributed.
use typetensor::{Rank2, Tensor};

fn main() {
    let _x = Tensor::<Rank2<5, 3>, i64>::randn();
}
