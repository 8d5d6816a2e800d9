//! Data-parallel training across processes, proved against one process: `mpirun` runs this
//! binary as 2 and as 4 ranks (oversubscribed on a 2-core machine), and every rank checks
//! that DistributedDataParallel gives the parameters of one process training on the
//! concatenated batch (the lesson's two-layer network with SGD and with Adam, and the digits
//! classifier over a DistributedSampler), that ranks with different models get an `Err`
//! each instead of a hang, and that a rank that dies ends the job.
//!
//! No libtest harness: run without `TYPETENSOR_DDP_WORKER` this is the driver (spawning
//! `mpirun`); under `mpirun` it is a worker doing the mode that variable names.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use typetensor::data::{Columns, DataLoader, Sampler, TensorDataset};
use typetensor::distributed::{
    DistributedDataParallel, DistributedSampler, ProcessGroup, ReduceOp,
};
use typetensor::nn::functional::cross_entropy;
use typetensor::nn::{
    BatchNorm1d, BufferValue, Linear, MSELoss, Module, Parameters, ReLU, Reduction, Sequential,
};
use typetensor::optim::{Adam, Optimizer, SGD};
use typetensor::prelude::*;

const WORKER: &str = "TYPETENSOR_DDP_WORKER";

fn main() {
    if let Ok(mode) = std::env::var(WORKER) {
        let group = ProcessGroup::from_env().expect("MPI");
        match mode.as_str() {
            "equivalence" => equivalence(&group),
            "mismatch" => mismatch(&group),
            "die" => die(&group),
            other => panic!("unknown worker mode {other}"),
        }
        return;
    }
    let mut failed = Vec::new();
    let mut check = |name: &str, ok: Result<(), String>| match ok {
        Ok(()) => println!("test {name} ... ok"),
        Err(e) => {
            println!("test {name} ... FAILED\n{e}");
            failed.push(name.to_string());
        }
    };
    for np in [2, 4] {
        check(
            &format!("ddp_equals_one_process_on_the_whole_batch_np{np}"),
            expect_success(
                np,
                "equivalence",
                &["lesson SGD", "lesson Adam", "digits Adam"],
            ),
        );
    }
    check(
        "ranks_with_different_models_all_get_err_np2",
        expect_success(2, "mismatch", &["mismatch"]),
    );
    check("mismatch_np3", expect_success(3, "mismatch", &["mismatch"]));
    check("a_rank_that_dies_ends_the_job_np2", expect_death(2));
    if !failed.is_empty() {
        println!("\nfailures: {failed:?}");
        std::process::exit(1);
    }
}

// ---------------------------------------------------------------------------------------
// Driver

/// `mpirun -np {np}` on this binary in worker mode `mode`: its exit status and output, or
/// `Err` if it ran past `limit` (then it is stopped).
fn mpirun(np: usize, mode: &str, limit: Duration) -> Result<(bool, String), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out_path = std::env::temp_dir().join(format!(
        "typetensor_ddp_{mode}_{np}_{}.log",
        std::process::id()
    ));
    let out = std::fs::File::create(&out_path).map_err(|e| e.to_string())?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let mut child = Command::new("mpirun")
        .args(["--oversubscribe", "--allow-run-as-root", "-np"])
        .arg(np.to_string())
        .args(["-x", WORKER])
        .arg(&exe)
        .env(WORKER, mode)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot run mpirun (is Open MPI installed?): {e}"))?;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(s);
        }
        if start.elapsed() > limit {
            // SIGTERM lets mpirun stop its ranks; then make sure.
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            std::thread::sleep(Duration::from_secs(2));
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = std::fs::read_to_string(&out_path).unwrap_or_default();
    let _ = std::fs::remove_file(&out_path);
    match status {
        Some(s) => Ok((s.success(), log)),
        None => Err(format!(
            "mpirun -np {np} ({mode}) still running after {limit:?}: a hang\n{log}"
        )),
    }
}

/// The job succeeds and every rank reports every case.
fn expect_success(np: usize, mode: &str, cases: &[&str]) -> Result<(), String> {
    let (ok, log) = mpirun(np, mode, Duration::from_secs(600))?;
    if !ok {
        return Err(format!("mpirun -np {np} ({mode}) failed:\n{log}"));
    }
    for case in cases {
        for rank in 0..np {
            let line = format!("rank {rank}/{np} {case}: ok");
            if !log.contains(&line) {
                return Err(format!("no `{line}` in the output:\n{log}"));
            }
        }
    }
    print!("{log}");
    Ok(())
}

/// A rank exits in the middle of training: the job must end with an error, not hang.
fn expect_death(np: usize) -> Result<(), String> {
    let start = Instant::now();
    let (ok, log) = mpirun(np, "die", Duration::from_secs(120))?;
    if ok {
        return Err(format!("the job succeeded although rank 1 died:\n{log}"));
    }
    if !log.contains("rank 1 exits") {
        return Err(format!("rank 1 never got to its exit:\n{log}"));
    }
    println!(
        "job ended with an error {:.1} s after start",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Workers

/// The lesson's `TwoLayerNet` (stage 11).
#[derive(Module)]
struct TwoLayerNet<const D_IN: usize, const H: usize, const D_OUT: usize> {
    linear1: Linear<D_IN, H>,
    linear2: Linear<H, D_OUT>,
}

impl<const N: usize, const D_IN: usize, const H: usize, const D_OUT: usize>
    Module<&Tensor<Rank2<N, D_IN>>> for TwoLayerNet<D_IN, H, D_OUT>
{
    type Output = Tensor<Rank2<N, D_OUT>>;
    fn forward(&self, x: &Tensor<Rank2<N, D_IN>>) -> Self::Output {
        self.linear2.forward(self.linear1.forward(x).clamp_min(0.0))
    }
}

impl<const D_IN: usize, const H: usize, const D_OUT: usize> TwoLayerNet<D_IN, H, D_OUT> {
    fn new() -> Self {
        TwoLayerNet {
            linear1: Linear::new(),
            linear2: Linear::new(),
        }
    }
}

/// Every parameter, flattened and concatenated.
fn flat<M: Parameters>(model: &M) -> Vec<f32> {
    model
        .parameters()
        .iter()
        .flat_map(|p| p.tensor_values())
        .collect()
}

trait Values {
    fn tensor_values(&self) -> Vec<f32>;
}

impl Values for typetensor::nn::ParamRef<'_> {
    fn tensor_values(&self) -> Vec<f32> {
        // `AnyParam` has no value accessor: downcast to the shapes this test uses.
        let any = self.tensor.as_any();
        macro_rules! try_shapes {
            ($($s:ty),*) => {
                $(if let Some(t) = any.downcast_ref::<Tensor<$s>>() {
                    return t.to_vec();
                })*
            };
        }
        try_shapes!(
            Rank2<100, 1000>,
            Rank2<10, 100>,
            Rank1<100>,
            Rank1<10>,
            Rank2<32, 64>,
            Rank1<32>,
            Rank2<10, 32>
        );
        panic!("parameter `{}` of an unexpected shape", self.name)
    }
}

/// The largest difference between `a` and `b`, relative to `b`'s largest magnitude.
fn rel_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0f32, |m, x| m.max(x.abs())).max(1e-30);
    a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs())) / scale
}

/// Rows `rows` of a row-major matrix of `cols` columns, as a run-time batch.
fn rows<const C: usize>(
    t: &Tensor<Rank2<DYN, C>>,
    rows: std::ops::Range<usize>,
) -> Tensor<Rank2<DYN, C>> {
    let data = t.to_vec()[rows.start * C..rows.end * C].to_vec();
    Tensor::from_vec_dims(data, &[rows.len(), C]).unwrap()
}

/// Every rank's copy of `v` is bit-for-bit the same (the replicas never drift apart).
fn replicas_agree(group: &ProcessGroup, v: &[f32]) -> bool {
    let t = Tensor::<Rank1<DYN>>::from_vec_dims(v.to_vec(), &[v.len()]).unwrap();
    let all = group.all_gather(&t);
    all.iter().all(|o| o.to_vec() == v)
}

#[derive(Clone, Copy, Debug)]
enum Opt {
    Sgd,
    Adam,
}

fn step<M: Parameters>(opt: &mut (Option<SGD>, Option<Adam>), model: &mut M) {
    match opt {
        (Some(s), _) => s.step(model),
        (_, Some(a)) => a.step(model),
        _ => unreachable!(),
    }
}

fn optimizer(which: Opt) -> (Option<SGD>, Option<Adam>) {
    match which {
        Opt::Sgd => (Some(SGD::new(0.05).momentum(0.9)), None),
        Opt::Adam => (None, Some(Adam::new(1e-3))),
    }
}

/// The lesson's network on a batch of 64, split over the ranks, against one process on the
/// whole batch; `sync: false` is the control (no averaging), which must be far off.
fn lesson_case(group: &ProcessGroup, which: Opt, sync: bool) -> (f32, Vec<f32>) {
    const N: usize = 64;
    let (rank, world) = (group.rank(), group.world_size());
    manual_seed(7);
    let x = Tensor::<Rank2<N, 1000>>::randn().to_dyn::<0>();
    let y = Tensor::<Rank2<N, 10>>::randn().to_dyn::<0>();
    manual_seed(100);
    let mut reference = TwoLayerNet::<1000, 100, 10>::new();
    // Each rank starts from other weights: DDP must give it rank 0's.
    manual_seed(100 + rank as u64);
    let mut ddp = DistributedDataParallel::new(TwoLayerNet::<1000, 100, 10>::new(), group).unwrap();
    let per = N / world;
    let (xs, ys) = (
        rows(&x, rank * per..(rank + 1) * per),
        rows(&y, rank * per..(rank + 1) * per),
    );
    let loss_fn = MSELoss::new(Reduction::Mean);
    let (mut opt_ref, mut opt) = (optimizer(which), optimizer(which));
    for _ in 0..20 {
        let loss = loss_fn.forward(&reference.forward(&x), &y);
        reference.zero_grad();
        loss.backward();
        step(&mut opt_ref, &mut reference);

        let loss = loss_fn.forward(&ddp.forward(&xs), &ys);
        ddp.zero_grad();
        if sync {
            ddp.backward(&loss);
        } else {
            loss.backward();
        }
        step(&mut opt, &mut ddp);
    }
    let mine = flat(&ddp);
    (rel_diff(&mine, &flat(&reference)), mine)
}

/// The digits classifier (64 → 32 → 10, cross-entropy, Adam) for one epoch of batches of 16
/// per rank from a shuffled DistributedSampler, against one process whose every batch is
/// the ranks' batches of that step, concatenated.
fn digits_case(group: &ProcessGroup) -> (f32, Vec<f32>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/digits");
    let x = Tensor::<Rank2<DYN, 64>>::read_npy(dir.join("train_x.npy"), &Cpu).unwrap() / 16.0;
    let y = Tensor::<Rank1<DYN>, i64>::read_npy(dir.join("train_y.npy"), &Cpu).unwrap();
    let data = TensorDataset::new((x, y)).unwrap();
    let world = group.world_size();
    type Net = Sequential<(Linear<64, 32>, ReLU, Linear<32, 10>)>;
    manual_seed(50);
    let mut reference: Net = Sequential::new((Linear::new(), ReLU, Linear::new()));
    manual_seed(50 + group.rank() as u64);
    let replica: Net = Sequential::new((Linear::new(), ReLU, Linear::new()));
    let mut ddp = DistributedDataParallel::new(replica, group).unwrap();
    let (mut opt_ref, mut opt) = (Adam::new(1e-2), Adam::new(1e-2));
    let sampler = DistributedSampler::new(group).seed(11);
    let loader = DataLoader::<16, _>::new(&data).sampler(sampler);
    let shards: Vec<Vec<usize>> = (0..world)
        .map(|r| {
            let s = DistributedSampler::with_replicas(world, r)
                .unwrap()
                .seed(11);
            s.indices(0, data.len())
        })
        .collect();
    let mut steps = 0;
    for (k, (xb, yb)) in loader.epoch(0).enumerate() {
        let loss = cross_entropy(&ddp.forward(&xb), &yb);
        ddp.zero_grad();
        ddp.backward(&loss);
        opt.step(&mut ddp);

        let global: Vec<usize> = shards
            .iter()
            .flat_map(|s| s.iter().skip(k * 16).take(16).copied())
            .collect();
        let (gx, gy) = data.tensors().try_gather::<DYN>(&global).unwrap();
        let loss = cross_entropy(&reference.forward(&gx), &gy);
        reference.zero_grad();
        loss.backward();
        opt_ref.step(&mut reference);
        steps += 1;
    }
    assert_eq!(
        steps,
        DistributedSampler::new(group)
            .num_samples(data.len())
            .div_ceil(16)
    );
    let mine = flat(&ddp);
    (rel_diff(&mine, &flat(&reference)), mine)
}

fn report(group: &ProcessGroup, case: &str, diff: f32, tol: f32, mine: &[f32]) {
    let (rank, world) = (group.rank(), group.world_size());
    assert!(
        diff <= tol,
        "rank {rank}/{world} {case}: parameters differ from one process's by {diff:e} (> {tol:e})"
    );
    assert!(
        replicas_agree(group, mine),
        "rank {rank}/{world} {case}: replicas differ"
    );
    println!(
        "rank {rank}/{world} {case}: ok (largest difference {diff:.2e} of the largest weight)"
    );
}

fn equivalence(group: &ProcessGroup) {
    // Tolerances: float32 sums in another order (a batch split over ranks, then an
    // all-reduce), compounded over the steps. SGD stays within ~2e-7; Adam divides by
    // sqrt(v) + eps, which magnifies the rounding of gradients near zero (~6e-5 measured
    // with 4 ranks). The controls (no averaging) are orders of magnitude past both.
    let (sgd, adam) = (1e-5, 2e-4);
    let (d, mine) = lesson_case(group, Opt::Sgd, true);
    report(group, "lesson SGD", d, sgd, &mine);
    let (control, _) = lesson_case(group, Opt::Sgd, false);
    assert!(
        control > 100.0 * sgd,
        "the SGD control is too close: {control:e}"
    );
    let (d, mine) = lesson_case(group, Opt::Adam, true);
    report(group, "lesson Adam", d, adam, &mine);
    let (control, _) = lesson_case(group, Opt::Adam, false);
    assert!(
        control > 100.0 * adam,
        "the Adam control is too close: {control:e}"
    );
    let (d, mine) = digits_case(group);
    report(group, "digits Adam", d, adam, &mine);
    // Buffers (BatchNorm's running statistics) come from rank 0 too.
    let mut bn: Sequential<(Linear<4, 3>, BatchNorm1d<3>)> =
        Sequential::new((Linear::new(), BatchNorm1d::new()));
    let mean = Tensor::<Rank1<DYN>>::from_vec_dims(vec![rank_f32(group); 3], &[3]).unwrap();
    assert!(
        bn.set_buffer("1.running_mean", BufferValue::Float(mean))
            .unwrap()
    );
    assert!(
        bn.set_buffer(
            "1.num_batches_tracked",
            BufferValue::Count(group.rank() as i64)
        )
        .unwrap()
    );
    let ddp = DistributedDataParallel::new(bn, group).unwrap();
    for b in ddp.buffers() {
        match (b.name.as_str(), b.value) {
            ("1.running_mean", BufferValue::Float(t)) => assert_eq!(t.to_vec(), [0.0; 3]),
            ("1.num_batches_tracked", BufferValue::Count(n)) => assert_eq!(n, 0),
            _ => {}
        }
    }
    println!("rank {}/{} buffers: ok", group.rank(), group.world_size());
    // The checkpoint: rank 0 writes it, every rank reads back its own weights.
    let path = checkpoint_path(group);
    manual_seed(1);
    let ddp = DistributedDataParallel::new(TwoLayerNet::<1000, 100, 10>::new(), group).unwrap();
    ddp.save(&path).unwrap();
    group.barrier();
    let mut back = TwoLayerNet::<1000, 100, 10>::new();
    typetensor::nn::load(&mut back, &path).unwrap();
    assert_eq!(flat(&back), flat(&ddp));
    group.barrier();
    if group.is_main() {
        std::fs::remove_file(&path).unwrap();
    }
}

fn rank_f32(group: &ProcessGroup) -> f32 {
    group.rank() as f32
}

/// One path for the job (rank 0's process id, broadcast).
fn checkpoint_path(group: &ProcessGroup) -> PathBuf {
    let id = Tensor::<Rank1<1>, i64>::from_vec(vec![i64::from(std::process::id())]).unwrap();
    let id = group.broadcast(&id, 0).to_vec()[0];
    std::env::temp_dir().join(format!("typetensor_ddp_{id}.safetensors"))
}

fn mismatch(group: &ProcessGroup) {
    let (rank, world) = (group.rank(), group.world_size());
    let expect_err = |what: &str, e: Option<typetensor::Error>| {
        let e = e.unwrap_or_else(|| panic!("rank {rank}: {what} was accepted"));
        println!("rank {rank}: {what}: {e}");
    };
    // Another hidden size on the last rank: other shapes.
    let e = if rank == world - 1 {
        DistributedDataParallel::new(TwoLayerNet::<1000, 50, 10>::new(), group).err()
    } else {
        DistributedDataParallel::new(TwoLayerNet::<1000, 100, 10>::new(), group).err()
    };
    expect_err("another hidden size", e);
    // Another parameter count (no bias), same type.
    let e = if rank == 1 {
        DistributedDataParallel::new(Linear::<4, 3>::no_bias(), group).err()
    } else {
        DistributedDataParallel::new(Linear::<4, 3>::new(), group).err()
    };
    expect_err("another parameter count", e);
    // Another model type with the same parameters.
    type A = Sequential<(Linear<4, 3>, ReLU)>;
    type B = Sequential<(Linear<4, 3>, typetensor::nn::Tanh)>;
    let e = if rank == 0 {
        DistributedDataParallel::new(A::new((Linear::new(), ReLU)), group).err()
    } else {
        let b: B = Sequential::new((Linear::new(), typetensor::nn::Tanh));
        DistributedDataParallel::new(b, group).err()
    };
    expect_err("another model type", e);
    // Another bucket size.
    let e =
        DistributedDataParallel::with_bucket_cap(Linear::<4, 3>::new(), group, 1000 + rank).err();
    expect_err("another bucket size", e);
    // A collective on run-time shapes that differ.
    let t = Tensor::<Rank1<DYN>>::zeros_dims(&[rank + 1]).unwrap();
    expect_err(
        "all_reduce of other shapes",
        group.try_all_reduce(&t, ReduceOp::Sum).err(),
    );
    // A checkpoint rank 0 cannot write: an Err on every rank.
    let e = typetensor::distributed::save_on_rank0(
        group,
        &Linear::<4, 3>::new(),
        "/nonexistent-dir/model.safetensors",
    )
    .err();
    expect_err("a failed rank-0 save", e);
    // MPI initialises once per process.
    expect_err(
        "a second ProcessGroup::from_env",
        ProcessGroup::from_env().err(),
    );
    // The group is still in step: the same model now passes.
    manual_seed(rank as u64);
    let ok = DistributedDataParallel::new(Linear::<4, 3>::new(), group).unwrap();
    assert!(replicas_agree(group, &ok.module().weight.to_vec()));
    println!("rank {rank}/{world} mismatch: ok");
}

fn die(group: &ProcessGroup) {
    let rank = group.rank();
    let mut ddp = DistributedDataParallel::new(Linear::<4, 3>::new(), group).unwrap();
    let x = Tensor::<Rank2<2, 4>>::randn();
    let loss = ddp.forward(&x).sum();
    if rank == 1 {
        println!("rank 1 exits");
        std::process::exit(3);
    }
    // Waits in the all-reduce for a rank that is gone, until mpirun ends the job.
    ddp.backward(&loss);
    group.barrier();
    println!("rank {rank} finished although rank 1 died");
}
