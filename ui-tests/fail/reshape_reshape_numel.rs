// Rule: `reshape` keeps the element count: a `Rank2<5, 3>` (15) is not a `Rank2<4, 4>` (16).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::randn();
    let _y = x.reshape::<Rank2<4, 4>>();
}
