// Rule: `+` needs equal (or broadcastable) shapes: `Rank2<5, 3>` and `Rank2<3, 5>` are neither.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::rand();
    let y = Tensor::<Rank2<3, 5>>::rand();
    let _z = &x + &y;
}
