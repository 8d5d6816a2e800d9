// Rule: `permute` lists every dimension exactly once; `permute::<0, 0, 1>()` repeats dimension 0.
use typetensor::{Rank3, Tensor};

fn main() {
    let x = Tensor::<Rank3<2, 3, 4>>::zeros();
    let _y = x.permute::<0, 0, 1>();
}
