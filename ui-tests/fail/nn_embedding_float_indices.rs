// Rule: an `Embedding` is indexed by an `i64` tensor; float indices do not compile.
use typetensor::nn::{Embedding, Module};
use typetensor::{Rank1, Tensor};

fn main() {
    let emb = Embedding::<10, 3>::new();
    let idx = Tensor::<Rank1<4>>::zeros();
    let _y = emb.forward(&idx);
}
