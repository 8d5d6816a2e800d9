// Rule: in place, the right side may broadcast onto the left but never the reverse (`Rank1.add_(Rank2)`).
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let mut bias = Tensor::<Rank1<4>>::zeros();
    let grad = Tensor::<Rank2<3, 4>>::ones();
    bias.add_(&grad);
}
