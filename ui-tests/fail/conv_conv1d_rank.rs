// Rule: `conv1d` takes [N, C, L] (or [C, L]) inputs; an image batch needs `conv2d`.
use typetensor::{Rank3, Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<2, 3, 8, 8>>::zeros();
    let w = Tensor::<Rank3<4, 3, 3>>::zeros();
    let _y = x.conv1d(&w, None);
}
