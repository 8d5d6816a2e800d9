// Rule: `mm` inner dimensions are checked in generic code too (10 vs 20 for every batch B).
use typetensor::{Rank2, Tensor};

fn layer<const B: usize>(
    x: &Tensor<Rank2<B, 10>>,
    w: &Tensor<Rank2<20, 5>>,
) -> Tensor<Rank2<B, 5>> {
    x.mm(w)
}

fn main() {
    let x = Tensor::<Rank2<4, 10>>::randn();
    let w = Tensor::<Rank2<20, 5>>::randn();
    let _y = layer(&x, &w);
}
