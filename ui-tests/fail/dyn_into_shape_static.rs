// Rule: `into_shape` between two different static sizes could never succeed, so it fails the build instead of returning `Err` at run time.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<64, 4>>::zeros();
    let _y = x.try_into_shape::<Rank2<32, 4>>();
}
