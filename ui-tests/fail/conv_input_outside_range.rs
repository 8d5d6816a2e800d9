// Rule: check-time arithmetic names an input size it cannot see: 1500 is outside typenum's map.
use typetensor::{Rank3, Tensor};

fn main() {
    let x = Tensor::<Rank3<2, 4, 1500>>::zeros();
    let w = Tensor::<Rank3<8, 4, 3>>::zeros();
    let _y = x.conv1d(&w, None);
}
