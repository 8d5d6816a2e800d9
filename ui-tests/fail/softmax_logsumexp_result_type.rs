// Rule: `logsumexp::<1>()` drops dimension 1: a `Rank2<4, 10>` gives a `Rank1<4>`, not `Rank1<10>`.
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<4, 10>>::randn();
    let _l: Tensor<Rank1<10>> = x.logsumexp::<1>();
}
