// Rule: `to_dtype` converts only to element types a tensor can hold (f32, f64, i32, i64, bool).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::ones();
    let _y = x.to_dtype::<u8>();
}
