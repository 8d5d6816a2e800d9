// Rule: `mm` needs [M, K] x [K, N]; plain `cargo check` must reject a 1000 vs 999 inner dimension.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<64, 1000>>::randn();
    let w = Tensor::<Rank2<999, 100>>::randn();
    let _h = x.mm(&w);
}
