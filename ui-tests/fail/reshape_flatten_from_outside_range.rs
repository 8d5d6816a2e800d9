// Rule: check-time `flatten_from` names a product it cannot represent: 3 * 100 * 100 = 30000 features.
use typetensor::{Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<2, 3, 100, 100>>::zeros();
    let _y = x.flatten_from::<1>();
}
