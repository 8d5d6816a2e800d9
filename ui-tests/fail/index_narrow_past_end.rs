// Rule: `narrow::<AX, START, LEN>()` needs START + LEN <= the size of dimension AX (4 + 2 > 5).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::zeros();
    let _y = x.narrow::<0, 4, 2>();
}
