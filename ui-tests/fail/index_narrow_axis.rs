// Rule: `narrow` along a dimension the shape does not have (dimension 2 of a `Rank2`).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::zeros();
    let _y = x.narrow::<2, 0, 1>();
}
