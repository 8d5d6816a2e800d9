// Rule: `view` keeps the element count: 16 elements cannot be viewed as 15.
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<4, 4>>::randn();
    let _y = x.view::<Rank1<15>>();
}
