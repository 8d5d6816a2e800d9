// Rule: `masked_fill` cannot broadcast the tensor onto a larger mask (`Rank1` tensor, `Rank2` mask).
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank1<4>>::randn();
    let mask = Tensor::<Rank2<3, 4>>::randn().gt_scalar(0.0);
    let _y = x.masked_fill(&mask, 0.0);
}
