// Rule: a generic `view_any` is checked per instantiation at `cargo build`: flatten::<4, 30> of a [4, 10] fails.
use typetensor::{Rank1, Rank2, Tensor};

fn flatten<const B: usize, const BF: usize>(x: &Tensor<Rank2<B, 10>>) -> Tensor<Rank1<BF>> {
    x.view_any::<Rank1<BF>>()
}

fn main() {
    let x = Tensor::<Rank2<4, 10>>::zeros();
    let _y = flatten::<4, 30>(&x);
}
