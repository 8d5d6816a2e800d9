// Rule: `flatten_from::<AX>()` needs dimension AX to exist (a `Rank4` has dimensions 0..=3).
use typetensor::{Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<2, 3, 4, 5>>::zeros();
    let _y = x.flatten_from::<4>();
}
