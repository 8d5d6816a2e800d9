// Rule: `eq` between tensors follows the elementwise broadcast rule.
use typetensor::{Rank1, Tensor};

fn main() {
    let pred = Tensor::<Rank1<64>, i64>::zeros();
    let labels = Tensor::<Rank1<32>, i64>::zeros();
    let _correct = pred.eq(&labels);
}
