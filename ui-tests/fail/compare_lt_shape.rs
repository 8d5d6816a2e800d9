// Rule: comparisons between tensors follow the elementwise broadcast rule.
use typetensor::{Rank2, Tensor};

fn main() {
    let a = Tensor::<Rank2<4, 3>>::randn();
    let b = Tensor::<Rank2<3, 4>>::randn();
    let _mask = a.lt(&b);
}
