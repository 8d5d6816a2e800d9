// Rule: `permute` of a `Rank3` takes exactly three dimensions.
use typetensor::{Rank3, Tensor};

fn main() {
    let x = Tensor::<Rank3<2, 3, 4>>::zeros();
    let _y = x.permute::<1, 0>();
}
