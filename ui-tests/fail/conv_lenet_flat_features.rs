// Rule: the blitz's LeNet with 3x3 convolutions and the 5x5 net's `16 * 5 * 5`: the flatten gives 16 * 6 * 6 = 576 features, and `Linear<400, 120>` (`Linear<{ 16 * 5 * 5 }, 120>`) takes 400.
use typetensor::nn::{Conv2d, Linear, Module};
use typetensor::{Rank2, Rank4, Tensor};

struct Net {
    conv1: Conv2d<1, 6, 3>,
    conv2: Conv2d<6, 16, 3>,
    fc1: Linear<{ 16 * 5 * 5 }, 120>, // 5*5 from image dimension (it is 6*6 with 3x3 kernels)
    fc2: Linear<120, 84>,
    fc3: Linear<84, 10>,
}

impl<const N: usize> Module<&Tensor<Rank4<N, 1, 32, 32>>> for Net {
    type Output = Tensor<Rank2<N, 10>>;
    fn forward(&self, x: &Tensor<Rank4<N, 1, 32, 32>>) -> Self::Output {
        let x = self.conv1.forward(x).relu().max_pool2d::<2>();
        let x = self.conv2.forward(&x).relu().max_pool2d::<2>();
        let x = x.flatten_from::<1>(); // [N, 16, 6, 6] -> [N, 576]
        let x = self.fc1.forward(&x).relu();
        let x = self.fc2.forward(&x).relu();
        self.fc3.forward(&x)
    }
}

fn main() {}
