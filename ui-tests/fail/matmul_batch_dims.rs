// Rule: batched `matmul` needs equal batch dimensions (here 2 vs 5).
use typetensor::{Rank3, Tensor};

fn main() {
    let a = Tensor::<Rank3<2, 4, 3>>::randn();
    let b = Tensor::<Rank3<5, 3, 6>>::randn();
    let _c = a.matmul(&b);
}
