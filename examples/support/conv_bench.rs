//! The convolution rows of `examples/bench.rs`: the blitz's LeNet (examples/14_lenet.rs)
//! training step against a floor written with raw `matrixmultiply::sgemm` calls and plain
//! loops (im2col, the same algorithm the library uses, every buffer made once), and conv2d
//! GFLOP/s at LeNet's sizes and at a ResNet-like layer, through the library and through a raw
//! im2col + sgemm of the same layer. `scripts/conv_bench_torch.py` times the same things in
//! PyTorch.
use std::hint::black_box;

use typetensor::nn::Module;
use typetensor::ops::conv::ConvOpts;
use typetensor::prelude::*;

use super::{Plan, lenet, sgemm, time_pair};

/// The step's batch size (the example's).
const B: usize = 32;

/// im2col of a stride-1, unpadded `k × k` window over `x` (`[B, C, H, W]`, dense) into
/// `cols` (`[C·k·k, B·OH·OW]`), as the library's `unfold` lays it out.
fn im2col(x: &[f32], c: usize, h: usize, w: usize, k: usize, cols: &mut [f32]) {
    let (oh, ow) = (h - k + 1, w - k + 1);
    let ncols = B * oh * ow;
    for ch in 0..c {
        for i in 0..k {
            for j in 0..k {
                let row = &mut cols[((ch * k + i) * k + j) * ncols..][..ncols];
                for b in 0..B {
                    for y in 0..oh {
                        let src = &x[((b * c + ch) * h + y + i) * w + j..][..ow];
                        row[(b * oh + y) * ow..][..ow].copy_from_slice(src);
                    }
                }
            }
        }
    }
}

/// col2im, the adjoint of [`im2col`]: `dx` (zeroed here) gets every entry of `cols` added.
fn col2im(cols: &[f32], c: usize, h: usize, w: usize, k: usize, dx: &mut [f32]) {
    let (oh, ow) = (h - k + 1, w - k + 1);
    let ncols = B * oh * ow;
    dx.fill(0.0);
    for ch in 0..c {
        for i in 0..k {
            for j in 0..k {
                let row = &cols[((ch * k + i) * k + j) * ncols..][..ncols];
                for b in 0..B {
                    for y in 0..oh {
                        let dst = &mut dx[((b * c + ch) * h + y + i) * w + j..][..ow];
                        for (d, s) in dst.iter_mut().zip(&row[(b * oh + y) * ow..][..ow]) {
                            *d += s;
                        }
                    }
                }
            }
        }
    }
}

/// One convolution layer of the floor (stride 1, no padding): weights, their gradient and
/// momentum, and the buffers of its forward and backward passes.
struct ConvLayer {
    c: usize,
    oc: usize,
    h: usize,
    k: usize,
    w: Vec<f32>,
    b: Vec<f32>,
    cols: Vec<f32>,
    /// `[OC, B·L]`: the product, then (backward) the output gradient in that layout.
    y: Vec<f32>,
    /// `[B, OC, OH, OW]` after bias and ReLU.
    out: Vec<f32>,
    dw: Vec<f32>,
    db: Vec<f32>,
    dcols: Vec<f32>,
    mw: Vec<f32>,
    mb: Vec<f32>,
}

impl ConvLayer {
    fn new(c: usize, oc: usize, h: usize, k: usize, w: Vec<f32>, b: Vec<f32>) -> Self {
        let oh = h - k + 1;
        let (rows, ncols) = (c * k * k, B * oh * oh);
        ConvLayer {
            c,
            oc,
            h,
            k,
            mw: vec![0.0; w.len()],
            mb: vec![0.0; b.len()],
            dw: vec![0.0; w.len()],
            db: vec![0.0; b.len()],
            w,
            b,
            cols: vec![0.0; rows * ncols],
            y: vec![0.0; oc * ncols],
            out: vec![0.0; B * oc * oh * oh],
            dcols: vec![0.0; rows * ncols],
        }
    }

    fn l(&self) -> usize {
        let oh = self.h - self.k + 1;
        oh * oh
    }

    /// `out = relu(conv(x) + b)`.
    fn forward(&mut self, x: &[f32]) {
        let (rows, l) = (self.c * self.k * self.k, self.l());
        im2col(x, self.c, self.h, self.h, self.k, &mut self.cols);
        sgemm(
            self.oc,
            rows,
            B * l,
            &self.w,
            rows,
            1,
            &self.cols,
            B * l,
            1,
            &mut self.y,
        );
        for b in 0..B {
            for o in 0..self.oc {
                let (src, bias) = (&self.y[(o * B + b) * l..][..l], self.b[o]);
                for (d, &s) in self.out[(b * self.oc + o) * l..][..l].iter_mut().zip(src) {
                    *d = (s + bias).max(0.0);
                }
            }
        }
    }

    /// From the gradient `dout` of `out` (`[B, OC, L]`, overwritten by the ReLU's mask):
    /// `dw`, `db`, and, when `dx` is given, the input's gradient.
    fn backward(&mut self, dout: &[f32], dx: Option<&mut [f32]>) {
        let (rows, l) = (self.c * self.k * self.k, self.l());
        // ReLU's gradient, moved to [OC, B·L].
        for b in 0..B {
            for o in 0..self.oc {
                let src = &dout[(b * self.oc + o) * l..][..l];
                let out = &self.out[(b * self.oc + o) * l..][..l];
                for ((d, &g), &y) in self.y[(o * B + b) * l..][..l].iter_mut().zip(src).zip(out) {
                    *d = if y > 0.0 { g } else { 0.0 };
                }
            }
        }
        // dW = dY · colsᵀ, db = row sums of dY.
        sgemm(
            self.oc,
            B * l,
            rows,
            &self.y,
            B * l,
            1,
            &self.cols,
            1,
            B * l,
            &mut self.dw,
        );
        for (o, db) in self.db.iter_mut().enumerate() {
            *db = self.y[o * B * l..][..B * l].iter().sum();
        }
        if let Some(dx) = dx {
            // dcols = Wᵀ · dY, then col2im.
            sgemm(
                rows,
                self.oc,
                B * l,
                &self.w,
                1,
                rows,
                &self.y,
                B * l,
                1,
                &mut self.dcols,
            );
            col2im(&self.dcols, self.c, self.h, self.h, self.k, dx);
        }
    }

    fn sgd(&mut self) {
        sgd(&mut self.w, &self.dw, &mut self.mw);
        sgd(&mut self.b, &self.db, &mut self.mb);
    }
}

/// `torch.optim.SGD(lr=0.02, momentum=0.9)` for one parameter (after the first step).
fn sgd(p: &mut [f32], g: &[f32], m: &mut [f32]) {
    for ((p, &g), m) in p.iter_mut().zip(g).zip(m.iter_mut()) {
        *m = 0.9 * *m + g;
        *p -= 0.02 * *m;
    }
}

/// 2×2 max pooling of `[B, C, H, H]` with the argmax of each window.
fn max_pool(x: &[f32], c: usize, h: usize, out: &mut [f32], idx: &mut [usize]) {
    let o = h / 2;
    for p in 0..B * c {
        for y in 0..o {
            for xx in 0..o {
                let base = p * h * h;
                let mut best = (f32::NEG_INFINITY, 0);
                for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                    let at = base + (2 * y + dy) * h + 2 * xx + dx;
                    if x[at] > best.0 {
                        best = (x[at], at);
                    }
                }
                out[(p * o + y) * o + xx] = best.0;
                idx[(p * o + y) * o + xx] = best.1;
            }
        }
    }
}

/// A fully connected layer `y = x Wᵀ + b` (`W` `[O, I]`), optionally followed by a ReLU.
struct Fc {
    i: usize,
    o: usize,
    relu: bool,
    w: Vec<f32>,
    b: Vec<f32>,
    y: Vec<f32>,
    dy: Vec<f32>,
    dw: Vec<f32>,
    db: Vec<f32>,
    mw: Vec<f32>,
    mb: Vec<f32>,
}

impl Fc {
    fn new(i: usize, o: usize, relu: bool, w: Vec<f32>, b: Vec<f32>) -> Self {
        Fc {
            i,
            o,
            relu,
            mw: vec![0.0; w.len()],
            mb: vec![0.0; o],
            dw: vec![0.0; w.len()],
            db: vec![0.0; o],
            w,
            b,
            y: vec![0.0; B * o],
            dy: vec![0.0; B * o],
        }
    }

    fn forward(&mut self, x: &[f32]) {
        sgemm(
            B,
            self.i,
            self.o,
            x,
            self.i,
            1,
            &self.w,
            1,
            self.i,
            &mut self.y,
        );
        for row in self.y.chunks_mut(self.o) {
            for (v, &b) in row.iter_mut().zip(&self.b) {
                *v += b;
                if self.relu {
                    *v = v.max(0.0);
                }
            }
        }
    }

    /// From `self.dy` (the output's gradient): `dw`, `db`, and the input's gradient.
    fn backward(&mut self, x: &[f32], dx: Option<&mut [f32]>) {
        if self.relu {
            for (d, &y) in self.dy.iter_mut().zip(&self.y) {
                if y <= 0.0 {
                    *d = 0.0;
                }
            }
        }
        sgemm(
            self.o,
            B,
            self.i,
            &self.dy,
            1,
            self.o,
            x,
            self.i,
            1,
            &mut self.dw,
        );
        for (j, db) in self.db.iter_mut().enumerate() {
            *db = (0..B).map(|r| self.dy[r * self.o + j]).sum();
        }
        if let Some(dx) = dx {
            sgemm(
                B, self.o, self.i, &self.dy, self.o, 1, &self.w, self.i, 1, dx,
            );
        }
    }

    fn sgd(&mut self) {
        sgd(&mut self.w, &self.dw, &mut self.mw);
        sgd(&mut self.b, &self.db, &mut self.mb);
    }
}

/// The floor: LeNet's training step on one batch with every buffer made once.
struct LeNetFloor {
    x: Vec<f32>,
    labels: Vec<usize>,
    conv1: ConvLayer,
    pool1: Vec<f32>,
    idx1: Vec<usize>,
    conv2: ConvLayer,
    pool2: Vec<f32>,
    idx2: Vec<usize>,
    fc1: Fc,
    fc2: Fc,
    fc3: Fc,
    dpool2: Vec<f32>,
    dconv2: Vec<f32>,
    dpool1: Vec<f32>,
    dconv1: Vec<f32>,
}

impl LeNetFloor {
    fn new(net: &lenet::Net, x: Vec<f32>, labels: Vec<usize>) -> Self {
        LeNetFloor {
            x,
            labels,
            conv1: ConvLayer::new(
                1,
                6,
                32,
                5,
                net.conv1.weight.to_vec(),
                bias(&net.conv1.bias),
            ),
            pool1: vec![0.0; B * 6 * 14 * 14],
            idx1: vec![0; B * 6 * 14 * 14],
            conv2: ConvLayer::new(
                6,
                16,
                14,
                5,
                net.conv2.weight.to_vec(),
                bias(&net.conv2.bias),
            ),
            pool2: vec![0.0; B * 400],
            idx2: vec![0; B * 400],
            fc1: Fc::new(400, 120, true, net.fc1.weight.to_vec(), bias(&net.fc1.bias)),
            fc2: Fc::new(120, 84, true, net.fc2.weight.to_vec(), bias(&net.fc2.bias)),
            fc3: Fc::new(84, 10, false, net.fc3.weight.to_vec(), bias(&net.fc3.bias)),
            dpool2: vec![0.0; B * 400],
            dconv2: vec![0.0; B * 16 * 100],
            dpool1: vec![0.0; B * 6 * 14 * 14],
            dconv1: vec![0.0; B * 6 * 28 * 28],
        }
    }

    /// Forward, cross-entropy, backward and the SGD update; returns the loss.
    fn step(&mut self) -> f32 {
        self.conv1.forward(&self.x);
        max_pool(&self.conv1.out, 6, 28, &mut self.pool1, &mut self.idx1);
        self.conv2.forward(&self.pool1);
        max_pool(&self.conv2.out, 16, 10, &mut self.pool2, &mut self.idx2);
        self.fc1.forward(&self.pool2);
        self.fc2.forward(&self.fc1.y);
        self.fc3.forward(&self.fc2.y);
        // Cross-entropy (mean) and its gradient, softmax - one_hot, over B.
        let mut loss = 0.0;
        for (r, &label) in self.labels.iter().enumerate() {
            let z = &self.fc3.y[r * 10..][..10];
            let m = z.iter().fold(f32::NEG_INFINITY, |a, &v| a.max(v));
            let sum: f32 = z.iter().map(|&v| (v - m).exp()).sum();
            loss += sum.ln() + m - z[label];
            for (c, d) in self.fc3.dy[r * 10..][..10].iter_mut().enumerate() {
                let p = (z[c] - m).exp() / sum;
                *d = (p - f32::from(u8::from(c == label))) / B as f32;
            }
        }
        self.fc3.backward(&self.fc2.y, Some(&mut self.fc2.dy));
        self.fc2.backward(&self.fc1.y, Some(&mut self.fc1.dy));
        self.fc1.backward(&self.pool2, Some(&mut self.dpool2));
        self.dconv2.fill(0.0);
        for (&i, &g) in self.idx2.iter().zip(&self.dpool2) {
            self.dconv2[i] += g;
        }
        self.conv2.backward(&self.dconv2, Some(&mut self.dpool1));
        self.dconv1.fill(0.0);
        for (&i, &g) in self.idx1.iter().zip(&self.dpool1) {
            self.dconv1[i] += g;
        }
        self.conv1.backward(&self.dconv1, None);
        for layer in [&mut self.conv1, &mut self.conv2] {
            layer.sgd();
        }
        for layer in [&mut self.fc1, &mut self.fc2, &mut self.fc3] {
            layer.sgd();
        }
        loss / B as f32
    }
}

fn bias<S: typetensor::Shape>(b: &Option<Tensor<S>>) -> Vec<f32> {
    b.as_ref().expect("LeNet's layers have biases").to_vec()
}

/// `--lenet-profile [floor]`: the library's (or the floor's) LeNet step in a loop, for a
/// profiler (`perf record target/release/examples/bench --lenet-profile`).
pub fn lenet_profile(floor_only: bool) {
    let (x, y) = lenet::digits("train").expect("examples/data/digits");
    let xv = x.to_vec()[..B * 1024].to_vec();
    let labels: Vec<usize> = y.to_vec()[..B].iter().map(|&l| l as usize).collect();
    let batch = Tensor::<Rank4<B, 1, 32, 32>>::from_vec(xv.clone()).expect("32 images");
    let target = Tensor::<Rank1<B>, i64>::from_vec(y.to_vec()[..B].to_vec()).expect("labels");
    let mut net = lenet::Net::new();
    let mut floor = LeNetFloor::new(&net, xv, labels);
    let mut optimizer = lenet::optimizer();
    let start = std::time::Instant::now();
    let mut steps = 0;
    while start.elapsed().as_secs_f64() < 10.0 {
        if floor_only {
            black_box(floor.step());
        } else {
            use typetensor::optim::Optimizer;
            optimizer.zero_grad(&net);
            let loss = lenet::cross_entropy(&net.forward(&batch), &target);
            loss.backward();
            optimizer.step(&mut net);
        }
        steps += 1;
    }
    println!(
        "{steps} steps, {:.1} µs each",
        start.elapsed().as_secs_f64() * 1e6 / steps as f64
    );
}

/// LeNet's training step (batch of 32), library against floor.
pub fn lenet_step(plan: &Plan) {
    manual_seed(14);
    let (x, y) = lenet::digits("train").expect("examples/data/digits");
    let xv = x.to_vec()[..B * 1024].to_vec();
    let labels: Vec<usize> = y.to_vec()[..B].iter().map(|&l| l as usize).collect();
    let batch = Tensor::<Rank4<B, 1, 32, 32>>::from_vec(xv.clone()).expect("32 images");
    let target = Tensor::<Rank1<B>, i64>::from_vec(y.to_vec()[..B].to_vec()).expect("labels");
    let mut net = lenet::Net::new();
    let mut floor = LeNetFloor::new(&net, xv, labels);
    let mut optimizer = lenet::optimizer();
    let (lib, raw) = time_pair(
        plan,
        || {
            use typetensor::optim::Optimizer;
            optimizer.zero_grad(&net);
            let loss = lenet::cross_entropy(&net.forward(&batch), &target);
            loss.backward();
            optimizer.step(&mut net);
            black_box(loss.item());
        },
        || {
            black_box(floor.step());
        },
    );
    println!(
        "\n14_lenet: one training step (forward, cross-entropy, backward, SGD with momentum) on a batch of {B} (median)"
    );
    println!(
        "  library {:.1} µs, floor (raw im2col + sgemm) {:.1} µs, ratio {:.2}x",
        lib * 1e6,
        raw * 1e6,
        lib / raw
    );
}

/// conv2d (and its backward pass) of `[N, C, H, H]` by `[OC, C, K, K]` with padding `P`,
/// library against a raw im2col + sgemm of the same layer; GFLOP/s.
fn conv_row<
    const N: usize,
    const C: usize,
    const H: usize,
    const OC: usize,
    const K: usize,
    const P: usize,
>(
    plan: &Plan,
    label: &str,
) where
    Rank4<N, C, H, H>: typetensor::ops::conv::Conv2dRule<Rank4<OC, C, K, K>, 1, P, 1, 1>,
{
    manual_seed(3);
    let x = Tensor::<Rank4<N, C, H, H>>::randn();
    let w = Tensor::<Rank4<OC, C, K, K>>::randn();
    let oh = H + 2 * P - K + 1;
    let flop = 2.0 * (N * OC * oh * oh * C * K * K) as f64;
    // The raw layer: a padded im2col written for this test, then one sgemm.
    let (xv, wv) = (x.to_vec(), w.to_vec());
    let (rows, ncols) = (C * K * K, N * oh * oh);
    let mut cols = vec![0.0f32; rows * ncols];
    let mut y = vec![0.0f32; OC * ncols];
    // Row copies for the in-image part of each output row, zeros for the padding.
    let raw_im2col = |cols: &mut [f32]| {
        for c in 0..C {
            for i in 0..K {
                for j in 0..K {
                    let row = &mut cols[((c * K + i) * K + j) * ncols..][..ncols];
                    // Output columns whose input column `ox + j - P` is inside the image.
                    let (lo, hi) = (P.saturating_sub(j), (H + P - j).min(oh));
                    for n in 0..N {
                        for oy in 0..oh {
                            let dst = &mut row[(n * oh + oy) * oh..][..oh];
                            let iy = (oy + i).wrapping_sub(P);
                            if iy >= H {
                                dst.fill(0.0);
                                continue;
                            }
                            let src = &xv[((n * C + c) * H + iy) * H..][..H];
                            dst[..lo].fill(0.0);
                            dst[lo..hi].copy_from_slice(&src[lo + j - P..hi + j - P]);
                            dst[hi..].fill(0.0);
                        }
                    }
                }
            }
        }
    };
    let (lib, raw) = time_pair(
        plan,
        || {
            black_box(x.conv2d_with(&w, None, ConvOpts::<1, P>));
        },
        || {
            raw_im2col(&mut cols);
            sgemm(OC, rows, ncols, &wv, rows, 1, &cols, ncols, 1, &mut y);
            black_box(&mut y);
        },
    );
    let xg = x.clone().requires_grad_();
    let wg = w.clone().requires_grad_();
    let (fb, _) = time_pair(
        plan,
        || {
            xg.conv2d_with(&wg, None, ConvOpts::<1, P>).sum().backward();
            xg.zero_grad();
            wg.zero_grad();
        },
        || {},
    );
    println!(
        "  {:<40} {:>9.1} {:>9.1} {:>8.2}x {:>12.1} {:>10.2} ms",
        label,
        flop / lib / 1e9,
        flop / raw / 1e9,
        lib / raw,
        3.0 * flop / fb / 1e9,
        fb * 1e3
    );
}

/// conv2d GFLOP/s at LeNet's sizes and at a ResNet-like layer.
pub fn conv_gflops(plan: &Plan) {
    println!(
        "\nconv2d, f32 (median): GFLOP/s of the forward pass (library, raw im2col + sgemm), and of forward + backward (3x the forward's flops)"
    );
    println!(
        "  {:<40} {:>9} {:>9} {:>9} {:>12} {:>13}",
        "layer", "library", "raw", "lib/raw", "fwd+bwd", "fwd+bwd time"
    );
    conv_row::<32, 1, 32, 6, 5, 0>(plan, "LeNet conv1 [32,1,32,32] 5x5 1->6");
    conv_row::<32, 6, 14, 16, 5, 0>(plan, "LeNet conv2 [32,6,14,14] 5x5 6->16");
    conv_row::<32, 64, 56, 64, 3, 1>(plan, "ResNet-like [32,64,56,56] 3x3 64->64 p1");
}
