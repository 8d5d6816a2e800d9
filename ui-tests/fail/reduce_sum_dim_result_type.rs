// Rule: `sum_dim::<1>()` drops dimension 1: a `Rank2<64, 10>` sums to a `Rank1<64>`, not `Rank1<10>`.
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<64, 10>>::randn();
    let _s: Tensor<Rank1<10>> = x.sum_dim::<1>();
}
