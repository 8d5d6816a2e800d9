// Rule: `transpose::<A, B>()` needs both dimensions to exist (a `Rank2` has no dimension 2).
use typetensor::{Rank2, Tensor};

fn main() {
    let z = Tensor::<Rank2<2, 8>>::zeros();
    let _zt = z.transpose::<0, 2>();
}
