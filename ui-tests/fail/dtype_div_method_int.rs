// Rule: the `div` method is for float tensors only.
use typetensor::{Rank1, Tensor};

fn main() {
    let a = Tensor::<Rank1<4>, i32>::arange();
    let b = Tensor::<Rank1<4>, i32>::ones();
    let _c = a.div(&b);
}
