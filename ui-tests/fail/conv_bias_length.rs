// Rule: a convolution's bias has one entry per output channel (6 here, not 5).
use typetensor::{Rank1, Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<4, 1, 32, 32>>::zeros();
    let w = Tensor::<Rank4<6, 1, 5, 5>>::zeros();
    let b = Tensor::<Rank1<5>>::zeros();
    let _y = x.conv2d(&w, Some(&b));
}
