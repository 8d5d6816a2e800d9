// Rule: `cat` of run-time batches still needs the other, static dims equal: `Rank2<DYN, 3>` and `Rank2<DYN, 4>` along dim 0 do not compile.
use typetensor::{DYN, Rank2, Tensor};

fn main() {
    let a = Tensor::<Rank2<DYN, 3>>::zeros_dims(&[2, 3]).unwrap();
    let b = Tensor::<Rank2<DYN, 4>>::zeros_dims(&[2, 4]).unwrap();
    let _c = a.cat::<0, _>(&b);
}
