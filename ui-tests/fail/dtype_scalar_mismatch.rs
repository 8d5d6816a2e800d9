// Rule: a scalar operand has the tensor's element type: an `f64` scalar onto an `f32` tensor does not compile.
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::ones();
    let lr = 1e-6f64;
    let _y = &x * lr;
}
