// Rule: pooling's output size is computed in the type: 2x2 windows over 28x28 give 14x14.
use typetensor::{Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<4, 6, 28, 28>>::zeros();
    let _y: Tensor<Rank4<4, 6, 13, 13>> = x.max_pool2d::<2>();
}
