// Rule: `gather::<AX>` takes an index shaped like the input except along AX ([5, 2] for a [5, 3] along 1, not [4, 2]).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::randn();
    let idx = Tensor::<Rank2<4, 2>, i64>::zeros();
    let _g = x.gather::<1, _>(&idx);
}
