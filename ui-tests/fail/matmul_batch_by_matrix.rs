// Rule: a batch times a shared matrix still needs equal inner dimensions.
use typetensor::{Rank2, Rank3, Tensor};

fn main() {
    let a = Tensor::<Rank3<8, 4, 3>>::randn();
    let w = Tensor::<Rank2<4, 5>>::randn();
    let _c = a.matmul(&w);
}
