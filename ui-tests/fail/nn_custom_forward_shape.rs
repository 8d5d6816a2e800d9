// Rule: a custom module's forward is typed, so a wrong input shape does not compile.
use typetensor::nn::{Linear, Module};
use typetensor::{Rank2, Tensor};

struct TwoLayerNet {
    linear1: Linear<1000, 100>,
    linear2: Linear<100, 10>,
}

impl<const N: usize> Module<&Tensor<Rank2<N, 1000>>> for TwoLayerNet {
    type Output = Tensor<Rank2<N, 10>>;
    fn forward(&self, x: &Tensor<Rank2<N, 1000>>) -> Self::Output {
        self.linear2.forward(self.linear1.forward(x).clamp_min(0.0))
    }
}

fn main() {
    let model = TwoLayerNet { linear1: Linear::no_bias(), linear2: Linear::no_bias() };
    let x = Tensor::<Rank2<64, 100>>::zeros();
    let _y = model.forward(&x);
}
