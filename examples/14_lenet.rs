//! Lesson stage 14: the blitz's convolutional network, `Net` from PyTorch's "Neural Networks"
//! tutorial, line for line, trained on handwritten digits.
//!
//! The blitz's `Net` expects 32×32 images (its `16 * 5 * 5` comes from them: 32 → conv 5 →
//! 28 → pool → 14 → conv 5 → 10 → pool → 5). The digits data set (examples/data/digits) has
//! 8×8 images, so each is upsampled to 32×32 by repeating every pixel 4×4 (and scaled to
//! [-1, 1], as the blitz's classifier tutorial normalises its images): the digit fills the
//! frame as an MNIST digit does in LeNet's 32×32 input, and `Net` stays exactly the blitz's.
//! (Padding 8×8 to 32×32 instead would shrink the digit to a 2×2 patch of the last 5×5
//! feature maps, `fc1` seeing mostly padding; a LeNet resized for 8×8 would no longer be the
//! blitz's code.)
//! Every output size below is computed in the type: with 3×3 kernels and `16 * 5 * 5` the
//! program does not compile (ui-tests/fail/conv_lenet_flat_features.rs).
//!
//! The loss is the cross-entropy (`F.cross_entropy`), written here from `log`, `exp` and
//! sums; the optimizer `torch.optim.SGD(lr=0.02, momentum=0.9)`, batches of 32, shuffled
//! each epoch.
//!
//! Run: `cargo run --release --example 14_lenet` (add `--features cuda` and
//! `-- --device cuda` to train on the GPU).
use typetensor::autograd::no_grad;
use typetensor::data::{DataLoader, TensorDataset};
use typetensor::nn::{Conv2d, Linear, Module, ToDevice};
use typetensor::optim::{Optimizer, SGD};
use typetensor::prelude::*;
use typetensor::{DYN, Device, Result};

// Shared by the network stages; `lesson` (and the tests) include several of them.
#[allow(clippy::duplicate_mod)]
#[path = "support/device.rs"]
mod device;

/// `nn.Conv2d(IN, OUT, K)` (stride 1, no padding: PyTorch's defaults) with its parameters on
/// `Dev`.
type Conv<const IN: usize, const OUT: usize, const K: usize, Dev> =
    Conv2d<IN, OUT, K, 1, 0, 1, 1, f32, Dev>;

/// `class Net(nn.Module)`: the blitz's network.
pub struct Net<Dev: Device = Cpu> {
    // 1 input image channel, 6 output channels, 5x5 square convolution
    // kernel
    pub conv1: Conv<1, 6, 5, Dev>,
    pub conv2: Conv<6, 16, 5, Dev>,
    // an affine operation: y = Wx + b
    pub fc1: Linear<{ 16 * 5 * 5 }, 120, f32, Dev>, // 5*5 from image dimension
    pub fc2: Linear<120, 84, f32, Dev>,
    pub fc3: Linear<84, 10, f32, Dev>,
}

typetensor::parameters!(impl[Dev: Device] Net<Dev> [f32, Dev] { conv1, conv2, fc1, fc2, fc3 });

impl Net {
    /// `net = Net()`, with PyTorch's default initialisation.
    pub fn new() -> Self {
        Net {
            conv1: Conv2d::new(),
            conv2: Conv2d::new(),
            fc1: Linear::new(),
            fc2: Linear::new(),
            fc3: Linear::new(),
        }
    }
}

impl Default for Net {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, Dev: Device> Module<&Tensor<Rank4<N, 1, 32, 32>, f32, Dev>> for Net<Dev> {
    type Output = Tensor<Rank2<N, 10>, f32, Dev>;

    fn forward(&self, x: &Tensor<Rank4<N, 1, 32, 32>, f32, Dev>) -> Self::Output {
        // Max pooling over a (2, 2) window
        let x = self.conv1.forward(x).relu().max_pool2d::<2>();
        // If the size is a square, you can specify with a single number
        let x = self.conv2.forward(&x).relu().max_pool2d::<2>();
        let x = x.flatten_from::<1>(); // flatten all dimensions except the batch dimension
        let x = self.fc1.forward(&x).relu();
        let x = self.fc2.forward(&x).relu();
        self.fc3.forward(&x)
    }
}

impl<Dev: Device, Dev2: Device> ToDevice<Dev2> for Net<Dev> {
    type Output = Net<Dev2>;
    fn try_to_device(&self, device: &Dev2) -> Result<Net<Dev2>> {
        Ok(Net {
            conv1: self.conv1.try_to_device(device)?,
            conv2: self.conv2.try_to_device(device)?,
            fc1: self.fc1.try_to_device(device)?,
            fc2: self.fc2.try_to_device(device)?,
            fc3: self.fc3.try_to_device(device)?,
        })
    }
}

impl<Dev: Device> std::fmt::Debug for Net<Dev> {
    /// `print(net)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Net(")?;
        writeln!(f, "  (conv1): {:?}", self.conv1)?;
        writeln!(f, "  (conv2): {:?}", self.conv2)?;
        writeln!(f, "  (fc1): {:?}", self.fc1)?;
        writeln!(f, "  (fc2): {:?}", self.fc2)?;
        writeln!(f, "  (fc3): {:?}", self.fc3)?;
        write!(f, ")")
    }
}

/// The digits data (`split` is `train` or `test`): images as `[N, 1, 32, 32]` in `[-1, 1]`
/// (each 8×8 pixel repeated 4×4, intensity scaled from 0..16, as the blitz's classifier
/// tutorial normalises its images with `Normalize(0.5, 0.5)`), labels as `i64` classes.
pub fn digits(split: &str) -> Result<(Tensor<Rank4<DYN, 1, 32, 32>>, Tensor<Rank1<DYN>, i64>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/digits");
    let x8 = Tensor::<Rank2<DYN, 64>>::read_npy(format!("{dir}/{split}_x.npy"), &Cpu)?;
    let y = Tensor::<Rank1<DYN>, i64>::read_npy(format!("{dir}/{split}_y.npy"), &Cpu)?;
    let n = x8.shape()[0];
    let small = x8.to_vec();
    let mut big = Vec::with_capacity(n * 32 * 32);
    for image in small.chunks(64) {
        for row in 0..32 {
            big.extend((0..32).map(|col| image[row / 4 * 8 + col / 4] / 8.0 - 1.0));
        }
    }
    Ok((Tensor::from_vec_dims(big, &[n, 1, 32, 32])?, y))
}

/// `F.cross_entropy(logits, target)` (mean over the batch), from the log-softmax:
/// `-mean(log_softmax(logits)[i, target[i]])`. The row maximum is subtracted first so no
/// `exp` overflows.
pub fn cross_entropy<const N: usize, Dev: Device>(
    logits: &Tensor<Rank2<N, 10>, f32, Dev>,
    target: &Tensor<Rank1<N>, i64, Dev>,
) -> Tensor<Rank0, f32, Dev> {
    let shifted = logits - &logits.max_dim_keepdim::<1>().detach().expand_dim::<1, 10>();
    let log_sum_exp = shifted.exp().sum_dim_keepdim::<1>().log();
    let log_softmax = &shifted - &log_sum_exp.expand_dim::<1, 10>();
    // one_hot[i, c] = (target[i] == c)
    let classes = Tensor::<Rank1<10>, i64>::from_fn(|c| c as i64).to_device(logits.device());
    let one_hot = target
        .unsqueeze::<1>()
        .expand_dim::<1, 10>()
        .eq(&classes)
        .to_dtype::<f32>();
    let n = logits.shape()[0] as f32;
    -(&log_softmax * &one_hot).sum().div_scalar(n)
}

/// Images and their labels.
pub type Images<Dev> = (
    Tensor<Rank4<DYN, 1, 32, 32>, f32, Dev>,
    Tensor<Rank1<DYN>, i64, Dev>,
);

/// The training data.
pub type Digits<Dev> = TensorDataset<Images<Dev>>;

/// `optimizer = optim.SGD(net.parameters(), lr=0.02, momentum=0.9)`
pub fn optimizer<Dev: Device>() -> SGD<f32, Dev> {
    SGD::new(0.02).momentum(0.9)
}

/// One epoch over `loader`'s batches, calling `report(loss)` after each step.
pub fn train_epoch<Dev: Device>(
    net: &mut Net<Dev>,
    optimizer: &mut SGD<f32, Dev>,
    loader: &DataLoader<'_, 32, Images<Dev>>,
    epoch: u64,
    mut report: impl FnMut(f32),
) {
    for (inputs, labels) in loader.epoch(epoch) {
        optimizer.zero_grad(net); // zero the parameter gradients
        // forward + backward + optimize
        let outputs = net.forward(&inputs);
        let loss = cross_entropy(&outputs, &labels);
        loss.backward();
        optimizer.step(net);
        report(loss.item());
    }
}

/// The fraction of `images` whose largest output is their label.
pub fn accuracy<Dev: Device>(
    net: &Net<Dev>,
    images: &Tensor<Rank4<DYN, 1, 32, 32>, f32, Dev>,
    labels: &Tensor<Rank1<DYN>, i64, Dev>,
) -> f64 {
    no_grad(|| {
        let predicted = net.forward(images).argmax_dim::<1>();
        let right = predicted.eq(labels).to_dtype::<i64>().sum().item();
        right as f64 / labels.shape()[0] as f64
    })
}

pub fn main() {
    match device::device_arg() {
        device::DeviceArg::Cpu => run(&Cpu),
        device::DeviceArg::Cuda(cuda) => run(&cuda),
    }
}

/// The stage on `device`.
pub fn run<Dev: Device>(device: &Dev) {
    println!("== 14. A convolutional network (the blitz's LeNet) on handwritten digits ==\n");
    manual_seed(14);
    let net = Net::new();
    println!("{net:?}\n"); // print(net)
    let mut net = net.to_device(device);
    let (train_x, train_y) = digits("train").expect("examples/data/digits");
    let (test_x, test_y) = digits("test").expect("examples/data/digits");
    let (test_x, test_y) = (test_x.to_device(device), test_y.to_device(device));
    let data: Digits<Dev> =
        TensorDataset::new((train_x.to_device(device), train_y.to_device(device)))
            .expect("as many labels as images");
    // Batches of 32, reshuffled every epoch (DataLoader(data, batch_size=32, shuffle=True)).
    let loader = DataLoader::<32, _>::new(&data).shuffle(14);
    let mut optimizer = optimizer();
    for epoch in 0..12 {
        let mut losses = Vec::new();
        train_epoch(&mut net, &mut optimizer, &loader, epoch, |loss| {
            losses.push(loss)
        });
        let mean = losses.iter().map(|&l| f64::from(l)).sum::<f64>() / losses.len() as f64;
        let acc = accuracy(&net, &test_x, &test_y);
        println!(
            "epoch {:2}  loss {mean:.4}  test accuracy {:.1}%",
            epoch + 1,
            100.0 * acc
        );
    }
    println!();
}
