// Rule: a view with two sizes left to run time (`DYN` and `DYN`, or `DYN` and `Infer`) cannot be resolved from the element count, so it does not compile.
use typetensor::{DYN, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<DYN, 4>>::zeros_dims(&[6, 4]).unwrap();
    let _y = x.view::<Rank2<DYN, DYN>>();
}
