// Rule: `scatter_add`'s source has the index's shape ([5, 2], not [5, 3]).
use typetensor::{Rank2, Tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::zeros();
    let idx = Tensor::<Rank2<5, 2>, i64>::zeros();
    let src = Tensor::<Rank2<5, 3>>::ones();
    let _s = x.scatter_add::<1, _>(&idx, &src);
}
