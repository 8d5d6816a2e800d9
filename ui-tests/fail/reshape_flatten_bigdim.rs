// Rule: check-time `flatten` needs the element count in typenum's map; 1000 * 999 = 999000 is not (use `view_any`).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<1000, 999>>::zeros();
    let _flat = x.flatten();
}
