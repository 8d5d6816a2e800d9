// Rule: `copy_` may broadcast the source onto the destination, never the destination onto the source.
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let mut row = Tensor::<Rank1<3>>::zeros();
    let src = Tensor::<Rank2<2, 3>>::ones();
    row.copy_(&src);
}
