// Rule: `t()` is the transpose of a matrix (`Rank2`) only; use `transpose::<A, B>()` for other ranks.
use typetensor::{Rank3, Tensor};

fn main() {
    let x = Tensor::<Rank3<2, 3, 4>>::zeros();
    let _y = x.t();
}
