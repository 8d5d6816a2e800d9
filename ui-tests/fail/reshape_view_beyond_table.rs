// Rule: an `Infer` whose size is outside check-time arithmetic (4500 elements: not in the table) is reported as such, with what to write instead (the explicit size through `view_any`).
use typetensor::{Infer, Tensor, Rank2};

fn main() {
    let x = Tensor::<Rank2<1500, 3>>::zeros();
    let _f = x.view::<(Infer,)>();
}
