// Rule: static dims of a run-time shape are still checked at compile time: `Rank2<DYN, 1000>.mm(Rank2<999, 10>)` does not compile.
use typetensor::{DYN, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<DYN, 1000>>::zeros_dims(&[64, 1000]).unwrap();
    let w = Tensor::<Rank2<999, 10>>::zeros();
    let _h = x.mm(&w);
}
