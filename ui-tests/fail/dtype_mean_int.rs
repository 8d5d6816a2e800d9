// Rule: `mean()` is for float tensors (PyTorch raises for `torch.long`); call `.float()` first.
use typetensor::{Rank1, Tensor};

fn main() {
    let x = Tensor::<Rank1<4>, i64>::arange();
    let _m = x.mean();
}
