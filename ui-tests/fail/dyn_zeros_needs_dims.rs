// Rule: an input-free constructor needs a static shape; `Tensor::<Rank2<DYN, 4>>::zeros()` fails the build, naming `zeros_dims`.
use typetensor::{DYN, Rank2, Tensor};

fn main() {
    let _x = Tensor::<Rank2<DYN, 4>>::zeros();
}
