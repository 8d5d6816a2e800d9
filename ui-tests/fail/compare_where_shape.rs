// Rule: `where_`'s condition and other operand must broadcast onto `self`'s shape.
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<3, 4>>::randn();
    let cond = x.gt_scalar(0.0);
    let other = Tensor::<Rank1<3>>::zeros();
    let _y = x.where_(&cond, &other);
}
