// Rule: a pooling window must fit in the input: 4x4 windows over a 3x3 map.
use typetensor::{Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<2, 6, 3, 3>>::zeros();
    let _y = x.max_pool2d::<4>();
}
