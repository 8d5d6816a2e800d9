// Rule: `mm` takes two matrices; a `Rank1` vector is only accepted by `matmul`.
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<4, 3>>::randn();
    let v = Tensor::<Rank1<3>>::randn();
    let _y = x.mm(&v);
}
