//! Convolution and pooling against PyTorch: the outputs and gradients that
//! `scripts/conv_goldens.py` recorded (tests/goldens/conv.txt), in float32 and float64, from
//! the same inputs.
//!
//! Tolerances: float64 within 1e-12 relative (the same sums in another order); float32
//! within 2e-5 of the largest magnitude of the compared tensor (oneDNN and matrixmultiply
//! sum the products in different orders). Pooling is exact: the same comparisons and the
//! same additions in the same order as PyTorch's CPU kernels, so outputs, indices and
//! gradients are bit for bit; except a 1x1 adaptive average, which PyTorch computes as a
//! `mean` (another summation order), within float32 tolerance.
use std::collections::HashMap;

use typetensor::ops::conv::ConvOpts;
use typetensor::ops::pool::PoolOpts;
use typetensor::{ConstShape, FloatDtype, Rank1, Rank2, Rank3, Rank4, Tensor};

/// One case in one precision: its tensors as bit patterns.
#[derive(Default, Debug)]
struct Golden {
    inputs: HashMap<String, Vec<u64>>,
    out: Vec<u64>,
    idx: Vec<i64>,
    grads: HashMap<String, Vec<u64>>,
}

/// `goldens[case][dtype]`.
fn goldens() -> HashMap<String, HashMap<String, Golden>> {
    let text = include_str!("goldens/conv.txt");
    let mut all: HashMap<String, HashMap<String, Golden>> = HashMap::new();
    let (mut case, mut dtype) = (String::new(), String::new());
    let hex = |v: &[&str]| -> Vec<u64> {
        v.iter()
            .map(|h| u64::from_str_radix(h, 16).expect("hex bits"))
            .collect()
    };
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f[0] {
            "case" => case = f[1].to_string(),
            "dtype" => dtype = f[1].to_string(),
            _ => {
                let g = all
                    .entry(case.clone())
                    .or_default()
                    .entry(dtype.clone())
                    .or_default();
                match f[0] {
                    "in" => {
                        g.inputs.insert(f[1].to_string(), hex(&f[3..]));
                    }
                    "out" => g.out = hex(&f[2..]),
                    "idx" => g.idx = f[1..].iter().map(|v| v.parse().unwrap()).collect(),
                    "grad" => {
                        g.grads.insert(f[1].to_string(), hex(&f[2..]));
                    }
                    other => panic!("conv.txt: unknown line kind {other}"),
                }
            }
        }
    }
    all
}

/// A float type as the goldens store it.
trait Bits: FloatDtype {
    const NAME: &'static str;
    /// Relative tolerance for results that sum in another order.
    const TOL: f64;
    fn from_bits(b: u64) -> Self;
    fn wide(self) -> f64;
}
impl Bits for f32 {
    const NAME: &'static str = "f32";
    const TOL: f64 = 2e-5;
    fn from_bits(b: u64) -> Self {
        f32::from_bits(b as u32)
    }
    fn wide(self) -> f64 {
        f64::from(self)
    }
}
impl Bits for f64 {
    const NAME: &'static str = "f64";
    const TOL: f64 = 1e-12;
    fn from_bits(b: u64) -> Self {
        f64::from_bits(b)
    }
    fn wide(self) -> f64 {
        self
    }
}

fn tensor<S: ConstShape, E: Bits>(bits: &[u64]) -> Tensor<S, E> {
    Tensor::from_vec(bits.iter().map(|&b| E::from_bits(b)).collect()).expect("golden length")
}

/// `got` against PyTorch's `want`: exact, or within `tol` of the largest magnitude.
fn compare<E: Bits>(what: &str, got: &[E], want: &[u64], exact: bool) -> f64 {
    let want: Vec<E> = want.iter().map(|&b| E::from_bits(b)).collect();
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(1e-30f64, |m, v| m.max(v.wide().abs()));
    let mut worst = 0.0f64;
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        if exact {
            assert!(
                g.wide().to_bits() == w.wide().to_bits(),
                "{what}: element {i}: {g:?} vs PyTorch's {w:?} (bit for bit)"
            );
        } else {
            let err = (g.wide() - w.wide()).abs() / scale;
            worst = worst.max(err);
            assert!(
                err <= E::TOL,
                "{what}: element {i}: {g:?} vs PyTorch's {w:?} (relative to {scale}: {err:e})"
            );
        }
    }
    worst
}

/// Runs a convolution case (`x`, `w`, optional `b`) in one precision and compares output and
/// gradients; returns the largest relative difference.
fn conv_case<SX: ConstShape, SW: ConstShape, SO: ConstShape, E: Bits>(
    name: &str,
    op: impl Fn(&Tensor<SX, E>, &Tensor<SW, E>, Option<&Tensor<Rank1<{ MAXB }>, E>>) -> Tensor<SO, E>,
) -> f64 {
    let all = goldens();
    let g = &all[name][E::NAME];
    let x = tensor::<SX, E>(&g.inputs["x"]).requires_grad_();
    let w = tensor::<SW, E>(&g.inputs["w"]).requires_grad_();
    // The bias, padded to the fixed length the closures take (narrowed inside them).
    let b = g.inputs.get("b").map(|bits| {
        let mut v: Vec<E> = bits.iter().map(|&b| E::from_bits(b)).collect();
        v.resize(MAXB, E::zero());
        Tensor::<Rank1<{ MAXB }>, E>::from_vec(v)
            .unwrap()
            .requires_grad_()
    });
    let out = op(&x, &w, b.as_ref());
    let what = format!("{name} {}", E::NAME);
    let mut worst = compare(&format!("{what} out"), &out.to_vec(), &g.out, false);
    (&out * &tensor::<SO, E>(&g.inputs["gy"])).sum().backward();
    worst = worst.max(compare(
        &format!("{what} dx"),
        &x.grad().unwrap().to_vec(),
        &g.grads["x"],
        false,
    ));
    worst = worst.max(compare(
        &format!("{what} dw"),
        &w.grad().unwrap().to_vec(),
        &g.grads["w"],
        false,
    ));
    if let Some(b) = b {
        let gb = &b.grad().unwrap().to_vec()[..g.grads["b"].len()];
        worst = worst.max(compare(&format!("{what} db"), gb, &g.grads["b"], false));
    }
    worst
}

/// The padded bias length of the convolution cases.
const MAXB: usize = 8;

/// Runs a pooling case in one precision: output (and indices) and gradient, bit for bit
/// when `exact`.
fn pool_case<SX: ConstShape, SO: ConstShape, E: Bits>(
    name: &str,
    exact: bool,
    op: impl Fn(&Tensor<SX, E>) -> (Tensor<SO, E>, Option<Tensor<SO, i64>>),
) {
    let all = goldens();
    let g = &all[name][E::NAME];
    let x = tensor::<SX, E>(&g.inputs["x"]).requires_grad_();
    let (out, idx) = op(&x);
    let what = format!("{name} {}", E::NAME);
    compare(&format!("{what} out"), &out.to_vec(), &g.out, exact);
    if let Some(idx) = idx {
        assert_eq!(idx.to_vec(), g.idx, "{what}: indices");
    }
    (&out * &tensor::<SO, E>(&g.inputs["gy"])).sum().backward();
    compare(
        &format!("{what} dx"),
        &x.grad().unwrap().to_vec(),
        &g.grads["x"],
        exact,
    );
}

/// A convolution case: `$method` (`conv2d_with` or `conv1d_with`) of `$sx` by `$sw` with
/// `$oc` output channels and options `$opts`, in both precisions.
macro_rules! conv_test {
    ($name:ident: $method:ident, $sx:ty, $sw:ty, $oc:literal, $opts:expr) => {
        #[test]
        fn $name() {
            fn run<E: Bits>() -> f64 {
                conv_case::<$sx, $sw, _, E>(stringify!($name), |x, w, b| {
                    let b = b.map(|b| b.narrow::<0, 0, $oc>());
                    x.$method(w, b.as_ref(), $opts)
                })
            }
            let (f32_err, f64_err) = (run::<f32>(), run::<f64>());
            println!(
                "{}: largest relative difference f32 {f32_err:.2e}, f64 {f64_err:.2e}",
                stringify!($name)
            );
        }
    };
}

conv_test!(conv2d_lenet: conv2d_with, Rank4<2, 1, 12, 12>, Rank4<6, 1, 5, 5>, 6, ConvOpts::<1>);
conv_test!(conv2d_stride2_pad1: conv2d_with, Rank4<2, 3, 9, 8>, Rank4<4, 3, 3, 3>, 4, ConvOpts::<2, 1>);
conv_test!(conv2d_dilation2_pad2: conv2d_with, Rank4<1, 2, 10, 9>, Rank4<3, 2, 3, 3>, 3, ConvOpts::<1, 2, 2>);
conv_test!(conv2d_groups2: conv2d_with, Rank4<2, 4, 7, 7>, Rank4<6, 2, 3, 3>, 6, ConvOpts::<1, 1, 1, 2>);
conv_test!(conv2d_depthwise_stride2: conv2d_with, Rank4<1, 3, 8, 8>, Rank4<3, 1, 3, 3>, 3, ConvOpts::<2, 1, 1, 3>);
conv_test!(conv2d_rect_stride3: conv2d_with, Rank4<2, 2, 9, 10>, Rank4<2, 2, 2, 4>, 2, ConvOpts::<3>);
conv_test!(conv2d_resnet_like: conv2d_with, Rank4<2, 8, 14, 14>, Rank4<8, 8, 3, 3>, 8, ConvOpts::<1, 1>);
conv_test!(conv1d_stride2_pad1_dil2: conv1d_with, Rank3<2, 3, 11>, Rank3<4, 3, 3>, 4, ConvOpts::<2, 1, 2>);
conv_test!(conv1d_groups2: conv1d_with, Rank3<2, 4, 9>, Rank3<6, 2, 2>, 6, ConvOpts::<1, 0, 1, 2>);

#[test]
fn conv2d_unbatched_nobias() {
    fn run<E: Bits>() -> f64 {
        conv_case::<Rank3<3, 6, 6>, Rank4<2, 3, 3, 3>, _, E>(
            "conv2d_unbatched_nobias",
            |x, w, _| x.conv2d_with(w, None, ConvOpts::<1, 1>),
        )
    }
    run::<f32>();
    run::<f64>();
}

macro_rules! pool_test {
    ($name:ident: $sx:ty, |$x:ident| $body:expr) => {
        pool_test!($name: $sx, true, |$x| $body);
    };
    ($name:ident: $sx:ty, $exact:expr, |$x:ident| $body:expr) => {
        #[test]
        fn $name() {
            fn run<E: Bits>() {
                pool_case::<$sx, _, E>(stringify!($name), $exact, |$x| $body);
            }
            run::<f32>();
            run::<f64>();
        }
    };
}

pool_test!(max_pool2d_k2: Rank4<2, 3, 9, 8>, |x| {
    let (v, i) = x.max_pool2d_with_indices(PoolOpts::<2>);
    (v, Some(i))
});
pool_test!(max_pool2d_k3_s2_p1: Rank4<2, 2, 9, 9>, |x| {
    let (v, i) = x.max_pool2d_with_indices(PoolOpts::<3, 2, 1>);
    (v, Some(i))
});
pool_test!(max_pool2d_k2_s1_p1_d2: Rank4<1, 2, 7, 8>, |x| {
    let (v, i) = x.max_pool2d_with_indices(PoolOpts::<2, 1, 1, 2>);
    (v, Some(i))
});
pool_test!(max_pool2d_unbatched: Rank3<3, 6, 7>, |x| {
    let (v, i) = x.max_pool2d_with_indices(PoolOpts::<2>);
    (v, Some(i))
});
pool_test!(avg_pool2d_k2: Rank4<2, 3, 9, 8>, |x| (x.avg_pool2d::<2>(), None));
pool_test!(avg_pool2d_k3_s2_p1: Rank4<2, 2, 9, 9>, |x| (x.avg_pool2d_with(PoolOpts::<3, 2, 1>), None));
pool_test!(adaptive_avg_pool2d_7x5_3x2: Rank4<2, 3, 7, 5>, |x| (x.adaptive_avg_pool2d::<3, 2>(), None));
pool_test!(adaptive_avg_pool2d_3x4_5x6: Rank4<1, 2, 3, 4>, |x| (x.adaptive_avg_pool2d::<5, 6>(), None));
// PyTorch computes a 1x1 adaptive average as `x.mean((-2, -1))`, a vectorised sum in another
// order than its windowed kernel (and ours): the same value to rounding, not bit for bit.
pool_test!(adaptive_avg_pool2d_global: Rank4<2, 4, 7, 7>, false, |x| (x.adaptive_avg_pool2d::<1, 1>(), None));

/// Every case in the goldens has a test here (a case added to the script without one would
/// otherwise go unchecked).
#[test]
fn every_golden_case_is_tested() {
    let source = include_str!("conv_parity.rs");
    for name in goldens().keys() {
        assert!(
            source.contains(&format!("{name}:")) || source.contains(&format!("\"{name}\"")),
            "golden case {name} has no test"
        );
    }
    let _ = Rank2::<1, 1>::default();
}
