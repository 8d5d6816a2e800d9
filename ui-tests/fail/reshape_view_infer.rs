// Rule: `view` with `Infer` (PyTorch's -1) needs the known dimensions to divide the element count (16 by 3).
use typetensor::{Dim, Infer, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<4, 4>>::randn();
    let _z = x.view::<(Infer, Dim<3>)>();
}
