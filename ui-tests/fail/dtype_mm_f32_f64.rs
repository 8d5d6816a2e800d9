// Rule: `mm` needs the same element type on both sides (`x.double()` or `w.float()` first).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<64, 1000>>::randn();
    let w = Tensor::<Rank2<1000, 100>, f64>::randn();
    let _h = x.mm(&w);
}
