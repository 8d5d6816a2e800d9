// Rule: `item()` needs a one-element tensor; a `Rank2<2, 2>` has four.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<2, 2>>::randn();
    let _v: f32 = x.item();
}
