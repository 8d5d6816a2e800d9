//! Stage 15 (past the lesson): data-parallel training across processes with MPI, as
//! PyTorch's `DistributedDataParallel`. Every process holds a replica of the digits
//! classifier (an MLP 64 → 256 → 10, cross-entropy, Adam), trains on its own shard of each
//! batch (a `DistributedSampler`), and the gradients are averaged across processes after
//! each backward pass, so every replica takes the same step. The global batch is 64
//! examples whatever the number of processes (64 / N each), so the run computes what one
//! process computes on batches of 64: the same losses and accuracy, to float rounding.
//!
//! Run (needs Open MPI or MPICH; see the README's "Scaling out"):
//! ```text
//! cargo build --release --features distributed --example 15_ddp
//! mpirun -np 2 target/release/examples/15_ddp          # add --allow-run-as-root as root
//! target/release/examples/15_ddp                        # one process
//! ```
//! Options: `--epochs N` (default 10).
use std::path::Path;
use std::time::Instant;

use typetensor::autograd::no_grad;
use typetensor::data::{Columns, DataLoader, TensorDataset};
use typetensor::distributed::{
    DistributedDataParallel, DistributedSampler, ProcessGroup, ReduceOp,
};
use typetensor::nn::functional::cross_entropy;
use typetensor::nn::{Linear, Module, ReLU, Sequential};
use typetensor::optim::{Adam, Optimizer};
use typetensor::prelude::*;
use typetensor::{Error, PyFloat, Result};

/// `torch.nn.Sequential(Linear(64, 256), ReLU(), Linear(256, 10))`.
type Classifier = Sequential<(Linear<64, 256>, ReLU, Linear<256, 10>)>;

/// The global batch: split evenly over the processes.
const GLOBAL_BATCH: usize = 64;

fn main() {
    if let Err(e) = run() {
        eprintln!("15_ddp: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let group = ProcessGroup::from_env()?; // dist.init_process_group("mpi")
    let epochs = epochs_arg();
    // Each process's batch size is part of the loader's type: one instance per world size.
    match group.world_size() {
        1 => train::<64>(&group, epochs),
        2 => train::<32>(&group, epochs),
        4 => train::<16>(&group, epochs),
        8 => train::<8>(&group, epochs),
        n => Err(Error::InvalidArgument(format!(
            "15_ddp splits a batch of {GLOBAL_BATCH} over 1, 2, 4 or 8 processes, not {n}"
        ))),
    }
}

fn epochs_arg() -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--epochs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(10)
}

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/data/digits")
        .join(name)
}

/// Training with `B` examples per process and step.
fn train<const B: usize>(group: &ProcessGroup, epochs: u64) -> Result<()> {
    let (rank, world) = (group.rank(), group.world_size());
    let main = group.is_main();
    // Pixel intensities 0..16, scaled to 0..1.
    let x = Tensor::<Rank2<DYN, 64>>::read_npy(data("train_x.npy"), &Cpu)? / 16.0;
    let y = Tensor::<Rank1<DYN>, i64>::read_npy(data("train_y.npy"), &Cpu)?;
    let test_x = Tensor::<Rank2<DYN, 64>>::read_npy(data("test_x.npy"), &Cpu)? / 16.0;
    let test_y = Tensor::<Rank1<DYN>, i64>::read_npy(data("test_y.npy"), &Cpu)?;
    let train_set = TensorDataset::new((x, y))?;
    if main {
        println!(
            "== 15. Data-parallel training: {world} process(es), {B} examples each per step ==\n"
        );
    }

    manual_seed(15 + rank as u64); // replicas start apart: DDP gives them rank 0's weights
    let model: Classifier = Sequential::new((Linear::new(), ReLU, Linear::new()));
    let mut model = DistributedDataParallel::new(model, group)?; // DDP(model)
    let mut optimizer = Adam::new(1e-3);
    // DataLoader(train_set, batch_size=B, sampler=DistributedSampler(train_set, seed=0))
    let loader = DataLoader::<B, _>::new(&train_set).sampler(DistributedSampler::new(group));

    let mut times = Vec::new();
    for epoch in 0..epochs {
        group.try_barrier()?;
        let start = Instant::now();
        let (mut total, mut batches) = (0.0f32, 0usize);
        for batch in loader.try_epoch(epoch) {
            let (xb, yb) = batch?;
            let loss = cross_entropy(&model.forward(&xb), &yb);
            optimizer.zero_grad(&model);
            model.try_backward(&loss)?; // loss.backward(); gradients averaged over processes
            optimizer.try_step(&mut model)?;
            total += loss.item();
            batches += 1;
        }
        group.try_barrier()?;
        let seconds = start.elapsed().as_secs_f64();
        times.push(seconds);
        // The mean of every process's mean batch loss.
        let loss = Tensor::<Rank0>::from_vec(vec![total / batches.max(1) as f32])?;
        let loss = group.try_all_reduce(&loss, ReduceOp::Avg)?.item();
        let accuracy = test_accuracy(group, model.module(), &test_x, &test_y)?;
        if main {
            println!(
                "epoch {epoch:2}: loss {}  test accuracy {:.2}%  {:.1} ms",
                PyFloat(loss.into()),
                100.0 * accuracy,
                1e3 * seconds
            );
        }
    }
    let path = std::env::temp_dir().join("typetensor_15_ddp.safetensors");
    model.save(&path)?; // rank 0 writes it, atomically
    if main {
        let skip = usize::from(times.len() > 1); // the first epoch warms caches
        let mean = times[skip..].iter().sum::<f64>() / (times.len() - skip).max(1) as f64;
        println!(
            "\nmean epoch time {:.1} ms over {world} process(es)",
            1e3 * mean
        );
        println!("saved {}", path.display());
    }
    Ok(())
}

/// The fraction of the test set classified right; each process scores its own slice and
/// the counts are summed across processes.
fn test_accuracy(
    group: &ProcessGroup,
    model: &Classifier,
    x: &Tensor<Rank2<DYN, 64>>,
    y: &Tensor<Rank1<DYN>, i64>,
) -> Result<f64> {
    let n = x.shape()[0];
    let (rank, world) = (group.rank(), group.world_size());
    let rows: Vec<usize> = (rank * n / world..(rank + 1) * n / world).collect();
    // The rows of this slice of (x, y), as a DataLoader gathers a batch.
    let (xs, ys) = Columns::try_gather::<DYN>(&(x.clone(), y.clone()), &rows)?;
    let logits = no_grad(|| model.forward(&xs)).try_to_vec()?;
    let labels = ys.try_to_vec()?;
    let correct = logits
        .chunks(10)
        .zip(&labels)
        .filter(|&(row, &label)| {
            let best = (0..10).fold(0, |b, i| if row[i] > row[b] { i } else { b });
            best as i64 == label
        })
        .count();
    let counts = Tensor::<Rank1<2>, i64>::from_vec(vec![correct as i64, rows.len() as i64])?;
    let counts = group.try_all_reduce(&counts, ReduceOp::Sum)?.try_to_vec()?;
    Ok(counts[0] as f64 / counts[1].max(1) as f64)
}
