// Rule: `item()` needs a one-element tensor; `sum_dim` keeps the other dimension.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<64, 10>>::randn();
    let _loss = x.sum_dim::<1>().item();
}
