// Rule: `expand_dim::<AX, N>()` only repeats a dimension of size 1 (dimension 1 of `Rank2<2, 3>` is 3).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<2, 3>>::ones();
    let _y = x.expand_dim::<1, 5>();
}
