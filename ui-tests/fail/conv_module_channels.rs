// Rule: a `Conv2d<IN, ..>` layer takes IN channels: `Conv2d<3, 6, 5>` on a 1-channel batch.
use typetensor::nn::{Conv2d, Module};
use typetensor::{Rank4, Tensor};

fn main() {
    let conv = Conv2d::<3, 6, 5>::new();
    let _y = conv.forward(&Tensor::<Rank4<4, 1, 32, 32>>::zeros());
}
