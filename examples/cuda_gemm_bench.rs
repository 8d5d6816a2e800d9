//! SGEMM throughput of the CUDA backend's `matmul_f32` kernel: `C = A·B` for square f32
//! matrices of 1024³ and 4096³, in GFLOP/s (2·n³ floating-point operations per product).
//!
//! Run: `cargo run --release --features cuda --example cuda_gemm_bench` (optionally followed
//! by `-- 2048` for other sizes). Without the feature or a GPU it says CUDA is unavailable.
use std::time::Instant;

use typetensor::{Cuda, Rank2, Tensor, manual_seed};

/// Times `reps` products of two `n×n` matrices (`n` a literal) on `cuda` after a warm-up,
/// giving the best GFLOP/s of three rounds. (A macro: `narrow` checks its range at compile
/// time, which needs concrete sizes.)
macro_rules! bench {
    ($cuda:expr, $n:literal, $reps:expr) => {{
        let (cuda, reps): (&Cuda, usize) = ($cuda, $reps);
        manual_seed(0);
        let a = Tensor::<Rank2<$n, $n>>::randn().to_device(cuda);
        let b = Tensor::<Rank2<$n, $n>>::randn().to_device(cuda);
        // Waits for every queued kernel: downloading one element is a synchronous copy,
        // which runs after the work queued before it.
        let sync = |c: &Tensor<Rank2<$n, $n>, f32, Cuda>| {
            c.narrow::<0, 0, 1>().narrow::<1, 0, 1>().to_vec()
        };
        // Warm-up: loads (JIT-compiles) the module and allocates.
        sync(&a.mm(&b));
        let mut best = 0.0f64;
        for _ in 0..3 {
            let start = Instant::now();
            // Keep the results until the end, so that no free (which synchronizes) breaks
            // the stream of products.
            let outs: Vec<_> = (0..reps).map(|_| a.mm(&b)).collect();
            sync(&outs[reps - 1]);
            let secs = start.elapsed().as_secs_f64();
            drop(outs);
            best = best.max(2.0 * ($n as f64).powi(3) * reps as f64 / secs / 1e9);
        }
        best
    }};
}

fn main() {
    let cuda = match Cuda::new() {
        Ok(cuda) => cuda,
        Err(e) => {
            println!("CUDA is not available: {e}");
            return;
        }
    };
    println!("SGEMM (typetensor matmul_f32, 64x64 tiles), best of 3 rounds:");
    let only: Option<usize> = std::env::args().nth(1).and_then(|s| s.parse().ok());
    let want = |n: usize| only.is_none_or(|o| o == n);
    if want(1024) {
        println!("  1024^3: {:8.1} GFLOP/s", bench!(&cuda, 1024, 20));
    }
    if want(2048) && only.is_some() {
        println!("  2048^3: {:8.1} GFLOP/s", bench!(&cuda, 2048, 10));
    }
    if want(4096) {
        println!("  4096^3: {:8.1} GFLOP/s", bench!(&cuda, 4096, 5));
    }
}
