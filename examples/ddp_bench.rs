//! All-reduce cost per training step, through typetensor's API and through the raw `mpi`
//! crate on the same buffer in the same run (the floor). For each size:
//!
//! - `raw mpi`: rsmpi's `all_reduce_into` of a `Vec<f32>` (send and receive buffers);
//! - `DDP sync`: `DistributedDataParallel::sync_gradients` on a model whose gradients
//!   total that many floats (flatten into buckets, all-reduce, divide, set the gradients);
//! - `group.all_reduce`: `ProcessGroup::all_reduce` of one tensor of that many floats
//!   (with its cross-rank shape check; the result is a new tensor, so its buffer is new);
//! - `raw mpi into a fresh buffer`: the raw all-reduce into a newly allocated receive
//!   buffer, the floor for an all-reduce that returns a new tensor.
//!
//! Each number is the median over the iterations of the slowest rank's time, every
//! iteration starting at a barrier.
//!
//! Run: `cargo build --release --features distributed --example ddp_bench` then
//! `mpirun -np 2 target/release/examples/ddp_bench` (`--allow-run-as-root` as root).
use std::time::Instant;

use mpi::collective::SystemOperation;
use mpi::topology::SimpleCommunicator;
use mpi::traits::CommunicatorCollectives;
use typetensor::distributed::{DistributedDataParallel, ProcessGroup, ReduceOp};
use typetensor::nn::{Linear, Module, Parameters};
use typetensor::prelude::*;

/// The lesson's `TwoLayerNet` without biases: 1000·100 + 100·10 = 101,000 floats.
type Lesson = (Tensor<Rank2<100, 1000>>, Tensor<Rank2<10, 100>>);
/// Ten 1000×1000 layers without biases: 10,000,000 floats (two 25 MiB buckets).
#[derive(Module)]
struct TenMillion {
    l0: Linear<1000, 1000>,
    l1: Linear<1000, 1000>,
    l2: Linear<1000, 1000>,
    l3: Linear<1000, 1000>,
    l4: Linear<1000, 1000>,
    l5: Linear<1000, 1000>,
    l6: Linear<1000, 1000>,
    l7: Linear<1000, 1000>,
    l8: Linear<1000, 1000>,
    l9: Linear<1000, 1000>,
}

fn param<const A: usize, const B: usize>() -> Tensor<Rank2<A, B>> {
    Tensor::randn().requires_grad_()
}

/// The median over `iters` of the slowest rank's seconds for `f`, each after a barrier.
fn time(group: &ProcessGroup, iters: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..3 {
        f();
    }
    let mut times = Vec::with_capacity(iters);
    for _ in 0..iters {
        group.barrier();
        let start = Instant::now();
        f();
        let mine = Tensor::<Rank0, f64>::from_vec(vec![start.elapsed().as_secs_f64()]).unwrap();
        times.push(group.all_reduce(&mine, ReduceOp::Max).item());
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn bench<M: Parameters>(
    group: &ProcessGroup,
    raw: &SimpleCommunicator,
    name: &str,
    model: M,
    iters: usize,
) {
    let n = model.num_parameters();
    // Gradients to average: random, set once (sync replaces them by their average).
    for p in model.parameters() {
        let g = Tensor::<Rank1<DYN>>::randn_dims(&[p.tensor.dims().numel()]).unwrap();
        p.tensor.set_grad_flat(Some(&g)).unwrap();
    }
    let mut ddp = DistributedDataParallel::new(model, group).unwrap();
    let send: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let mut recv = vec![0f32; n];
    let t_raw = time(group, iters, || {
        raw.all_reduce_into(&send[..], &mut recv[..], SystemOperation::sum())
    });
    let t_fresh = time(group, iters, || {
        let mut fresh = vec![0f32; n];
        raw.all_reduce_into(&send[..], &mut fresh[..], SystemOperation::sum());
    });
    let t_ddp = time(group, iters, || ddp.sync_gradients());
    let tensor = Tensor::<Rank1<DYN>>::from_vec_dims(send.clone(), &[n]).unwrap();
    let t_group = time(group, iters, || {
        let _ = group.all_reduce(&tensor, ReduceOp::Sum);
    });
    if group.is_main() {
        println!(
            "{name:>13} ({n} f32, {} bucket(s)): raw mpi {:8.3} ms | DDP sync {:8.3} ms ({:.2}x) | \
             group.all_reduce {:8.3} ms ({:.2}x) | raw mpi into a fresh buffer {:8.3} ms",
            ddp.num_buckets(),
            1e3 * t_raw,
            1e3 * t_ddp,
            t_ddp / t_raw,
            1e3 * t_group,
            t_group / t_raw,
            1e3 * t_fresh
        );
    }
}

fn main() {
    let group = ProcessGroup::from_env().unwrap();
    let raw = SimpleCommunicator::world();
    if group.is_main() {
        println!(
            "all-reduce per step, {} processes (median of the slowest rank)",
            group.world_size()
        );
    }
    let lesson: Lesson = (param(), param());
    bench(&group, &raw, "lesson net", lesson, 200);
    let big = TenMillion {
        l0: Linear::no_bias(),
        l1: Linear::no_bias(),
        l2: Linear::no_bias(),
        l3: Linear::no_bias(),
        l4: Linear::no_bias(),
        l5: Linear::no_bias(),
        l6: Linear::no_bias(),
        l7: Linear::no_bias(),
        l8: Linear::no_bias(),
        l9: Linear::no_bias(),
    };
    bench(&group, &raw, "10M model", big, 20);
}
