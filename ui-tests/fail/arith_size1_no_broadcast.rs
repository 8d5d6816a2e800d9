// Rule: size-1 dimensions never broadcast implicitly (use `expand_dim` to repeat them).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::randn();
    let col = Tensor::<Rank2<5, 1>>::randn();
    let _y = x.mul(&col);
}
