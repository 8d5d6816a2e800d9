// Rule: `matmul` of a vector by a matrix needs the vector's length to equal the rows.
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let v = Tensor::<Rank1<4>>::randn();
    let m = Tensor::<Rank2<3, 5>>::randn();
    let _y = v.matmul(&m);
}
