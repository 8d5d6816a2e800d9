// Rule: `unsqueeze` cannot make a tensor of rank 5 (the highest rank is 4).
use typetensor::{Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank4<2, 3, 4, 5>>::ones();
    let _y = x.unsqueeze::<0>();
}
