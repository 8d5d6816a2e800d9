//! Stage 12 (past the lesson): mini-batches from a file whose length the program does not
//! know. The data set is read into `Tensor<Rank2<DYN, 16>>` (`DYN`: a size known only at run
//! time), cut into shuffled batches of 64 by a `DataLoader` (the last one smaller), and the
//! lesson's two-layer network (stage 10) trains on them with Adam. The same model then
//! evaluates a single example and the whole set: the batch size is part of no type the
//! network needs.
//!
//! Run: `cargo run --release --example 12_minibatch` (add `--features cuda` and
//! `-- --device cuda` to train on the GPU).
use typetensor::autograd::no_grad;
use typetensor::data::{DataLoader, TensorDataset};
use typetensor::nn::{Linear, MSELoss, Module, ReLU, Reduction, Sequential, ToDevice};
use typetensor::optim::{Adam, Optimizer};
use typetensor::prelude::*;
use typetensor::{Device, PyFloat, Result};

#[allow(clippy::duplicate_mod)]
#[path = "support/device.rs"]
mod device;

/// Where the example's data lives (`scripts/minibatch_data.py` made it).
fn data_file(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data/minibatch")
        .join(name)
}

/// `torch.nn.Sequential(Linear(D_in, H), ReLU(), Linear(H, D_out))`, any device.
pub type Net<const D_IN: usize, const H: usize, const D_OUT: usize, Dev> =
    Sequential<(Linear<D_IN, H, f32, Dev>, ReLU, Linear<H, D_OUT, f32, Dev>)>;

/// A loader of `(inputs, targets)` batches of `B` from a data set of run-time length.
pub type Loader<'a, const B: usize, const D_IN: usize, const D_OUT: usize, Dev> = DataLoader<
    'a,
    B,
    (
        Tensor<Rank2<DYN, D_IN>, f32, Dev>,
        Tensor<Rank2<DYN, D_OUT>, f32, Dev>,
    ),
>;

/// One epoch of shuffled mini-batches; returns the mean of the batches' losses and the
/// size of the last batch. Generic over the data's sizes, as the lesson's `train`.
pub fn train_epoch<const B: usize, const D_IN: usize, const H: usize, const D_OUT: usize, Dev>(
    model: &mut Net<D_IN, H, D_OUT, Dev>,
    optimizer: &mut Adam<f32, Dev>,
    loader: &Loader<'_, B, D_IN, D_OUT, Dev>,
    epoch: u64,
) -> (f32, usize)
where
    Dev: Device,
{
    let loss_fn = MSELoss::new(Reduction::Mean);
    let (mut total, mut batches, mut last) = (0.0, 0, 0);
    for (x, y) in loader.epoch(epoch) {
        // x: Tensor<Rank2<DYN, D_IN>>: 64 rows, or fewer in the last batch
        let y_pred = model.forward(&x);
        let loss = loss_fn.forward(&y_pred, &y);
        optimizer.zero_grad(model);
        loss.backward();
        optimizer.step(model);
        total += loss.item();
        batches += 1;
        last = x.shape()[0];
    }
    (total / batches as f32, last)
}

pub fn main() {
    let result = match device::device_arg() {
        device::DeviceArg::Cpu => run(&Cpu),
        device::DeviceArg::Cuda(cuda) => run(&cuda),
    };
    if let Err(e) = result {
        eprintln!("12_minibatch: {e}");
        std::process::exit(1);
    }
}

/// The stage on `device`.
pub fn run<Dev: Device>(device: &Dev) -> Result<()> {
    println!("== 12. Mini-batches from a file of unknown length ==\n");
    manual_seed(12);
    // x = torch.from_numpy(np.load("x.npy")): the number of rows is whatever the file has.
    let x = Tensor::<Rank2<DYN, 16>, f32, Dev>::read_npy(data_file("x.npy"), device)?;
    let y = Tensor::<Rank2<DYN, 4>, f32, Dev>::read_npy(data_file("y.npy"), device)?;
    println!("read x: {}, y: {}", x.shape(), y.shape());

    let dataset = TensorDataset::new((x, y))?; // TensorDataset(x, y)
    // DataLoader(dataset, batch_size=64, shuffle=True), seeded
    let loader = DataLoader::<64, _>::new(&dataset).shuffle(0);
    println!("{} batches of up to 64 per epoch\n", loader.len());

    let model: Net<16, 100, 4, Cpu> = Sequential::new((Linear::new(), ReLU, Linear::new()));
    let mut model = model.to_device(device);
    let mut optimizer = Adam::new(1e-2);
    for epoch in 0..20 {
        let (loss, last) = train_epoch(&mut model, &mut optimizer, &loader, epoch);
        println!(
            "epoch {epoch:2}: mean batch loss {} (last batch: {last} examples)",
            PyFloat(loss.into())
        );
    }

    // The same model on one example (batch of 1) and on the whole set.
    let (x, y) = dataset.all()?;
    let loss_fn = MSELoss::new(Reduction::Mean);
    no_grad(|| -> Result<()> {
        let first: Tensor<Rank2<1, 16>, f32, Dev> = x.narrow::<0, 0, 1>();
        println!("\none example: prediction {}", model.forward(&first));
        println!("          target     {}", y.narrow::<0, 0, 1>());
        let whole = loss_fn.try_forward(&model.forward(&x), &y)?;
        println!(
            "whole set ({} examples): MSE {}",
            x.shape()[0],
            PyFloat(whole.item().into())
        );
        Ok(())
    })?;
    println!();
    Ok(())
}
