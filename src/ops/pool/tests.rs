//! Pooling against direct reference loops on random data (values, indices, gradients) over
//! kernels, strides, paddings and dilations; PyTorch's tie and NaN rules; adaptive windows.
use crate::ops::pool::PoolOpts;
use crate::shape::{ConstShape, Rank3, Rank4};
use crate::{Tensor, manual_seed, tensor};

/// A pooling's sizes as the reference reads them.
#[derive(Clone, Copy, Debug)]
struct Geo {
    planes: usize,
    h: usize,
    w: usize,
    k: usize,
    s: usize,
    p: usize,
    d: usize,
}

impl Geo {
    fn oh(&self) -> usize {
        (self.h + 2 * self.p - self.d * (self.k - 1) - 1) / self.s + 1
    }
    fn ow(&self) -> usize {
        (self.w + 2 * self.p - self.d * (self.k - 1) - 1) / self.s + 1
    }
    /// In-image positions `iy * w + ix` of output `(oy, ox)`'s window, row-major.
    fn window(&self, oy: usize, ox: usize) -> Vec<usize> {
        let mut v = Vec::new();
        for i in 0..self.k {
            for j in 0..self.k {
                let iy = (oy * self.s + i * self.d) as isize - self.p as isize;
                let ix = (ox * self.s + j * self.d) as isize - self.p as isize;
                if iy >= 0 && ix >= 0 && (iy as usize) < self.h && (ix as usize) < self.w {
                    v.push(iy as usize * self.w + ix as usize);
                }
            }
        }
        v
    }
}

/// (values, indices) of a max pool, PyTorch's rule: `v > best || isnan(v)` updates.
fn ref_max(x: &[f64], g: Geo) -> (Vec<f64>, Vec<i64>) {
    let (mut vals, mut idx) = (vec![], vec![]);
    for p in 0..g.planes {
        for oy in 0..g.oh() {
            for ox in 0..g.ow() {
                let win = g.window(oy, ox);
                let (mut best, mut at) = (f64::NEG_INFINITY, win[0]);
                for &q in &win {
                    let v = x[p * g.h * g.w + q];
                    if v > best || v.is_nan() {
                        best = v;
                        at = q;
                    }
                }
                vals.push(best);
                idx.push(at as i64);
            }
        }
    }
    (vals, idx)
}

fn close(what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            "{what}: element {i}: got {g}, want {w}"
        );
    }
}

/// Checks a max pool of `X` against the reference, values, indices and gradient.
fn check_max<X: ConstShape, Y: ConstShape>(
    what: &str,
    g: Geo,
    max: impl Fn(&Tensor<X, f64>) -> (Tensor<Y, f64>, Tensor<Y, i64>),
) {
    manual_seed(21);
    let x = Tensor::<X, f64>::randn().requires_grad_();
    let xv = x.to_vec();
    let (y, idx) = max(&x);
    let (want, want_idx) = ref_max(&xv, g);
    close(what, &y.to_vec(), &want);
    assert_eq!(idx.to_vec(), want_idx, "{what}: indices");
    let gy = Tensor::<Y, f64>::randn();
    (&y * &gy).sum().backward();
    let gyv = gy.to_vec();
    let per = g.oh() * g.ow();
    let mut gx = vec![0.0; xv.len()];
    for (o, &k) in want_idx.iter().enumerate() {
        gx[o / per * g.h * g.w + k as usize] += gyv[o];
    }
    close(
        &format!("{what}: max grad"),
        &x.grad().unwrap().to_vec(),
        &gx,
    );
}

/// Checks an average pool (`count_include_pad`) of `X` against the reference, values and
/// gradient.
fn check_avg<X: ConstShape, Y: ConstShape>(
    what: &str,
    g: Geo,
    avg: impl Fn(&Tensor<X, f64>) -> Tensor<Y, f64>,
) {
    manual_seed(22);
    let x = Tensor::<X, f64>::randn().requires_grad_();
    let xv = x.to_vec();
    let y = avg(&x);
    let gy = Tensor::<Y, f64>::randn();
    let gyv = gy.to_vec();
    let (mut want, mut gx) = (vec![], vec![0.0; xv.len()]);
    let div = (g.k * g.k) as f64;
    for p in 0..g.planes {
        for oy in 0..g.oh() {
            for ox in 0..g.ow() {
                let win = g.window(oy, ox);
                want.push(win.iter().map(|&q| xv[p * g.h * g.w + q]).sum::<f64>() / div);
                for &q in &win {
                    gx[p * g.h * g.w + q] += gyv[want.len() - 1] / div;
                }
            }
        }
    }
    close(&format!("{what}: avg"), &y.to_vec(), &want);
    (&y * &gy).sum().backward();
    close(
        &format!("{what}: avg grad"),
        &x.grad().unwrap().to_vec(),
        &gx,
    );
}

macro_rules! pool_case {
    ($name:ident: [$n:literal, $c:literal, $h:literal, $w:literal], opts [$k:literal, $s:literal, $p:literal, $d:literal] $(, $avg:ident)?) => {
        #[test]
        fn $name() {
            let g = Geo { planes: $n * $c, h: $h, w: $w, k: $k, s: $s, p: $p, d: $d };
            let g1 = Geo { planes: $c, ..g };
            check_max::<Rank4<$n, $c, $h, $w>, _>(stringify!($name), g, |x| {
                x.max_pool2d_with_indices(PoolOpts::<$k, $s, $p, $d>)
            });
            check_max::<Rank3<$c, $h, $w>, _>(concat!(stringify!($name), " unbatched"), g1, |x| {
                x.max_pool2d_with_indices(PoolOpts::<$k, $s, $p, $d>)
            });
            $(
                let $avg = ();
                let _ = $avg;
                check_avg::<Rank4<$n, $c, $h, $w>, _>(stringify!($name), g, |x| {
                    x.avg_pool2d_with(PoolOpts::<$k, $s, $p>)
                });
                check_avg::<Rank3<$c, $h, $w>, _>(concat!(stringify!($name), " unbatched"), g1, |x| {
                    x.avg_pool2d_with(PoolOpts::<$k, $s, $p>)
                });
            )?
        }
    };
}

pool_case!(lenet_2x2: [2, 3, 8, 8], opts [2, 2, 0, 1], avg);
pool_case!(odd_size_floor: [2, 2, 7, 5], opts [2, 2, 0, 1], avg);
pool_case!(overlapping_3_2: [2, 2, 9, 9], opts [3, 2, 0, 1], avg);
pool_case!(padded_3_2_1: [2, 2, 8, 7], opts [3, 2, 1, 1], avg);
pool_case!(stride_1: [1, 2, 5, 6], opts [3, 1, 1, 1], avg);
pool_case!(dilated: [1, 2, 9, 8], opts [3, 1, 1, 2]);
pool_case!(dilated_strided: [2, 1, 11, 10], opts [2, 3, 1, 2]);

#[test]
fn max_pool_ties_nan_and_infinities_as_pytorch() {
    // A tie keeps the first maximum; a NaN wins, and a later NaN replaces it; a window of
    // -inf points at its first position.
    let x = tensor([
        [[1.0f64, 3.0, 3.0, f64::NAN], [3.0, 0.0, 2.0, f64::NAN]],
        [
            [f64::NEG_INFINITY, f64::NEG_INFINITY, 5.0, 5.0],
            [f64::NEG_INFINITY, f64::NEG_INFINITY, 5.0, 6.0],
        ],
    ]);
    let (y, idx) = x.max_pool2d_with_indices(PoolOpts::<2>);
    let y = y.to_vec();
    assert_eq!(y[0], 3.0);
    assert!(y[1].is_nan());
    assert_eq!((y[2], y[3]), (f64::NEG_INFINITY, 6.0));
    assert_eq!(idx.to_vec(), vec![1, 7, 0, 7]);
}

#[test]
fn default_forms_are_pytorchs() {
    manual_seed(2);
    let x = Tensor::<Rank4<2, 3, 9, 8>>::randn();
    let y: Tensor<Rank4<2, 3, 4, 4>> = x.max_pool2d::<2>();
    assert_eq!(y.to_vec(), x.max_pool2d_with(PoolOpts::<2>).to_vec());
    let a: Tensor<Rank4<2, 3, 3, 2>> = x.avg_pool2d::<3>();
    assert_eq!(a.to_vec(), x.avg_pool2d_with(PoolOpts::<3>).to_vec());
    assert_eq!(x.max_pool2d::<2>().grad_fn(), None);
    let xg = x.requires_grad_();
    assert_eq!(
        xg.max_pool2d::<2>().grad_fn(),
        Some("MaxPool2DWithIndicesBackward0")
    );
    assert_eq!(xg.avg_pool2d::<2>().grad_fn(), Some("AvgPool2DBackward0"));
    assert_eq!(
        xg.adaptive_avg_pool2d::<1, 1>().grad_fn(),
        Some("AdaptiveAvgPool2DBackward0")
    );
}

/// PyTorch's adaptive windows: `floor(o·I/O) .. ceil((o+1)·I/O)`, overlapping when `O`
/// does not divide `I`, and repeating inputs when `O > I`.
fn ref_adaptive(
    x: &[f64],
    planes: usize,
    (h, w): (usize, usize),
    (oh, ow): (usize, usize),
) -> Vec<f64> {
    let mut out = vec![];
    for p in 0..planes {
        for oy in 0..oh {
            for ox in 0..ow {
                let (y0, y1) = (oy * h / oh, ((oy + 1) * h).div_ceil(oh));
                let (x0, x1) = (ox * w / ow, ((ox + 1) * w).div_ceil(ow));
                let mut s = 0.0;
                for iy in y0..y1 {
                    for ix in x0..x1 {
                        s += x[p * h * w + iy * w + ix];
                    }
                }
                out.push(s / (y1 - y0) as f64 / (x1 - x0) as f64);
            }
        }
    }
    out
}

#[test]
fn adaptive_avg_pool_matches_the_reference() {
    manual_seed(4);
    let x = Tensor::<Rank4<2, 3, 7, 5>, f64>::randn().requires_grad_();
    let xv = x.to_vec();
    close(
        "7x5 -> 3x2",
        &x.adaptive_avg_pool2d::<3, 2>().to_vec(),
        &ref_adaptive(&xv, 6, (7, 5), (3, 2)),
    );
    close(
        "7x5 -> 1x1",
        &x.adaptive_avg_pool2d::<1, 1>().to_vec(),
        &ref_adaptive(&xv, 6, (7, 5), (1, 1)),
    );
    close(
        "7x5 -> 9x6",
        &x.adaptive_avg_pool2d::<9, 6>().to_vec(),
        &ref_adaptive(&xv, 6, (7, 5), (9, 6)),
    );
    let u = Tensor::<Rank3<3, 7, 5>, f64>::randn();
    close(
        "unbatched",
        &u.adaptive_avg_pool2d::<2, 2>().to_vec(),
        &ref_adaptive(&u.to_vec(), 3, (7, 5), (2, 2)),
    );
    // Gradient: the adjoint of the reference (each output's share to its window), checked
    // by contracting with a one-hot output gradient.
    let y = x.adaptive_avg_pool2d::<3, 2>();
    y.sum().backward();
    let g = x.grad().unwrap().to_vec();
    let mut want = vec![0.0; xv.len()];
    for (i, slot) in want.iter_mut().enumerate() {
        let mut e = vec![0.0; xv.len()];
        e[i] = 1.0;
        *slot = ref_adaptive(&e, 6, (7, 5), (3, 2)).iter().sum();
    }
    close("adaptive grad", &g, &want);
}

#[test]
fn adaptive_pool_of_an_empty_output_is_an_err() {
    let x = Tensor::<Rank4<1, 1, 4, 4>>::ones();
    assert!(x.try_adaptive_avg_pool2d::<0, 2>().is_err());
}

#[test]
fn strided_views_pool_in_place() {
    manual_seed(8);
    let x = Tensor::<Rank4<2, 3, 6, 8>, f64>::randn();
    let t = x.transpose::<1, 3>(); // [2, 8, 6, 3], strided
    let c = t.contiguous();
    assert_eq!(t.max_pool2d::<2>().to_vec(), c.max_pool2d::<2>().to_vec());
    assert_eq!(t.avg_pool2d::<3>().to_vec(), c.avg_pool2d::<3>().to_vec());
    assert_eq!(
        t.adaptive_avg_pool2d::<2, 1>().to_vec(),
        c.adaptive_avg_pool2d::<2, 1>().to_vec()
    );
}

#[test]
fn a_run_time_batch_passes_through() {
    use crate::DYN;
    manual_seed(13);
    let x = Tensor::<Rank4<3, 2, 8, 7>>::randn();
    let xd = Tensor::<Rank4<DYN, 2, 8, 7>>::from_vec_dims(x.to_vec(), &[3, 2, 8, 7]).unwrap();
    let m: Tensor<Rank4<DYN, 2, 4, 3>> = xd.max_pool2d::<2>();
    assert_eq!(m.shape(), [3, 2, 4, 3]);
    assert_eq!(m.to_vec(), x.max_pool2d::<2>().to_vec());
    let a: Tensor<Rank4<DYN, 2, 4, 4>> = xd.avg_pool2d_with(PoolOpts::<3, 2, 1>);
    assert_eq!(a.to_vec(), x.avg_pool2d_with(PoolOpts::<3, 2, 1>).to_vec());
    let p: Tensor<Rank4<DYN, 2, 1, 1>> = xd.adaptive_avg_pool2d::<1, 1>();
    assert_eq!(p.shape(), [3, 2, 1, 1]);
}
