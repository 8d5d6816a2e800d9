// Rule: `BatchNorm1d<C>` takes `[N, C]` or `[N, C, L]`: a tensor with 5 channels does not fit `BatchNorm1d<3>`.
use typetensor::nn::{BatchNorm1d, Module};
use typetensor::{Rank3, Tensor};

fn main() {
    let bn = BatchNorm1d::<3>::new();
    let x = Tensor::<Rank3<4, 5, 7>>::zeros();
    let _y = bn.forward(&x);
}
