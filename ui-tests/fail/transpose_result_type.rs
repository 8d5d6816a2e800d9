// Rule: `t()` swaps the dimensions: a `Rank2<64, 1000>` transposes to `Rank2<1000, 64>`.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<64, 1000>>::randn();
    let _xt: Tensor<Rank2<64, 1000>> = x.t();
}
