// Rule: check-time `flatten_from` names a product it cannot represent: 64 * 56 * 56 = 200704 features.
use typetensor::{Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<2, 64, 56, 56>>::zeros();
    let _y = x.flatten_from::<1>();
}
