//! Benchmarks, printed as one table: the lesson's training stages per iteration against a
//! floor (the same network as raw `matrixmultiply::sgemm` calls and simple loops), GEMM
//! GFLOP/s through the library next to raw matrixmultiply, the blitz's LeNet training step
//! and conv2d GFLOP/s against a raw im2col + sgemm floor (`support/conv_bench.rs`),
//! elementwise and reduction GB/s, allocations per training iteration and the lesson's peak
//! RSS.
//!
//! Run: `cargo run --release --example bench` (1 thread), and
//! `cargo run --release --features threads --example bench` (both cores).
//! `-- --quick` runs fewer repetitions (for a smoke test; the numbers are noisier).
//! `-- --classification` runs only the `log_softmax`/`cross_entropy` section (compare with
//! `python3 scripts/bench_classification_torch.py` on the same machine); `-- --conv` only the
//! convolution rows (compare with `python3 scripts/conv_bench_torch.py`).
//! `-- --profile I [--large]` runs only training loop I (in the table's order) for a while,
//! for a profiler: `perf record target/release/examples/bench --profile 3`.
//! The lesson's peak RSS is printed when `target/release/examples/lesson` has been built
//! (`cargo build --release --example lesson`); it is `/usr/bin/time -v` of that binary.
//!
//! The training stages are the examples' own generic `train` functions (included below with
//! `#[path]`), so what is measured is the lesson's code, at the lesson's sizes and at a
//! larger size. Timings are medians: each run records a timestamp per iteration (from the
//! `report` callback every `train` calls once per iteration), and the table shows the median
//! of the per-iteration times of all runs, warm-up iterations left out. Runs of the floor
//! and of every stage are interleaved, so a slower or faster phase of the machine affects
//! them alike.
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use typetensor::data::{DataLoader, Sampler, TensorDataset};
use typetensor::nn::functional as F;
use typetensor::nn::{Linear, ReLU, Sequential};
use typetensor::optim::{Adam, SGD};
use typetensor::prelude::*;

#[allow(dead_code)]
#[path = "10_optim.rs"]
mod stage10;
#[allow(dead_code)]
#[path = "11_custom_module.rs"]
mod stage11;
#[allow(dead_code)]
#[path = "06_tensor_two_layer.rs"]
mod stage6;
#[allow(dead_code)]
#[path = "08_autograd_two_layer.rs"]
mod stage8;
#[allow(dead_code)]
#[path = "09_nn_sequential.rs"]
mod stage9;

#[allow(dead_code)]
#[path = "12_minibatch.rs"]
mod stage12;

#[allow(dead_code)]
#[path = "14_lenet.rs"]
mod lenet;

#[path = "support/conv_bench.rs"]
mod conv_bench;

// ---------------------------------------------------------------------------------------
// A counting allocator: allocations and live bytes, counted only while `COUNTING` is on,
// so the timed runs pay one relaxed load per allocation and nothing else.

struct Counting;
static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static ALLOC_BYTES: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);

fn counted(size: usize) {
    if COUNTING.load(Relaxed) {
        ALLOCS.fetch_add(1, Relaxed);
        ALLOC_BYTES.fetch_add(size, Relaxed);
    }
    LIVE.fetch_add(size, Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        counted(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        counted(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Relaxed);
        counted(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

// ---------------------------------------------------------------------------------------
// Timing helpers.

/// How much to run: `--quick` for a smoke test.
#[derive(Clone, Copy)]
struct Plan {
    /// Interleaved runs of every training loop at the lesson size and at the large size
    /// (short runs, many of them: a burst of other work on the machine then hits every loop
    /// about equally).
    runs: usize,
    runs_large: usize,
    /// Iterations per run at the lesson size and at the large size.
    iters_small: usize,
    iters_large: usize,
    /// Leading iterations of each run left out of the statistics.
    warmup: usize,
    /// Minimum repetitions and time of each GEMM / elementwise measurement.
    reps: usize,
    min_time: Duration,
}

fn median(v: &mut [f64]) -> f64 {
    assert!(!v.is_empty());
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Per-iteration timestamps (and allocation counters) taken by a training loop's `report`.
struct Recorder {
    stamps: Vec<Instant>,
    allocs: Vec<usize>,
    bytes: Vec<usize>,
    live: Vec<usize>,
    last_loss: f32,
}

impl Recorder {
    fn new(iters: usize) -> Self {
        Recorder {
            stamps: Vec::with_capacity(iters + 1),
            allocs: Vec::with_capacity(iters + 1),
            bytes: Vec::with_capacity(iters + 1),
            live: Vec::with_capacity(iters + 1),
            last_loss: 0.0,
        }
    }
    /// Called once per iteration (the lesson's `report(it, loss)`); allocates nothing.
    fn tick(&mut self, loss: f32) {
        self.stamps.push(Instant::now());
        self.allocs.push(ALLOCS.load(Relaxed));
        self.bytes.push(ALLOC_BYTES.load(Relaxed));
        self.live.push(LIVE.load(Relaxed));
        self.last_loss = loss;
    }
    /// Seconds per iteration after `warmup` iterations.
    fn deltas(&self, warmup: usize) -> Vec<f64> {
        self.stamps
            .windows(2)
            .skip(warmup)
            .map(|w| (w[1] - w[0]).as_secs_f64())
            .collect()
    }
}

/// One training loop under measurement: runs `iters` iterations, calling `tick` each.
type Loop<'a> = Box<dyn FnMut(usize, &mut Recorder) + 'a>;

struct Row {
    name: String,
    floor: Option<usize>,
    times: Vec<f64>,
    allocs_per_iter: f64,
    bytes_per_iter: f64,
    live_growth: isize,
    final_loss: f32,
}

/// Runs every loop `plan.runs` times, interleaved, then once more counting allocations.
fn measure_loops(
    loops: &mut [(String, Option<usize>, Loop<'_>)],
    iters: usize,
    plan: &Plan,
) -> Vec<Row> {
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); loops.len()];
    let mut losses = vec![0.0f32; loops.len()];
    for _ in 0..plan.runs {
        for (i, (_, _, f)) in loops.iter_mut().enumerate() {
            let mut rec = Recorder::new(iters);
            f(iters, &mut rec);
            times[i].extend(rec.deltas(plan.warmup));
            losses[i] = rec.last_loss;
        }
    }
    let mut rows = Vec::new();
    for (i, (name, floor, f)) in loops.iter_mut().enumerate() {
        // Allocations: a counted run; per-iteration counts in steady state (median), and the
        // change of live heap bytes between the end of warm-up and the last iteration.
        let count_iters = iters.max(plan.warmup + 4);
        let mut rec = Recorder::new(count_iters);
        COUNTING.store(true, Relaxed);
        f(count_iters, &mut rec);
        COUNTING.store(false, Relaxed);
        let w = plan.warmup.min(count_iters - 2);
        let mut a: Vec<f64> = rec
            .allocs
            .windows(2)
            .skip(w)
            .map(|p| (p[1] - p[0]) as f64)
            .collect();
        let mut b: Vec<f64> = rec
            .bytes
            .windows(2)
            .skip(w)
            .map(|p| (p[1] - p[0]) as f64)
            .collect();
        let live_growth = *rec.live.last().unwrap() as isize - rec.live[w] as isize;
        rows.push(Row {
            name: name.clone(),
            floor: *floor,
            times: std::mem::take(&mut times[i]),
            allocs_per_iter: median(&mut a),
            bytes_per_iter: median(&mut b),
            live_growth,
            final_loss: losses[i],
        });
    }
    rows
}

/// Median seconds of `a` and of `b`, called alternately (so that a slower phase of the
/// machine affects both alike), over at least `plan.reps` calls each and `plan.min_time`.
fn time_pair(plan: &Plan, mut a: impl FnMut(), mut b: impl FnMut()) -> (f64, f64) {
    a(); // warm-up
    b();
    let (mut ta, mut tb) = (Vec::new(), Vec::new());
    let start = Instant::now();
    while ta.len() < plan.reps || start.elapsed() < plan.min_time {
        let s = Instant::now();
        a();
        ta.push(s.elapsed().as_secs_f64());
        let s = Instant::now();
        b();
        tb.push(s.elapsed().as_secs_f64());
        if ta.len() >= 20_000 {
            break;
        }
    }
    (median(&mut ta), median(&mut tb))
}

// ---------------------------------------------------------------------------------------
// The floor: the lesson's network as raw sgemm calls and simple loops, all buffers made once.

/// `C = A · B` (beta = 0) for row-major `c` (m×n); `a`/`b` given by row and column strides.
#[allow(clippy::too_many_arguments)]
fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    rsa: usize,
    csa: usize,
    b: &[f32],
    rsb: usize,
    csb: usize,
    c: &mut [f32],
) {
    assert!(a.len() > (m - 1) * rsa + (k - 1) * csa);
    assert!(b.len() > (k - 1) * rsb + (n - 1) * csb);
    assert!(c.len() >= m * n);
    // SAFETY: the asserts bound every element read; `c` is a distinct m×n row-major buffer.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// The network's buffers. Weights are `[in, out]` (stage 6's `w1`), or with `torch_layout`
/// `[out, in]` (`nn.Linear`'s, stages 9–11), which only changes gemm strides.
struct Floor {
    n: usize,
    d_in: usize,
    h: usize,
    d_out: usize,
    torch_layout: bool,
    x: Vec<f32>,
    y: Vec<f32>,
    w1: Vec<f32>,
    w2: Vec<f32>,
    hb: Vec<f32>,
    h_relu: Vec<f32>,
    y_pred: Vec<f32>,
    grad_y: Vec<f32>,
    grad_h: Vec<f32>,
    grad_w1: Vec<f32>,
    grad_w2: Vec<f32>,
    /// Adam's moments for w1 and w2, and the step count.
    adam: Option<[Vec<f32>; 4]>,
    step: u64,
    /// Adam's learning rate.
    adam_lr: f64,
    /// `MSELoss(reduction='mean')` rather than the lesson's sum.
    mean: bool,
}

impl Floor {
    #[allow(clippy::too_many_arguments)]
    fn new(
        n: usize,
        d_in: usize,
        h: usize,
        d_out: usize,
        x: Vec<f32>,
        y: Vec<f32>,
        w1: Vec<f32>,
        w2: Vec<f32>,
        torch_layout: bool,
        adam: bool,
    ) -> Self {
        Floor {
            n,
            d_in,
            h,
            d_out,
            torch_layout,
            x,
            y,
            hb: vec![0.0; n * h],
            h_relu: vec![0.0; n * h],
            y_pred: vec![0.0; n * d_out],
            grad_y: vec![0.0; n * d_out],
            grad_h: vec![0.0; n * h],
            grad_w1: vec![0.0; w1.len()],
            grad_w2: vec![0.0; w2.len()],
            adam: adam.then(|| {
                [
                    vec![0.0; w1.len()],
                    vec![0.0; w1.len()],
                    vec![0.0; w2.len()],
                    vec![0.0; w2.len()],
                ]
            }),
            w1,
            w2,
            step: 0,
            adam_lr: 1e-4,
            mean: false,
        }
    }

    /// One epoch of 12_minibatch: batches of up to `b` rows of `x_all`/`y_all` in `order`,
    /// each gathered into the (batch-sized) input buffers, then one training step.
    fn epoch(
        &mut self,
        x_all: &[f32],
        y_all: &[f32],
        order: &[usize],
        b: usize,
        rec: &mut Recorder,
    ) {
        let (d_in, d_out) = (self.d_in, self.d_out);
        for rows in order.chunks(b) {
            self.n = rows.len();
            for (i, &r) in rows.iter().enumerate() {
                self.x[i * d_in..(i + 1) * d_in].copy_from_slice(&x_all[r * d_in..(r + 1) * d_in]);
                self.y[i * d_out..(i + 1) * d_out]
                    .copy_from_slice(&y_all[r * d_out..(r + 1) * d_out]);
            }
            self.train(1, rec);
        }
    }

    /// The training loop, its simple loops compiled for AVX2 and FMA where the CPU has them
    /// (as the library's optimizer kernels are), so the floor is the best plain code.
    fn train(&mut self, iters: usize, rec: &mut Recorder) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has the features `train_avx2` is compiled for (checked above).
            unsafe { self.train_avx2(iters, rec) };
            return;
        }
        self.train_plain(iters, rec);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn train_avx2(&mut self, iters: usize, rec: &mut Recorder) {
        self.train_plain(iters, rec);
    }

    #[inline(always)]
    fn train_plain(&mut self, iters: usize, rec: &mut Recorder) {
        let (n, d_in, h, d_out) = (self.n, self.d_in, self.h, self.d_out);
        // (row stride, column stride) of w1 as [d_in, h] and of w2 as [h, d_out].
        let (w1s, w2s) = if self.torch_layout {
            ((1, d_in), (1, h))
        } else {
            ((h, 1), (d_out, 1))
        };
        for _ in 0..iters {
            // h = x w1; h_relu = max(h, 0); y_pred = h_relu w2
            sgemm(
                n,
                d_in,
                h,
                &self.x,
                d_in,
                1,
                &self.w1,
                w1s.0,
                w1s.1,
                &mut self.hb,
            );
            for (r, &v) in self.h_relu[..n * h].iter_mut().zip(&self.hb[..n * h]) {
                *r = v.max(0.0);
            }
            sgemm(
                n,
                h,
                d_out,
                &self.h_relu,
                h,
                1,
                &self.w2,
                w2s.0,
                w2s.1,
                &mut self.y_pred,
            );
            // loss = sum((y_pred - y)^2); grad_y_pred = 2 (y_pred - y) (both / count for
            // the mean)
            let m = n * d_out;
            let scale = if self.mean { 1.0 / m as f32 } else { 1.0 };
            let mut loss = 0.0f32;
            for ((g, &p), &t) in self.grad_y[..m]
                .iter_mut()
                .zip(&self.y_pred[..m])
                .zip(&self.y[..m])
            {
                let d = p - t;
                loss += d * d;
                *g = 2.0 * d * scale;
            }
            rec.tick(loss * scale);
            // grad_w2 = h_relu^T grad_y_pred (or its transpose, [d_out, h])
            if self.torch_layout {
                sgemm(
                    d_out,
                    n,
                    h,
                    &self.grad_y,
                    1,
                    d_out,
                    &self.h_relu,
                    h,
                    1,
                    &mut self.grad_w2,
                );
            } else {
                sgemm(
                    h,
                    n,
                    d_out,
                    &self.h_relu,
                    1,
                    h,
                    &self.grad_y,
                    d_out,
                    1,
                    &mut self.grad_w2,
                );
            }
            // grad_h = grad_y_pred w2^T, zeroed where h < 0
            sgemm(
                n,
                d_out,
                h,
                &self.grad_y,
                d_out,
                1,
                &self.w2,
                w2s.1,
                w2s.0,
                &mut self.grad_h,
            );
            for (g, &v) in self.grad_h[..n * h].iter_mut().zip(&self.hb[..n * h]) {
                if v < 0.0 {
                    *g = 0.0;
                }
            }
            // grad_w1 = x^T grad_h (or its transpose, [h, d_in])
            if self.torch_layout {
                sgemm(
                    h,
                    n,
                    d_in,
                    &self.grad_h,
                    1,
                    h,
                    &self.x,
                    d_in,
                    1,
                    &mut self.grad_w1,
                );
            } else {
                sgemm(
                    d_in,
                    n,
                    h,
                    &self.x,
                    1,
                    d_in,
                    &self.grad_h,
                    h,
                    1,
                    &mut self.grad_w1,
                );
            }
            match &mut self.adam {
                None => {
                    let lr = 1e-6f32;
                    for (w, &g) in self.w1.iter_mut().zip(&self.grad_w1) {
                        *w -= lr * g;
                    }
                    for (w, &g) in self.w2.iter_mut().zip(&self.grad_w2) {
                        *w -= lr * g;
                    }
                }
                Some([m1, v1, m2, v2]) => {
                    self.step += 1;
                    let (lr, b1, b2, eps) = (self.adam_lr, 0.9f64, 0.999f64, 1e-8f32);
                    let t = self.step as i32;
                    let step_size = (lr / (1.0 - b1.powi(t))) as f32;
                    let bc2_sqrt = (1.0 - b2.powi(t)).sqrt() as f32;
                    let (b1, b2) = (b1 as f32, b2 as f32);
                    for (p, g, m, v) in [
                        (&mut self.w1, &self.grad_w1, m1, v1),
                        (&mut self.w2, &self.grad_w2, m2, v2),
                    ] {
                        for (((p, &g), m), v) in p
                            .iter_mut()
                            .zip(g.iter())
                            .zip(m.iter_mut())
                            .zip(v.iter_mut())
                        {
                            *m = b1 * *m + (1.0 - b1) * g;
                            *v = b2 * *v + (1.0 - b2) * g * g;
                            *p -= step_size * *m / (v.sqrt() / bc2_sqrt + eps);
                        }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The training stages at one size.

/// Uniform in [-bound, bound): PyTorch's `nn.Linear` initialisation when `bound = 1/√fan_in`.
fn uniform<S: typetensor::ConstShape>(bound: f32) -> Tensor<S> {
    Tensor::<S>::rand()
        .mul_scalar(2.0 * bound)
        .sub_scalar(bound)
}

/// Every stage and both floors at sizes `N, D_IN, H, D_OUT`. With `lesson_init` the weights
/// are the lesson's `randn` (its loss curve); otherwise `nn.Linear`'s default uniform
/// initialisation, which keeps SGD with the lesson's learning rate stable at larger sizes.
fn training<const N: usize, const D_IN: usize, const H: usize, const D_OUT: usize>(
    iters: usize,
    plan: &Plan,
    lesson_init: bool,
) -> Vec<Row> {
    manual_seed(1);
    let x = Tensor::<Rank2<N, D_IN>>::randn();
    let y = Tensor::<Rank2<N, D_OUT>>::randn();
    let (w1, w2): (Tensor<Rank2<D_IN, H>>, Tensor<Rank2<H, D_OUT>>) = if lesson_init {
        (Tensor::randn(), Tensor::randn())
    } else {
        (
            uniform(1.0 / (D_IN as f32).sqrt()),
            uniform(1.0 / (H as f32).sqrt()),
        )
    };
    // nn.Linear's [out, in] weights, contiguous.
    let (w1_t, w2_t) = (w1.t().contiguous(), w2.t().contiguous());
    // The same data with a run-time batch dimension.
    let (dx, dy) = (x.to_dyn::<0>(), y.to_dyn::<0>());

    let floor = |torch_layout: bool, adam: bool| {
        let (a, b) = if torch_layout {
            (w1_t.to_vec(), w2_t.to_vec())
        } else {
            (w1.to_vec(), w2.to_vec())
        };
        let (xv, yv) = (x.to_vec(), y.to_vec());
        Box::new(move |iters, rec: &mut Recorder| {
            Floor::new(
                N,
                D_IN,
                H,
                D_OUT,
                xv.clone(),
                yv.clone(),
                a.clone(),
                b.clone(),
                torch_layout,
                adam,
            )
            .train(iters, rec)
        }) as Loop<'_>
    };
    let model = || {
        Sequential::new((
            Linear::from_weights(w1_t.clone(), None),
            ReLU,
            Linear::from_weights(w2_t.clone(), None),
        ))
    };
    let mut loops: Vec<(String, Option<usize>, Loop<'_>)> = vec![
        (
            "floor: manual SGD, w [in,out]".into(),
            None,
            floor(false, false),
        ),
        (
            "floor: manual SGD, w [out,in]".into(),
            None,
            floor(true, false),
        ),
        ("floor: Adam, w [out,in]".into(), None, floor(true, true)),
        (
            "6  tensors, manual backward".into(),
            Some(0),
            Box::new(|iters, rec: &mut Recorder| {
                black_box(stage6::train(
                    &x,
                    &y,
                    w1.clone(),
                    w2.clone(),
                    iters,
                    |_, l| rec.tick(l),
                ));
            }),
        ),
        (
            "8  autograd".into(),
            Some(0),
            Box::new(|iters, rec: &mut Recorder| {
                let (a, b) = (w1.detach().requires_grad_(), w2.detach().requires_grad_());
                black_box(stage8::train(&x, &y, a, b, iters, |_, l| rec.tick(l)));
            }),
        ),
        (
            "9  nn.Sequential + MSELoss".into(),
            Some(1),
            Box::new(|iters, rec: &mut Recorder| {
                let mut m = model();
                stage9::train(&mut m, &x, &y, iters, |_, l| rec.tick(l));
                black_box(m);
            }),
        ),
        (
            "10 optim.SGD".into(),
            Some(1),
            Box::new(|iters, rec: &mut Recorder| {
                let mut m = model();
                stage10::train(&mut m, &mut SGD::new(1e-6), &x, &y, iters, |_, l| {
                    rec.tick(l)
                });
                black_box(m);
            }),
        ),
        (
            "10 optim.Adam".into(),
            Some(2),
            Box::new(|iters, rec: &mut Recorder| {
                let mut m = model();
                stage10::train(&mut m, &mut Adam::new(1e-4), &x, &y, iters, |_, l| {
                    rec.tick(l)
                });
                black_box(m);
            }),
        ),
        (
            "11 custom Module + Adam".into(),
            Some(2),
            Box::new(|iters, rec: &mut Recorder| {
                let mut m = stage11::TwoLayerNet::<D_IN, H, D_OUT> {
                    linear1: Linear::from_weights(w1_t.clone(), None),
                    linear2: Linear::from_weights(w2_t.clone(), None),
                };
                stage11::train(&mut m, &x, &y, iters, |_, l| rec.tick(l));
                black_box(m);
            }),
        ),
        // The same stages with the batch dimension a run-time size (`Rank2<DYN, D_IN>`):
        // their ratio is to the static row they repeat.
        (
            "6  run-time batch (vs 6)".into(),
            Some(3),
            Box::new(|iters, rec: &mut Recorder| {
                black_box(stage6::train(
                    &dx,
                    &dy,
                    w1.clone(),
                    w2.clone(),
                    iters,
                    |_, l| rec.tick(l),
                ));
            }),
        ),
        (
            "8  run-time batch (vs 8)".into(),
            Some(4),
            Box::new(|iters, rec: &mut Recorder| {
                let (a, b) = (w1.detach().requires_grad_(), w2.detach().requires_grad_());
                black_box(stage8::train(&dx, &dy, a, b, iters, |_, l| rec.tick(l)));
            }),
        ),
        (
            "10 Adam, run-time batch (vs 10)".into(),
            Some(7),
            Box::new(|iters, rec: &mut Recorder| {
                let mut m = model();
                stage10::train(&mut m, &mut Adam::new(1e-4), &dx, &dy, iters, |_, l| {
                    rec.tick(l)
                });
                black_box(m);
            }),
        ),
        (
            "11 run-time batch (vs 11)".into(),
            Some(8),
            Box::new(|iters, rec: &mut Recorder| {
                let mut m = stage11::TwoLayerNet::<D_IN, H, D_OUT> {
                    linear1: Linear::from_weights(w1_t.clone(), None),
                    linear2: Linear::from_weights(w2_t.clone(), None),
                };
                stage11::train(&mut m, &dx, &dy, iters, |_, l| rec.tick(l));
                black_box(m);
            }),
        ),
    ];
    if let Some(i) = profile_target() {
        // `--profile I`: only loop I (the table's row order), for `perf record`.
        let (name, _, f) = &mut loops[i];
        let runs = if iters > 50 { 50 } else { 4 };
        println!("profiling `{name}` for {runs} x {iters} iterations");
        for _ in 0..runs {
            f(iters, &mut Recorder::new(iters));
        }
        return Vec::new();
    }
    measure_loops(&mut loops, iters, plan)
}

/// `--profile I [--large]`: run only training loop I (in the table's order) at the lesson
/// size (or the large size), for profilers: `perf record .../bench --profile 3`.
fn profile_target() -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    let i = args.iter().position(|a| a == "--profile")?;
    args.get(i + 1)?.parse().ok()
}

fn print_training(title: &str, rows: &[Row]) {
    println!("\n{title}");
    println!(
        "  {:<32} {:>10} {:>8} {:>8} {:>12} {:>12} {:>12} {:>12}",
        "stage", "µs/iter", "±", "ratio", "allocs/iter", "KiB/iter", "live growth", "final loss"
    );
    let mut medians = Vec::new();
    for r in rows {
        let mut t = r.times.clone();
        let med = median(&mut t) * 1e6;
        // The spread: half the distance between the 25th and 75th percentiles.
        let q = |p: f64| t[((t.len() - 1) as f64 * p).round() as usize] * 1e6;
        let spread = (q(0.75) - q(0.25)) / 2.0;
        medians.push(med);
        let ratio = match r.floor {
            Some(f) => format!("{:.2}x", med / medians[f]),
            None => "floor".into(),
        };
        println!(
            "  {:<32} {:>10.1} {:>8.1} {:>8} {:>12} {:>12.1} {:>12} {:>12.4e}",
            r.name,
            med,
            spread,
            ratio,
            r.allocs_per_iter,
            r.bytes_per_iter / 1024.0,
            r.live_growth,
            r.final_loss
        );
    }
}

// ---------------------------------------------------------------------------------------
// 12_minibatch: an epoch of shuffled mini-batches from the example's data file.

/// Median seconds per epoch of example 12's `train_epoch` (without biases, as the floor)
/// and of the floor over the same shuffled batches, epochs alternating.
fn minibatch_epoch(plan: &Plan) {
    let data = |f: &str| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples/data/minibatch")
            .join(f)
    };
    let x = Tensor::<Rank2<DYN, 16>>::read_npy(data("x.npy"), &Cpu).expect("example data");
    let y = Tensor::<Rank2<DYN, 4>>::read_npy(data("y.npy"), &Cpu).expect("example data");
    let (xv, yv) = (x.to_vec(), y.to_vec());
    let n = x.shape()[0];
    let dataset = TensorDataset::new((x, y)).expect("equal lengths");
    let loader = DataLoader::<64, _>::new(&dataset).shuffle(0);
    manual_seed(12);
    let (w1, w2) = (
        uniform::<Rank2<100, 16>>(0.25),
        uniform::<Rank2<4, 100>>(0.1),
    );
    let mut model = Sequential::new((
        Linear::from_weights(w1.clone(), None),
        ReLU,
        Linear::from_weights(w2.clone(), None),
    ));
    let mut optimizer = Adam::new(1e-2);
    let mut floor = Floor::new(
        64,
        16,
        100,
        4,
        vec![0.0; 64 * 16],
        vec![0.0; 64 * 4],
        w1.to_vec(),
        w2.to_vec(),
        true,
        true,
    );
    floor.adam_lr = 1e-2;
    floor.mean = true;
    let sampler = typetensor::data::RandomSampler { seed: 0 };
    let (mut epoch_lib, mut epoch_floor) = (0u64, 0u64);
    let mut rec = Recorder::new(0);
    let (lib, raw) = time_pair(
        plan,
        || {
            black_box(stage12::train_epoch(
                &mut model,
                &mut optimizer,
                &loader,
                epoch_lib,
            ));
            epoch_lib += 1;
        },
        || {
            let order = sampler.indices(epoch_floor, n);
            rec.stamps.clear();
            floor.epoch(&xv, &yv, &order, 64, &mut rec);
            epoch_floor += 1;
        },
    );
    println!(
        "\n12_minibatch: one epoch ({n} examples, shuffled batches of 64, the last of {}), Adam, MSE mean (median)",
        n % 64
    );
    println!(
        "  library {:.1} µs, floor {:.1} µs, ratio {:.2}x",
        lib * 1e6,
        raw * 1e6,
        lib / raw
    );
}

// ---------------------------------------------------------------------------------------
// GEMM and elementwise throughput.

fn gemm_row<const M: usize, const K: usize, const N: usize>(plan: &Plan) {
    manual_seed(2);
    let a = Tensor::<Rank2<M, K>>::randn();
    let b = Tensor::<Rank2<K, N>>::randn();
    let flop = 2.0 * (M * K * N) as f64;
    let (av, bv) = (a.to_vec(), b.to_vec());
    let mut c = vec![0.0f32; M * N];
    let (lib, raw) = time_pair(
        plan,
        || {
            black_box(a.mm(&b));
        },
        || {
            sgemm(M, K, N, &av, K, 1, &bv, N, 1, &mut c);
            black_box(&mut c);
        },
    );
    let (gl, gr) = (flop / lib / 1e9, flop / raw / 1e9);
    println!(
        "  {:<22} {:>12.1} {:>12.1} {:>9.1}%",
        format!("{M}x{K}x{N}"),
        gl,
        gr,
        100.0 * gl / gr
    );
}

fn elementwise<const L: usize>(plan: &Plan) {
    manual_seed(3);
    let a = Tensor::<Rank1<L>>::randn();
    let b = Tensor::<Rank1<L>>::randn();
    let (av, bv) = (a.to_vec(), b.to_vec());
    let mut out = vec![0.0f32; L];
    let bytes = (L * 4) as f64;
    let gbs = |moved: f64, t: f64| moved * bytes / t / 1e9;
    let row = |name: &str, moved: f64, (lib, raw): (f64, f64)| {
        println!(
            "  {:<24} {:>10} {:>12.1} {:>12.1} {:>9.1}%",
            name,
            L,
            gbs(moved, lib),
            gbs(moved, raw),
            100.0 * raw / lib
        );
    };
    // Out of place, the library allocates its result on every call; the raw loop writes
    // into a buffer made once.
    let t = time_pair(
        plan,
        || {
            black_box(&a + &b);
        },
        || {
            for ((o, &x), &y) in out.iter_mut().zip(&av).zip(&bv) {
                *o = x + y;
            }
            black_box(&mut out);
        },
    );
    row("add   a + b", 3.0, t);
    let mut acc = a.clone();
    acc.add_(&b); // its own storage from now on
    let mut accv = av.clone();
    let t = time_pair(
        plan,
        || {
            acc.add_(&b);
            black_box(&acc);
        },
        || {
            for (o, &y) in accv.iter_mut().zip(&bv) {
                *o += y;
            }
            black_box(&mut accv);
        },
    );
    row("add_  a += b (in place)", 3.0, t);
    let t = time_pair(
        plan,
        || {
            black_box(&a * 1.5f32);
        },
        || {
            for (o, &x) in out.iter_mut().zip(&av) {
                *o = x * 1.5;
            }
            black_box(&mut out);
        },
    );
    row("mul   a * 1.5", 2.0, t);
    let t = time_pair(
        plan,
        || {
            black_box(a.relu());
        },
        || {
            for (o, &x) in out.iter_mut().zip(&av) {
                *o = if x < 0.0 { 0.0 } else { x };
            }
            black_box(&mut out);
        },
    );
    row("relu", 2.0, t);
    let t = time_pair(
        plan,
        || {
            black_box(a.sum().item());
        },
        || {
            // Eight lanes, as any vectorised sum.
            let mut acc = [0.0f32; 8];
            for c in av.chunks_exact(8) {
                for (s, &x) in acc.iter_mut().zip(c) {
                    *s += x;
                }
            }
            black_box(acc.iter().sum::<f32>());
        },
    );
    row("sum", 1.0, t);
}

// ---------------------------------------------------------------------------------------
// Classification: log_softmax and cross_entropy (forward + backward) against raw loops.

/// `log_softmax` along rows of an `[n, c]` matrix into `out`: the textbook stable loop.
fn raw_log_softmax(x: &[f32], c: usize, out: &mut [f32]) {
    for (row, o) in x.chunks_exact(c).zip(out.chunks_exact_mut(c)) {
        let m = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let lse = row.iter().map(|v| (v - m).exp()).sum::<f32>().ln() + m;
        for (o, &v) in o.iter_mut().zip(row) {
            *o = v - lse;
        }
    }
}

fn classification<const N: usize, const C: usize>(plan: &Plan) {
    manual_seed(4);
    let x = Tensor::<Rank2<N, C>>::randn();
    let t = Tensor::<Rank1<N>, i64>::from_fn(|i| (i * 7 % C) as i64);
    let (xv, tv) = (x.to_vec(), t.to_vec());
    let mut out = vec![0.0f32; N * C];
    let row = |name: &str, (lib, raw): (f64, f64)| {
        println!(
            "  {:<36} {:>12} {:>12.1} {:>12.1} {:>9.1}%",
            name,
            format!("{N} x {C}"),
            lib * 1e6,
            raw * 1e6,
            100.0 * raw / lib
        );
    };
    let t_lsm = time_pair(
        plan,
        || {
            black_box(x.log_softmax::<1>());
        },
        || {
            raw_log_softmax(&xv, C, &mut out);
            black_box(&mut out);
        },
    );
    row("log_softmax(dim=1)", t_lsm);
    let leaf = x.clone().requires_grad_();
    let t_ce = time_pair(
        plan,
        || {
            let loss = F::cross_entropy(&leaf, &t);
            loss.backward();
            leaf.zero_grad();
            black_box(loss.item());
        },
        || {
            // Forward: mean of -logp[target]; backward: (softmax - one_hot) / N.
            raw_log_softmax(&xv, C, &mut out);
            let loss = -tv
                .iter()
                .enumerate()
                .map(|(i, &k)| out[i * C + k as usize])
                .sum::<f32>()
                / N as f32;
            for (i, g) in out.chunks_exact_mut(C).enumerate() {
                for v in g.iter_mut() {
                    *v = v.exp() / N as f32;
                }
                g[tv[i] as usize] -= 1.0 / N as f32;
            }
            black_box((loss, &mut out));
        },
    );
    row("cross_entropy, forward + backward", t_ce);
}

// ---------------------------------------------------------------------------------------
// Peak RSS of the lesson example.

fn lesson_peak_rss() -> String {
    let Ok(exe) = std::env::current_exe() else {
        return "n/a".into();
    };
    let lesson = exe.with_file_name("lesson");
    if !lesson.exists() {
        return format!(
            "n/a: build it first (`cargo build --release --example lesson`), or run \
             `/usr/bin/time -v {}`",
            lesson.display()
        );
    }
    let out = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(&lesson)
        .stdout(std::process::Stdio::null())
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stderr);
            match text
                .lines()
                .last()
                .and_then(|l| l.trim().parse::<f64>().ok())
            {
                Some(kib) => format!(
                    "{:.1} MiB (`/usr/bin/time -v {}`)",
                    kib / 1024.0,
                    lesson.display()
                ),
                None => format!("n/a ({text})"),
            }
        }
        _ => "n/a (needs /usr/bin/time)".into(),
    }
}

/// The 1-minute load average, to tell a busy machine from a quiet one.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "n/a".into())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} logical cores")
}

fn classification_section(plan: &Plan) {
    println!(
        "\nClassification, f32 (median): microseconds per call (scripts/bench_classification_torch.py times PyTorch)"
    );
    println!(
        "  {:<36} {:>12} {:>12} {:>12} {:>10}",
        "op", "N x C", "library", "raw loop", "lib/raw"
    );
    classification::<64, 10>(plan);
    classification::<256, 1000>(plan);
    classification::<4096, 1000>(plan);
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let plan = if quick {
        Plan {
            runs: 2,
            runs_large: 2,
            iters_small: 30,
            iters_large: 4,
            warmup: 2,
            reps: 3,
            min_time: Duration::from_millis(50),
        }
    } else {
        Plan {
            runs: 10,
            runs_large: 10,
            iters_small: 100,
            iters_large: 7,
            warmup: 2,
            reps: 7,
            min_time: Duration::from_millis(400),
        }
    };
    let threads = if cfg!(feature = "threads") {
        "feature `threads` on (large products and loops split over the cores; the floor stays on 1 thread)".to_string()
    } else {
        "1 thread (feature `threads` off)".into()
    };
    println!("typetensor benchmarks: {}; {threads}", machine());
    println!("load average before: {}", load_average());
    if quick {
        println!("(--quick: few repetitions, noisy)");
    }

    if std::env::args().any(|a| a == "--classification") {
        classification_section(&plan);
        return;
    }
    if std::env::args().any(|a| a == "--lenet-profile") {
        conv_bench::lenet_profile(std::env::args().any(|a| a == "floor"));
        return;
    }
    if std::env::args().any(|a| a == "--conv") {
        // Only the convolution rows.
        conv_bench::lenet_step(&plan);
        conv_bench::conv_gflops(&plan);
        return;
    }
    if profile_target().is_some() {
        if std::env::args().any(|a| a == "--large") {
            training::<512, 4096, 1024, 256>(plan.iters_large, &plan, false);
        } else {
            training::<64, 1000, 100, 10>(plan.iters_small, &plan, true);
        }
        return;
    }
    let small = training::<64, 1000, 100, 10>(plan.iters_small, &plan, true);
    print_training(
        &format!(
            "Training, lesson size N=64, D_in=1000, H=100, D_out=10 (median of {} runs x {} iterations, {} warm-up each)",
            plan.runs, plan.iters_small, plan.warmup
        ),
        &small,
    );
    let large_plan = Plan {
        runs: plan.runs_large,
        ..plan
    };
    let large = training::<512, 4096, 1024, 256>(plan.iters_large, &large_plan, false);
    print_training(
        &format!(
            "Training, large size N=512, D_in=4096, H=1024, D_out=256 (median of {} runs x {} iterations, {} warm-up each)",
            plan.runs_large, plan.iters_large, plan.warmup
        ),
        &large,
    );
    println!(
        "  ratio: stage / floor with the same weight layout and optimizer (floor rows above);"
    );
    println!("  for the run-time batch rows: to the same stage with a static batch");

    minibatch_epoch(&plan);
    conv_bench::lenet_step(&plan);
    conv_bench::conv_gflops(&plan);

    println!("\nGEMM, f32 (median): GFLOP/s");
    println!(
        "  {:<22} {:>12} {:>12} {:>10}",
        "m x k x n", "library mm", "raw sgemm", "lib/raw"
    );
    gemm_row::<64, 1000, 100>(&plan);
    gemm_row::<256, 256, 256>(&plan);
    gemm_row::<1024, 1024, 1024>(&plan);
    gemm_row::<2048, 2048, 2048>(&plan);

    println!("\nElementwise and reduction, f32 (median): GB/s of operands read and written");
    println!(
        "  {:<24} {:>10} {:>12} {:>12} {:>10}",
        "op", "elements", "library", "raw loop", "lib/raw"
    );
    elementwise::<{ 1 << 16 }>(&plan);
    elementwise::<{ 1 << 20 }>(&plan);
    elementwise::<{ 1 << 24 }>(&plan);

    classification_section(&plan);

    println!("\nPeak RSS of the lesson example: {}", lesson_peak_rss());
    println!(
        "load average after: {} (other work on the machine makes every number noisier)",
        load_average()
    );
}
