// Rule: `/` of two tensors is for floats only (PyTorch promotes ints to float; here call `.float()` first).
use typetensor::{Rank1, Tensor};

fn main() {
    let a = Tensor::<Rank1<4>, i64>::arange();
    let b = Tensor::<Rank1<4>, i64>::ones();
    let _c = &a / &b;
}
