// Rule: rank-4 `matmul` needs both batch dimensions equal (8 heads vs 4 heads here).
use typetensor::{Rank4, Tensor};

fn main() {
    let q = Tensor::<Rank4<2, 8, 16, 32>>::randn();
    let k = Tensor::<Rank4<2, 4, 32, 16>>::randn();
    let _scores = q.matmul(&k);
}
