// Convolutions, pooling and flatten in their valid forms, each failing case's twin: the blitz's
// LeNet generic over its batch (no where-clauses), every option, modules, Sequential, and a
// run-time batch.
use typetensor::nn::{
    AdaptiveAvgPool2d, AvgPool2d, Conv1d, Conv2d, Flatten, Linear, MaxPool2d, Module, ReLU,
    Sequential,
};
use typetensor::ops::conv::ConvOpts;
use typetensor::ops::pool::PoolOpts;
use typetensor::{DYN, Rank1, Rank2, Rank3, Rank4, Tensor};

struct Net {
    conv1: Conv2d<1, 6, 5>,
    conv2: Conv2d<6, 16, 5>,
    fc1: Linear<{ 16 * 5 * 5 }, 120>,
    fc2: Linear<120, 84>,
    fc3: Linear<84, 10>,
}

impl<const N: usize> Module<&Tensor<Rank4<N, 1, 32, 32>>> for Net {
    type Output = Tensor<Rank2<N, 10>>;
    fn forward(&self, x: &Tensor<Rank4<N, 1, 32, 32>>) -> Self::Output {
        let x = self.conv1.forward(x).relu().max_pool2d::<2>();
        let x = self.conv2.forward(&x).relu().max_pool2d::<2>();
        let x = x.flatten_from::<1>();
        let x = self.fc1.forward(&x).relu();
        let x = self.fc2.forward(&x).relu();
        self.fc3.forward(&x)
    }
}

fn main() {
    let net = Net {
        conv1: Conv2d::new(),
        conv2: Conv2d::new(),
        fc1: Linear::new(),
        fc2: Linear::new(),
        fc3: Linear::new(),
    };
    let out: Tensor<Rank2<1, 10>> = net.forward(&Tensor::<Rank4<1, 1, 32, 32>>::randn());
    out.sum().backward();
    assert!(net.conv1.weight.grad().is_some());
    let batch: Tensor<Rank2<3, 10>> = net.forward(&Tensor::<Rank4<3, 1, 32, 32>>::randn());
    assert_eq!(batch.shape(), [3, 10]);
    // A run-time batch passes through every layer.
    let xd = Tensor::<Rank4<DYN, 1, 32, 32>>::zeros_dims(&[2, 1, 32, 32]).unwrap();
    let yd: Tensor<Rank2<DYN, 10>> = net.forward(&xd);
    assert_eq!(yd.shape(), [2, 10]);

    // Every option of conv2d and conv1d; the kernel exactly as large as the padded input.
    let x = Tensor::<Rank4<2, 4, 9, 9>>::randn();
    let _a: Tensor<Rank4<2, 6, 5, 5>> = x.conv2d_with(&Tensor::<Rank4<6, 2, 3, 3>>::randn(), None, ConvOpts::<2, 1, 1, 2>);
    let _b: Tensor<Rank4<2, 3, 1, 1>> = x.conv2d_with(&Tensor::<Rank4<3, 4, 3, 3>>::randn(), None, ConvOpts::<1, 1, 5>);
    let _c: Tensor<Rank4<2, 3, 1, 1>> = x.conv2d(&Tensor::<Rank4<3, 4, 9, 9>>::randn(), Some(&Tensor::<Rank1<3>>::zeros()));
    let _u: Tensor<Rank3<3, 7, 7>> = Tensor::<Rank3<4, 9, 9>>::randn().conv2d(&Tensor::<Rank4<3, 4, 3, 3>>::randn(), None);
    let s = Tensor::<Rank3<2, 4, 1000>>::randn();
    let _d: Tensor<Rank3<2, 8, 1000>> = s.conv1d_with(&Tensor::<Rank3<8, 4, 3>>::randn(), None, ConvOpts::<1, 1>);
    let _e: Tensor<Rank2<8, 998>> = Tensor::<Rank2<4, 1000>>::randn().conv1d(&Tensor::<Rank3<8, 4, 3>>::randn(), None);
    let big = Tensor::<Rank4<1, 1, 1024, 1024>>::zeros();
    let _f: Tensor<Rank4<1, 1, 1024, 1024>> = big.conv2d_with(&Tensor::<Rank4<1, 1, 3, 3>>::zeros(), None, ConvOpts::<1, 1>);

    // Pooling, and flatten from a dimension.
    let m = Tensor::<Rank4<2, 6, 8, 8>>::randn();
    let _g: Tensor<Rank4<2, 6, 2, 2>> = m.max_pool2d::<4>();
    let _h: Tensor<Rank4<2, 6, 5, 5>> = m.max_pool2d_with(PoolOpts::<2, 2, 1>);
    let _i: Tensor<Rank4<2, 6, 4, 4>> = m.avg_pool2d_with(PoolOpts::<2, 2, 0, 1>);
    let _j: Tensor<Rank3<6, 4, 4>> = Tensor::<Rank3<6, 8, 8>>::randn().avg_pool2d::<2>();
    let _k: Tensor<Rank4<2, 6, 3, 3>> = m.adaptive_avg_pool2d::<3, 3>();
    let _l: Tensor<Rank2<2, 384>> = m.flatten_from::<1>();
    let _n: Tensor<Rank3<2, 6, 64>> = m.flatten_from::<2>();
    let _o: Tensor<Rank1<768>> = m.flatten_from::<0>();

    // Modules and a Sequential whose channels chain.
    let model = Sequential::new((
        Conv2d::<3, 8, 3, 1, 1>::new(),
        ReLU,
        MaxPool2d::<2>,
        Conv2d::<8, 8, 3, 2, 1, 1, 8>::new(),
        AdaptiveAvgPool2d::<1>,
        Flatten,
    ));
    let y: Tensor<Rank2<2, 8>> = model.forward(&Tensor::<Rank4<2, 3, 16, 16>>::randn());
    assert_eq!(y.shape(), [2, 8]);
    let _p: Tensor<Rank4<1, 3, 4, 4>> = AvgPool2d::<3, 2, 1>.forward(&Tensor::<Rank4<1, 3, 8, 8>>::randn());
    let _q: Tensor<Rank3<2, 5, 10>> = Conv1d::<3, 5, 3, 1, 1>::new().forward(&Tensor::<Rank3<2, 3, 10>>::randn());
}
