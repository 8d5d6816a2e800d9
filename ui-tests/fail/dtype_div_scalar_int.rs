// Rule: dividing an integer tensor by a scalar is not defined (no integer `/`).
use typetensor::{Rank1, Tensor};

fn main() {
    let a = Tensor::<Rank1<4>, i64>::arange();
    let _c = &a / 2i64;
}
