// Rule: `sum_dim::<AX>()` needs dimension AX to exist (a `Rank2` has dimensions 0 and 1).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::randn();
    let _s = x.sum_dim::<2>();
}
