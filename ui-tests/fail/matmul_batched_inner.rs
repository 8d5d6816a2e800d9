// Rule: batched `matmul` needs equal inner dimensions in every batch ([.., M, K] x [.., K, N]).
use typetensor::{Rank3, Tensor};

fn main() {
    let a = Tensor::<Rank3<2, 4, 3>>::randn();
    let b = Tensor::<Rank3<2, 5, 6>>::randn();
    let _c = a.matmul(&b);
}
