// Rule: `argmax_dim::<AX>()` needs dimension AX to exist.
use typetensor::{Rank1, Tensor};

fn main() {
    let logits = Tensor::<Rank1<10>>::randn();
    let _pred = logits.argmax_dim::<1>();
}
