// Rule: check-time `flatten` needs concrete sizes: a batch-generic `Rank2<B, 10>` has no known element count (use `view_any`).
use typetensor::{Rank1, Rank2, Tensor};

fn flat<const B: usize, const BF: usize>(x: &Tensor<Rank2<B, 10>>) -> Tensor<Rank1<BF>> {
    x.flatten()
}

fn main() {
    let _y = flat::<4, 40>(&Tensor::zeros());
}
