// Rule: `x[1:, 1:]` of a `Rank2<5, 3>` is a `Rank2<4, 2>`; annotating another shape is a type error.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::zeros();
    let _y: Tensor<Rank2<4, 3>> = x.slice_from::<0, 1>().slice_from::<1, 1>();
}
