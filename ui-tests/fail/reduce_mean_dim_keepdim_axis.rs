// Rule: `mean_dim_keepdim::<AX>()` needs dimension AX to exist.
use typetensor::{Rank3, Tensor};

fn main() {
    let x = Tensor::<Rank3<2, 3, 4>>::randn();
    let _m = x.mean_dim_keepdim::<3>();
}
