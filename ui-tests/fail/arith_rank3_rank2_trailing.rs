// Rule: a `Rank2` broadcasts onto a `Rank3` only if it equals the trailing two dimensions.
use typetensor::{Rank2, Rank3, Tensor};

fn main() {
    let x = Tensor::<Rank3<2, 3, 4>>::randn();
    let y = Tensor::<Rank2<4, 3>>::randn();
    let _z = x.add(&y);
}
