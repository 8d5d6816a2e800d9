// Rule: `matmul` of a matrix by a vector needs the vector's length to equal the columns.
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let m = Tensor::<Rank2<3, 4>>::randn();
    let v = Tensor::<Rank1<3>>::randn();
    let _y = m.matmul(&v);
}
