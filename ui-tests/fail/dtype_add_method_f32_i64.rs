// Rule: the method forms (`x.add(&y)`) need the same element type too: an `f32` tensor plus an `i64` tensor.
use typetensor::{Cpu, Rank2, Tensor};

fn main() {
    let x: Tensor<Rank2<2, 2>, f32, Cpu> = Tensor::ones();
    let y: Tensor<Rank2<2, 2>, i64, Cpu> = Tensor::ones();
    let _z = x.add(&y);
}
