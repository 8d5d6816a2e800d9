// Rule: `/` needs equal (or broadcastable) shapes.
use typetensor::{Rank1, Tensor};

fn main() {
    let a = Tensor::<Rank1<5>>::ones();
    let b = Tensor::<Rank1<6>>::ones();
    let _c = &a / &b;
}
