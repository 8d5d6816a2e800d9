// Rule: `index_select` takes an `i64` index tensor (PyTorch's `torch.long`), not `i32`.
use typetensor::{Rank2, Tensor, tensor};

fn main() {
    let x = Tensor::<Rank2<3, 2>>::randn();
    let idx = tensor([2i32, 0]);
    let _rows = x.index_select::<0, 2>(&idx).unwrap();
}
