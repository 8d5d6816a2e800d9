// Rule: `+=` cannot grow the left side: `Rank1<4> += Rank2<3, 4>` would need a `Rank2` result.
use typetensor::{Rank1, Rank2, Tensor};

fn main() {
    let mut acc = Tensor::<Rank1<4>>::zeros();
    let batch = Tensor::<Rank2<3, 4>>::ones();
    acc += &batch;
}
