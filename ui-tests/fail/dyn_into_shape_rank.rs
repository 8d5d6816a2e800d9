// Rule: `into_shape` states or forgets sizes but keeps the rank; `Rank2` into `Rank3` does not compile.
use typetensor::{DYN, Rank2, Rank3, Tensor};

fn main() {
    let x = Tensor::<Rank2<DYN, 4>>::zeros_dims(&[6, 4]).unwrap();
    let _y = x.try_into_shape::<Rank3<DYN, 2, 2>>();
}
