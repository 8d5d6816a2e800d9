// Rule: the type of `mm`'s result is [M, N]; annotating a different shape is a type error.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<64, 1000>>::randn();
    let w1 = Tensor::<Rank2<1000, 100>>::randn();
    let _h: Tensor<Rank2<64, 10>> = x.mm(&w1);
}
