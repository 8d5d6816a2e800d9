// Rule: `softmax::<AX>()` needs dimension AX to exist (a `Rank2` has dimensions 0 and 1).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<4, 10>>::randn();
    let _p = x.softmax::<2>();
}
