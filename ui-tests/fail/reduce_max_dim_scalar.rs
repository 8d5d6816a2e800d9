// Rule: a `Rank0` scalar has no dimension to reduce.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::randn();
    let total = x.sum();
    let _m = total.max_dim::<0>();
}
