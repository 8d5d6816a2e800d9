// Rule: `unsqueeze::<AX>()` on a `RankN` takes AX in 0..=N (3 is past a `Rank2`).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<2, 3>>::ones();
    let _y = x.unsqueeze::<3>();
}
