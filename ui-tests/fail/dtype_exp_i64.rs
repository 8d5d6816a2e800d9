// Rule: `exp()` (and the other float functions) need a float tensor; an `i64` tensor has none.
use typetensor::{Rank1, Tensor};

fn main() {
    let x = Tensor::<Rank1<4>, i64>::arange();
    let _y = x.exp();
}
