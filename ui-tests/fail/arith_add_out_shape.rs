// Rule: `add_out` writes into `out`, whose type must be the result's shape.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::ones();
    let y = Tensor::<Rank2<5, 3>>::ones();
    let mut result = Tensor::<Rank2<3, 5>>::empty();
    x.add_out(&y, &mut result);
}
