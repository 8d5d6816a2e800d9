// Rule: `slice_from::<AX, START>()` (`x[START:]`) needs START <= the size of dimension AX.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::zeros();
    let _y = x.slice_from::<0, 1>().slice_from::<1, 4>();
}
