// Rule: `cat` needs every other dimension equal; the message names `cat` and both shapes (not "expected `3`, found `4`").
use typetensor::{Rank2, Tensor};

fn main() {
    let a = Tensor::<Rank2<512, 3>>::zeros();
    let b = Tensor::<Rank2<1000, 4>>::zeros();
    let _c = a.cat::<0, _>(&b);
}
