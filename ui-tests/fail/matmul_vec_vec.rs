// Rule: `matmul` of two vectors (a dot product) needs equal lengths.
use typetensor::{Rank1, Tensor};

fn main() {
    let a = Tensor::<Rank1<3>>::randn();
    let b = Tensor::<Rank1<4>>::randn();
    let _dot = a.matmul(&b);
}
