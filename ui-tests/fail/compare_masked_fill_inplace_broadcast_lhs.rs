// Rule: `masked_fill_` (in place) cannot broadcast the tensor onto a larger mask.
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let mut x = Tensor::<Rank1<4>>::randn();
    let mask = Tensor::<Rank2<3, 4>>::randn().gt_scalar(0.0);
    x.masked_fill_(&mask, 0.0);
}
