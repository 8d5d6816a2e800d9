// Rule: broadcasting is checked in generic code too: a `Rank1<10>` bias cannot go onto `Rank2<B, 100>` for any B.
use typetensor::{Rank1, Rank2, Tensor};

fn layer<const B: usize>(
    h: &Tensor<Rank2<B, 100>>,
    b: &Tensor<Rank1<10>>,
) -> Tensor<Rank2<B, 100>> {
    h + b
}

fn main() {
    let h = Tensor::<Rank2<4, 100>>::zeros();
    let b = Tensor::<Rank1<10>>::zeros();
    let _y = layer(&h, &b);
}
