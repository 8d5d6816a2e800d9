// Rule: a `Rank1<N>` broadcasts onto `Rank2<M, N>` only when N is the trailing dimension (3 is not 4).
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let h = Tensor::<Rank2<3, 4>>::randn();
    let bias = Tensor::<Rank1<3>>::randn();
    let _y = &h + &bias;
}
