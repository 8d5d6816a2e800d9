// Rule: `permute` of a `Rank3` takes dimensions 0, 1 and 2; 3 is out of range.
use typetensor::{Rank3, Tensor};

fn main() {
    let x = Tensor::<Rank3<2, 3, 4>>::zeros();
    let _y = x.permute::<0, 3, 1>();
}
