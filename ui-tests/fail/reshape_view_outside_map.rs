// Rule: check-time `view` needs every size in typenum's map: `Rank2<2, 1000>` as `Rank1<2000>` is rejected (use `view_any`).
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<2, 1000>>::zeros();
    let _y = x.view::<Rank1<2000>>();
}
