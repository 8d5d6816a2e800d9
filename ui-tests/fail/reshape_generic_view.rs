// Rule: check-time `view` cannot see a generic dimension: the message a generic-dimension `view` gives (use `view_any`).
use typetensor::{Rank1, Rank2, Tensor};

fn f<const B: usize>(x: Tensor<Rank2<B, 10>>) -> Tensor<Rank1<40>> {
    x.view::<Rank1<40>>()
}

fn main() {
    let _y = f(Tensor::<Rank2<4, 10>>::zeros());
}
