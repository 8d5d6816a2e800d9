// Rule: a run-time dimension (`DYN`) never meets a static one implicitly: `Rank2<DYN, 1000>` + `Rank2<64, 1000>` does not compile, and the message says how to convert.
use typetensor::{DYN, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<DYN, 1000>>::zeros_dims(&[64, 1000]).unwrap();
    let y = Tensor::<Rank2<64, 1000>>::zeros();
    let _z = &x + &y;
}
