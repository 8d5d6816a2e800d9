// Rule: elementwise ops need the same element type: an `f32` tensor plus an `f64` tensor does not compile.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::ones();
    let y = Tensor::<Rank2<5, 3>, f64>::ones();
    let _z = &x + &y;
}
