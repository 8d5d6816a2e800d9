// Rule: `slice_from` of a generic size has no static result (B - 1 cannot be a type on stable Rust); the message says to make the dimension run-time.
use typetensor::{Rank2, Tensor};

fn tail<const B: usize>(x: &Tensor<Rank2<B, 10>>) {
    let _t = x.slice_from::<0, 1>();
}

fn main() {
    tail::<4>(&Tensor::zeros());
}
