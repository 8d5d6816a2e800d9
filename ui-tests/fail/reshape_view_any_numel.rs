// Rule: `view_any` keeps the element count; checked when the program is built (`cargo build`), not by `cargo check`.
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<1000, 999>>::zeros();
    let _flat = x.view_any::<Rank1<999_999>>();
}
