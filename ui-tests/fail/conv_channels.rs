// Rule: a convolution's weight [OUT, IN, K, K] takes IN input channels: an RGB layer on a grayscale batch.
use typetensor::{Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<4, 1, 32, 32>>::zeros();
    let w = Tensor::<Rank4<6, 3, 5, 5>>::zeros();
    let _y = x.conv2d(&w, None);
}
