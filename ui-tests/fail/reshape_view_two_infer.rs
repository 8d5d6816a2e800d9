// Rule: a view spec may have at most one `Infer` (PyTorch: "only one dimension can be inferred").
use typetensor::{Infer, Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<4, 4>>::randn();
    let _z = x.view::<(Infer, Infer)>();
}
