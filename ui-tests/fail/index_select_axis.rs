// Rule: `index_select` along a dimension the shape does not have.
use typetensor::{Rank2, Tensor, tensor};

fn main() {
    let x = Tensor::<Rank2<3, 2>>::randn();
    let idx = tensor([1i64, 0]);
    let _rows = x.index_select::<2, 2>(&idx).unwrap();
}
