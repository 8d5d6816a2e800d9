//! Stage 13 (past the lesson): a classifier on a real data set. The handwritten digits that
//! scikit-learn ships (8×8 images, 10 classes; `examples/data/digits`, UCI, CC BY 4.0) train
//! a multi-layer perceptron `64 → 128 → 10` with `CrossEntropyLoss`, `Dropout`, Adam and a
//! `StepLR` schedule, in shuffled mini-batches of 64; each epoch prints the mean training
//! loss and the accuracy on the 360 held-out test images (about 97% after 15 epochs).
//!
//! Run: `cargo run --release --example 13_classifier` (add `--features cuda` and
//! `-- --device cuda` to train on the GPU).
use std::time::Instant;

use typetensor::autograd::no_grad;
use typetensor::data::{DataLoader, TensorDataset};
use typetensor::nn::{CrossEntropyLoss, Dropout, Linear, Module, ReLU, Sequential};
use typetensor::nn::{ToDevice, Training};
use typetensor::optim::lr_scheduler::{LRScheduler, StepLR};
use typetensor::optim::{Adam, Optimizer};
use typetensor::prelude::*;
use typetensor::{Device, PyFloat, Result};

#[allow(clippy::duplicate_mod)]
#[path = "support/device.rs"]
mod device;

/// Pixels per image (8×8) and classes (the digits 0-9).
pub const PIXELS: usize = 64;
/// The ten digits.
pub const CLASSES: usize = 10;
/// Hidden units.
pub const HIDDEN: usize = 128;
/// Examples per mini-batch.
pub const BATCH: usize = 64;

/// `nn.Sequential(nn.Linear(64, H), nn.ReLU(), nn.Dropout(p), nn.Linear(H, 10))`.
pub type Mlp<const H: usize, Dev> = Sequential<(
    Linear<PIXELS, H, f32, Dev>,
    ReLU,
    Dropout,
    Linear<H, CLASSES, f32, Dev>,
)>;

/// Images, one row of 64 pixels each, as many as the file holds.
pub type Images<Dev> = Tensor<Rank2<DYN, PIXELS>, f32, Dev>;
/// Their classes, `0..10`.
pub type Labels<Dev> = Tensor<Rank1<DYN>, i64, Dev>;
/// Batches of `(images, labels)`.
pub type Loader<'a, Dev> = DataLoader<'a, BATCH, (Images<Dev>, Labels<Dev>)>;

/// `examples/data/digits/{split}_{x,y}.npy`, pixels scaled from `0..16` to `0..1`.
pub fn load<Dev: Device>(split: &str, device: &Dev) -> Result<(Images<Dev>, Labels<Dev>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/digits");
    let x = Images::read_npy(dir.join(format!("{split}_x.npy")), device)?;
    let y = Labels::read_npy(dir.join(format!("{split}_y.npy")), device)?;
    Ok((x.try_div_scalar(16.0)?, y))
}

/// The model with PyTorch's default initialisation (from the crate's generator), on `device`.
pub fn mlp<const H: usize, Dev: Device>(dropout: f64, device: &Dev) -> Result<Mlp<H, Dev>> {
    let model: Mlp<H, Cpu> = Sequential::new((
        Linear::new(),
        ReLU,
        Dropout::try_new(dropout)?,
        Linear::new(),
    ));
    model.try_to_device(device)
}

/// One epoch of mini-batches in training mode: the loss of every batch, in order.
pub fn train_epoch<const H: usize, Dev: Device>(
    model: &mut Mlp<H, Dev>,
    optimizer: &mut Adam<f32, Dev>,
    loader: &Loader<'_, Dev>,
    epoch: u64,
) -> Result<Vec<f32>> {
    let loss_fn = CrossEntropyLoss::new(); // nn.CrossEntropyLoss()
    let mut losses = Vec::with_capacity(loader.len());
    for batch in loader.try_epoch(epoch) {
        let (x, y) = batch?; // x: [≤64, 64] pixels, y: [≤64] classes
        let logits = model.forward(&x); // [≤64, 10]
        let loss = loss_fn.try_forward(&logits, &y)?;
        optimizer.zero_grad(model);
        loss.try_backward()?;
        optimizer.try_step(model)?;
        losses.push(loss.item());
    }
    Ok(losses)
}

/// The fraction of `x` whose most likely class is `y`, in evaluation mode (no dropout).
pub fn accuracy<const H: usize, Dev: Device>(
    model: &mut Mlp<H, Dev>,
    x: &Images<Dev>,
    y: &Labels<Dev>,
) -> Result<f32> {
    model.eval(); // model.eval()
    let correct = no_grad(|| -> Result<i64> {
        // (model(x).argmax(dim=1) == y).sum()
        let predicted = model.forward(x).try_argmax_dim::<1>()?;
        Ok(predicted.try_eq(y)?.try_sum()?.item())
    });
    model.train(); // model.train()
    Ok(correct? as f32 / y.shape()[0] as f32)
}

pub fn main() {
    let result = match device::device_arg() {
        device::DeviceArg::Cpu => run(&Cpu),
        device::DeviceArg::Cuda(cuda) => run(&cuda),
    };
    if let Err(e) = result {
        eprintln!("13_classifier: {e}");
        std::process::exit(1);
    }
}

/// The stage on `device`.
pub fn run<Dev: Device>(device: &Dev) -> Result<()> {
    println!("== 13. A digit classifier: CrossEntropyLoss, Dropout, Adam, StepLR ==\n");
    manual_seed(13);
    let (x_train, y_train) = load("train", device)?;
    let (x_test, y_test) = load("test", device)?;
    println!(
        "train: {} images, test: {} images, {PIXELS} pixels each\n",
        x_train.shape()[0],
        x_test.shape()[0]
    );
    let train = TensorDataset::new((x_train, y_train))?; // TensorDataset(x, y)
    // DataLoader(train, batch_size=64, shuffle=True), seeded
    let loader = Loader::new(&train).shuffle(0);

    let mut model = mlp::<HIDDEN, Dev>(0.2, device)?;
    println!("{model:?}\n"); // print(model)
    let mut optimizer = Adam::new(1e-2); // torch.optim.Adam(model.parameters(), lr=1e-2)
    // StepLR(optimizer, step_size=5, gamma=0.5): halve the learning rate every 5 epochs
    let mut scheduler = StepLR::new(&mut optimizer, 5, 0.5);
    let mut seconds = 0.0;
    let epochs = 15;
    for epoch in 0..epochs {
        let start = Instant::now();
        let losses = train_epoch(&mut model, &mut optimizer, &loader, epoch)?;
        seconds += start.elapsed().as_secs_f64();
        let mean = losses.iter().sum::<f32>() / losses.len() as f32;
        let lr = scheduler.get_last_lr();
        scheduler.step(&mut optimizer);
        let acc = accuracy(&mut model, &x_test, &y_test)?;
        println!(
            "epoch {epoch:2}: lr {lr:.5}  train loss {}  test accuracy {:.1}%",
            PyFloat(mean.into()),
            100.0 * acc
        );
    }
    println!(
        "\ntraining took {:.1} ms per epoch ({} batches)\n",
        1e3 * seconds / epochs as f64,
        loader.len()
    );
    Ok(())
}
