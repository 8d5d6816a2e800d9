//! Finite-difference gradient checks for every differentiable op, through the public API.
//!
//! Each check builds `f64` inputs on the CPU, moves them to the device under test, computes
//! the analytic gradient there with `requires_grad_()`, `backward()` and `grad()`, and the
//! numeric one by central differences on the same device (each element perturbed by `±h`
//! and uploaded with `Tensor::from_vec_on`), and requires
//! `|analytic - numeric| <= tol * max(1, |numeric|)` element by element.
//!
//! The checks are one suite of functions `fn check<D: Device>(d: &D)`, instantiated for
//! every device as `tests/devices.rs` does (`tests/common/mod.rs`): `cpu::grad_add`,
//! `cuda::grad_add`, … with the same inputs (seeds), step and tolerance. Without a usable
//! GPU the `cuda` instances print that they are skipped and pass;
//! `TYPETENSOR_REQUIRE_CUDA=1` makes that a failure. `scripts/cuda/emu_rust_test.sh` runs
//! the `cuda` instances on the emulated driver.
//!
//! An op with a non-scalar output is checked twice: contracted with a fixed pseudo-random
//! weight of its shape (`(out * w).sum()`, so every output element matters with its own
//! weight), and plainly summed (`out.sum()`, whose gradient reaches the op as a broadcast,
//! stride-0 tensor). Inputs stay away from kinks: thresholds of `abs`/`relu`/`clamp`, ties
//! of `max`/`min`/`maximum`/`minimum`, non-positive values for `log`/`sqrt`/`pow(1.7)`.
//!
//! The last part checks autograd's semantics: accumulation, `zero_grad`, `no_grad`,
//! `detach`, `grad_fn` names and printing as PyTorch has them, in-place rules, errors, and
//! deep graphs. Those that compute on the device are in the suite; printing, the panicking
//! in-place rules, an untracked write through `numpy_mut`, the checker's self-test and the
//! 10 000-op graphs are properties of the device-independent graph code, checked on the CPU
//! only.
use typetensor::autograd::no_grad;
use typetensor::{
    ConstShape, Cpu, Cuda, Device, Dim, Infer, Rank0, Rank1, Rank2, Rank3, Rank4, Tensor,
    manual_seed, tensor,
};

mod common;

/// An `f64` tensor, on the CPU unless `D` says otherwise.
type T<S, D = Cpu> = Tensor<S, f64, D>;

/// The finite-difference step.
const H: f64 = 1e-6;
/// The allowed error, relative to `max(1, |numeric|)`.
const TOL: f64 = 1e-5;

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

/// Standard normal values for a tensor of shape `S` (seed with `manual_seed` first).
fn randn<S: ConstShape>() -> T<S> {
    T::randn()
}

/// `x` with `f` applied to its vector of values.
fn remap<S: ConstShape>(x: T<S>, f: impl FnOnce(&mut Vec<f64>)) -> T<S> {
    let mut v = x.to_vec();
    f(&mut v);
    constant(&v)
}

/// Normal values moved at least `margin` away from every point in `kinks`.
fn away_from<S: ConstShape>(kinks: &[f64], margin: f64) -> T<S> {
    remap(randn(), |v| {
        for x in v {
            for &k in kinks {
                if (*x - k).abs() < margin {
                    *x = if *x >= k { k + margin } else { k - margin };
                }
            }
        }
    })
}

/// Normal values at least 0.1 away from zero (for `abs`, `relu`, divisors).
fn nonzero<S: ConstShape>() -> T<S> {
    away_from(&[0.0], 0.1)
}

/// Values in `[0.5, ∞)` (for `log`, `sqrt`, `pow(1.7)`).
fn positive<S: ConstShape>() -> T<S> {
    remap(randn(), |v| v.iter_mut().for_each(|x| *x = x.abs() + 0.5))
}

/// Normal values, any two at least 0.05 apart (for `max`/`min` reductions).
fn distinct<S: ConstShape>() -> T<S> {
    remap(randn(), |v| {
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        for w in order.windows(2) {
            if v[w[1]] - v[w[0]] < 0.05 {
                v[w[1]] = v[w[0]] + 0.05;
            }
        }
    })
}

/// Normal values for `S`, each at least 0.1 away from the element of `other` it meets
/// when `other` broadcasts onto `S` from the right (for `maximum`/`minimum`).
fn apart_from<S: ConstShape, S2: ConstShape>(other: &T<S2>) -> T<S> {
    let other = other.to_vec();
    remap(randn(), |v| {
        for (i, x) in v.iter_mut().enumerate() {
            let o = other[i % other.len()];
            if (*x - o).abs() < 0.1 {
                *x = if *x >= o { o + 0.1 } else { o - 0.1 };
            }
        }
    })
}

/// A fixed pseudo-random weight of shape `S`: entries in `±[0.5, 1.5)`, from splitmix64
/// of the element's position, so every call gives the same tensor.
fn weight<S: ConstShape>() -> T<S> {
    T::from_fn(|i| {
        let mut z = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let magnitude = 0.5 + (z >> 11) as f64 / (1u64 << 53) as f64;
        if z & 1 == 0 { magnitude } else { -magnitude }
    })
}

/// `(out * w).sum()` with the fixed weight `w`: a scalar that every output element
/// affects with its own factor.
fn contract<S: ConstShape, D: Device>(out: T<S, D>) -> T<Rank0, D> {
    (&out * &weight::<S>().to_device(out.device())).sum()
}

fn constant<S: ConstShape>(v: &[f64]) -> T<S> {
    on(v, &Cpu)
}

/// A tensor holding `v` on device `d`.
fn on<S: ConstShape, D: Device>(v: &[f64], d: &D) -> T<S, D> {
    T::from_vec_on(v.to_vec(), d).expect("input length matches the shape")
}

// ---------------------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------------------

fn assert_close(what: &str, analytic: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(analytic.len(), expected.len(), "{what}: gradient length");
    let mut compared = 0;
    for (i, (&a, &n)) in analytic.iter().zip(expected).enumerate() {
        // NaN: a coordinate the sampled finite differences skipped (`numeric`).
        if n.is_nan() {
            continue;
        }
        compared += 1;
        assert!(
            (a - n).abs() <= tol * n.abs().max(1.0),
            "{what}: element {i}: analytic {a} vs expected {n}\n\
             analytic: {analytic:?}\nexpected: {expected:?}"
        );
    }
    assert!(
        compared > 0 || expected.is_empty(),
        "{what}: no coordinate compared"
    );
}

/// How many coordinates of each input the finite differences perturb: all of them, unless
/// `TYPETENSOR_GRADCHECK_SAMPLE=k` asks for `k` evenly spaced ones (first and last
/// included). CI sets it for the emulated CUDA device (scripts/cuda/emu_rust_test.sh), where
/// every forward evaluation is a series of emulated kernel launches: the backward is still
/// computed in full on the device and compared at those coordinates; the CPU run compares
/// every coordinate.
fn sampled_coordinates(n: usize) -> Vec<usize> {
    let k = std::env::var("TYPETENSOR_GRADCHECK_SAMPLE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&k| k >= 2);
    match k {
        Some(k) if k < n => {
            let mut idx: Vec<usize> = (0..k).map(|j| j * (n - 1) / (k - 1)).collect();
            idx.dedup();
            idx
        }
        _ => (0..n).collect(),
    }
}

/// Central differences of `f` at `x`, one element at a time (NaN at coordinates left out by
/// [`sampled_coordinates`]).
fn numeric(x: &[f64], h: f64, f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let mut out = vec![f64::NAN; x.len()];
    for i in sampled_coordinates(x.len()) {
        let mut plus = x.to_vec();
        plus[i] += h;
        let mut minus = x.to_vec();
        minus[i] -= h;
        out[i] = (f(&plus) - f(&minus)) / (2.0 * h);
    }
    out
}

fn analytic_grad<S: ConstShape, D: Device>(what: &str, x: &T<S, D>) -> Vec<f64> {
    x.grad()
        .unwrap_or_else(|| panic!("{what}: backward left no grad on an input"))
        .to_vec()
}

/// Checks `d f / d x` at `x` (moved to `d`) with step `h` and tolerance `tol`.
fn gradcheck1_with<S: ConstShape, D: Device>(
    d: &D,
    what: &str,
    h: f64,
    tol: f64,
    x: &T<S>,
    f: impl Fn(&T<S, D>) -> T<Rank0, D>,
) {
    let xt = x.to_device(d).requires_grad_();
    let out = f(&xt);
    assert!(
        out.requires_grad(),
        "{what}: the result is not in the graph"
    );
    out.backward();
    let analytic = analytic_grad(what, &xt);
    let num = numeric(&x.to_vec(), h, |v| f(&on::<S, D>(v, d)).item());
    assert_close(what, &analytic, &num, tol);
}

/// Checks `d f / d x` at `x` (moved to `d`).
fn gradcheck1<S: ConstShape, D: Device>(
    d: &D,
    what: &str,
    x: &T<S>,
    f: impl Fn(&T<S, D>) -> T<Rank0, D>,
) {
    gradcheck1_with(d, what, H, TOL, x, f);
}

/// Checks `d f / d a` and `d f / d b` at `(a, b)` (moved to `d`), both inputs requiring
/// grad at once.
fn gradcheck2<S1: ConstShape, S2: ConstShape, D: Device>(
    d: &D,
    what: &str,
    a: &T<S1>,
    b: &T<S2>,
    f: impl Fn(&T<S1, D>, &T<S2, D>) -> T<Rank0, D>,
) {
    let (a, b) = (a.to_device(d), b.to_device(d));
    let (at, bt) = (a.clone().requires_grad_(), b.clone().requires_grad_());
    let out = f(&at, &bt);
    assert!(
        out.requires_grad(),
        "{what}: the result is not in the graph"
    );
    out.backward();
    let (ga, gb) = (analytic_grad(what, &at), analytic_grad(what, &bt));
    let na = numeric(&a.to_vec(), H, |v| f(&on::<S1, D>(v, d), &b).item());
    let nb = numeric(&b.to_vec(), H, |v| f(&a, &on::<S2, D>(v, d)).item());
    assert_close(&format!("{what} (left operand)"), &ga, &na, TOL);
    assert_close(&format!("{what} (right operand)"), &gb, &nb, TOL);
}

/// Checks a one-input op of any output shape on `d`, contracted and plainly summed.
fn check_op1<S: ConstShape, SO: ConstShape, D: Device>(
    d: &D,
    what: &str,
    x: &T<S>,
    f: impl Fn(&T<S, D>) -> T<SO, D>,
) {
    gradcheck1(d, &format!("{what} (weighted sum)"), x, |x| contract(f(x)));
    gradcheck1(d, &format!("{what} (sum)"), x, |x| f(x).sum());
}

/// Checks a two-input op of any output shape on `d`, contracted and plainly summed.
fn check_op2<S1: ConstShape, S2: ConstShape, SO: ConstShape, D: Device>(
    d: &D,
    what: &str,
    a: &T<S1>,
    b: &T<S2>,
    f: impl Fn(&T<S1, D>, &T<S2, D>) -> T<SO, D>,
) {
    gradcheck2(d, &format!("{what} (weighted sum)"), a, b, |a, b| {
        contract(f(a, b))
    });
    gradcheck2(d, &format!("{what} (sum)"), a, b, |a, b| f(a, b).sum());
}

// ---------------------------------------------------------------------------------------
// A run-time batch: every op family's backward with dimension 0 a `DYN` size
// ---------------------------------------------------------------------------------------

/// Every family's gradient with a run-time (`DYN`) dimension 0: the inputs are re-typed
/// with `to_dyn::<0>()` inside the checked function and the result back to its static
/// shape, so the op and its backward run on shapes whose batch size is only known at run
/// time, and the finite differences compare them with the static answer's derivative.
fn grad_run_time_batch<D: Device>(d: &D) {
    type B<S, D> = T<S, D>;
    manual_seed(91);
    let (a, b) = (randn::<Rank2<3, 4>>(), nonzero::<Rank2<3, 4>>());
    let bias = randn::<Rank1<4>>();
    check_op2(d, "dyn add bias", &a, &bias, |a: &B<Rank2<3, 4>, D>, b| {
        a.to_dyn::<0>().add(b).into_shape::<Rank2<3, 4>>()
    });
    check_op2(
        d,
        "dyn sub",
        &a,
        &b,
        |a: &B<Rank2<3, 4>, D>, b: &B<Rank2<3, 4>, D>| {
            (&a.to_dyn::<0>() - &b.to_dyn::<0>()).into_shape::<Rank2<3, 4>>()
        },
    );
    check_op2(
        d,
        "dyn mul",
        &a,
        &b,
        |a: &B<Rank2<3, 4>, D>, b: &B<Rank2<3, 4>, D>| {
            (&a.to_dyn::<0>() * &b.to_dyn::<0>()).into_shape::<Rank2<3, 4>>()
        },
    );
    check_op2(
        d,
        "dyn div",
        &a,
        &b,
        |a: &B<Rank2<3, 4>, D>, b: &B<Rank2<3, 4>, D>| {
            (&a.to_dyn::<0>() / &b.to_dyn::<0>()).into_shape::<Rank2<3, 4>>()
        },
    );
    let w = randn::<Rank2<4, 5>>();
    check_op2(
        d,
        "dyn mm",
        &a,
        &w,
        |a: &B<Rank2<3, 4>, D>, w: &B<Rank2<4, 5>, D>| {
            a.to_dyn::<0>().mm(w).into_shape::<Rank2<3, 5>>()
        },
    );
    check_op2(
        d,
        "dyn batched matmul",
        &randn::<Rank3<2, 3, 4>>(),
        &randn::<Rank3<2, 4, 2>>(),
        |a: &B<Rank3<2, 3, 4>, D>, b: &B<Rank3<2, 4, 2>, D>| {
            a.to_dyn::<0>()
                .matmul(&b.to_dyn::<0>())
                .into_shape::<Rank3<2, 3, 2>>()
        },
    );
    check_op1(
        d,
        "dyn relu",
        &nonzero::<Rank2<3, 4>>(),
        |x: &B<Rank2<3, 4>, D>| x.to_dyn::<0>().relu().into_shape::<Rank2<3, 4>>(),
    );
    check_op1(d, "dyn exp", &a, |x: &B<Rank2<3, 4>, D>| {
        x.to_dyn::<0>().exp().into_shape::<Rank2<3, 4>>()
    });
    check_op1(d, "dyn sum_dim 0", &a, |x: &B<Rank2<3, 4>, D>| {
        x.to_dyn::<0>().sum_dim::<0>()
    });
    check_op1(d, "dyn mean_dim 1", &a, |x: &B<Rank2<3, 4>, D>| {
        x.to_dyn::<0>().mean_dim::<1>().into_shape::<Rank1<3>>()
    });
    check_op1(d, "dyn mean", &a, |x: &B<Rank2<3, 4>, D>| {
        x.to_dyn::<0>().mean()
    });
    check_op1(
        d,
        "dyn max_dim",
        &distinct::<Rank2<3, 4>>(),
        |x: &B<Rank2<3, 4>, D>| x.to_dyn::<0>().max_dim::<0>(),
    );
    check_op1(d, "dyn view", &a, |x: &B<Rank2<3, 4>, D>| {
        x.to_dyn::<0>()
            .view::<(Infer, Dim<2>)>()
            .into_shape::<Rank2<6, 2>>()
    });
    check_op1(d, "dyn flatten", &a, |x: &B<Rank2<3, 4>, D>| {
        x.to_dyn::<0>().flatten().into_shape::<Rank1<12>>()
    });
    check_op1(
        d,
        "dyn narrow and slice_from",
        &a,
        |x: &B<Rank2<3, 4>, D>| {
            let x = x.to_dyn::<0>();
            // A static length from a run-time dimension is static: re-typed to meet the slice.
            (&x.narrow::<0, 1, 2>().to_dyn::<0>() * &x.slice_from::<0, 1>())
                .into_shape::<Rank2<2, 4>>()
        },
    );
    check_op2(
        d,
        "dyn cat",
        &a,
        &randn::<Rank2<2, 4>>(),
        |a: &B<Rank2<3, 4>, D>, b| {
            a.to_dyn::<0>()
                .cat::<0, _>(&b.to_dyn::<0>())
                .into_shape::<Rank2<5, 4>>()
        },
    );
    let idx: Tensor<Rank1<4>, i64, D> = tensor([2i64, 0, 2, 1]).to_device(d);
    check_op1(d, "dyn index_select", &a, |x: &B<Rank2<3, 4>, D>| {
        x.to_dyn::<0>()
            .index_select::<0, 4>(&idx)
            .unwrap()
            .into_shape::<Rank2<4, 4>>()
    });
    check_op1(d, "dyn t", &a, |x: &B<Rank2<3, 4>, D>| {
        x.to_dyn::<0>().t().into_shape::<Rank2<4, 3>>()
    });
    check_op2(
        d,
        "dyn mse",
        &a,
        &b,
        |a: &B<Rank2<3, 4>, D>, b: &B<Rank2<3, 4>, D>| {
            (&a.to_dyn::<0>() - &b.to_dyn::<0>()).pow(2.0).mean()
        },
    );
}

// ---------------------------------------------------------------------------------------
// Elementwise binary ops
// ---------------------------------------------------------------------------------------

/// `a OP b` for equal shapes and every broadcast the shape rule allows, lower rank on
/// either side; `$rhs` makes the right operand's values (nonzero ones for `/`).
macro_rules! check_binary_broadcasts {
    ($d:ident, $op:tt, $rhs:ident; $($sa:ty, $sb:ty);* $(;)?) => {$(
        check_op2(
            $d,
            concat!(stringify!($sa), " ", stringify!($op), " ", stringify!($sb)),
            &randn::<$sa>(),
            &$rhs::<$sb>(),
            |a: &T<$sa, D>, b: &T<$sb, D>| a $op b,
        );
    )*};
}

macro_rules! check_binary {
    ($d:ident, $op:tt, $rhs:ident) => {
        check_binary_broadcasts!($d, $op, $rhs;
            Rank2<3, 4>, Rank2<3, 4>;
            Rank2<3, 4>, Rank1<4>;
            Rank1<4>, Rank2<3, 4>;
            Rank2<3, 4>, Rank0;
            Rank0, Rank2<3, 4>;
            Rank3<2, 3, 4>, Rank2<3, 4>;
            Rank2<3, 4>, Rank3<2, 3, 4>;
            Rank3<2, 3, 4>, Rank1<4>;
            Rank1<4>, Rank3<2, 3, 4>;
            Rank0, Rank0;
        );
    };
}

fn grad_add<D: Device>(d: &D) {
    manual_seed(1);
    check_binary!(d, +, randn);
}

fn grad_sub<D: Device>(d: &D) {
    manual_seed(2);
    check_binary!(d, -, randn);
}

fn grad_mul<D: Device>(d: &D) {
    manual_seed(3);
    check_binary!(d, *, randn);
}

fn grad_div<D: Device>(d: &D) {
    manual_seed(4);
    check_binary!(d, /, nonzero);
}

fn grad_binary_with_one_operand_not_requiring_grad<D: Device>(d: &D) {
    manual_seed(5);
    let c = nonzero::<Rank1<4>>().to_device(d);
    let x = randn::<Rank2<3, 4>>();
    gradcheck1(d, "x + c", &x, |x| contract(x + &c));
    gradcheck1(d, "c - x", &x, |x| contract(&c - x));
    gradcheck1(d, "c * x", &x, |x| contract(&c * x));
    gradcheck1(d, "x / c", &x, |x| contract(x / &c));
    let divisor = nonzero::<Rank1<4>>();
    let m = T::<Rank2<3, 4>>::randn().to_device(d);
    gradcheck1(d, "m / d", &divisor, |divisor| contract(&m / divisor));
}

#[expect(clippy::eq_op, reason = "one tensor as both operands is the point")]
fn grad_same_tensor_twice<D: Device>(d: &D) {
    manual_seed(6);
    let x = nonzero::<Rank2<3, 4>>();
    check_op1(d, "x * x", &x, |x| x * x);
    check_op1(d, "x + x", &x, |x| x + x);
    check_op1(d, "x - x", &x, |x| x - x);
    check_op1(d, "x / x", &x, |x| x / x);
    check_op1(d, "x.mm(x.t())", &x, |x| x.mm(&x.t()));
    check_op1(d, "cat(x, x)", &x, |x| x.cat::<0, _>(x));
    check_op1(d, "x.maximum(x)", &x, |x| x.maximum(x));
    check_op1(d, "x.where_(c, x)", &x, |x| x.where_(&x.gt_scalar(0.0), x));
}

fn grad_tensor_used_by_several_ops<D: Device>(d: &D) {
    manual_seed(7);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "exp(x) * 2.5x + tanh(x) - x.sum()", &x, |x| {
        let a = x.exp();
        let b = x * 2.5;
        let c = x.tanh();
        &(&(&a * &b) + &c) - &x.sum()
    });
    // A shared intermediate (not a leaf): its users' gradients must be summed before it
    // passes them on.
    check_op1(d, "h = exp(x); h * tanh(h) + h.mean_dim::<0>()", &x, |x| {
        let h = (x * 0.5).exp();
        let r = &(&h * &h.tanh()) + &h.mean_dim::<0>();
        &r * &h.sigmoid()
    });
}

fn grad_maximum<D: Device>(d: &D) {
    manual_seed(8);
    let b = randn::<Rank2<3, 4>>();
    check_op2(
        d,
        "maximum",
        &apart_from::<Rank2<3, 4>, _>(&b),
        &b,
        |a, b| a.maximum(b),
    );
    let b = randn::<Rank1<4>>();
    check_op2(
        d,
        "maximum, Rank1 broadcast",
        &apart_from::<Rank2<3, 4>, _>(&b),
        &b,
        |a: &T<Rank2<3, 4>, D>, b: &T<Rank1<4>, D>| a.maximum(b),
    );
    let a = randn::<Rank0>();
    check_op2(
        d,
        "maximum, Rank0 on the left",
        &a,
        &apart_from::<Rank2<3, 4>, _>(&a),
        |a: &T<Rank0, D>, b: &T<Rank2<3, 4>, D>| a.maximum(b),
    );
}

fn grad_minimum<D: Device>(d: &D) {
    manual_seed(9);
    let b = randn::<Rank2<3, 4>>();
    check_op2(
        d,
        "minimum",
        &apart_from::<Rank2<3, 4>, _>(&b),
        &b,
        |a, b| a.minimum(b),
    );
    let b = randn::<Rank1<4>>();
    check_op2(
        d,
        "minimum, Rank1 broadcast",
        &apart_from::<Rank2<3, 4>, _>(&b),
        &b,
        |a: &T<Rank2<3, 4>, D>, b: &T<Rank1<4>, D>| a.minimum(b),
    );
    let a = randn::<Rank0>();
    check_op2(
        d,
        "minimum, Rank0 on the left",
        &a,
        &apart_from::<Rank2<3, 4>, _>(&a),
        |a: &T<Rank0, D>, b: &T<Rank2<3, 4>, D>| a.minimum(b),
    );
}

fn maximum_minimum_split_a_tie_as_pytorch<D: Device>(d: &D) {
    let a = tensor([1.0, 5.0, 2.0]).to_device(d).requires_grad_();
    let b = tensor([1.0, 3.0, 4.0]).to_device(d).requires_grad_();
    a.maximum(&b).sum().backward();
    assert_close(
        "maximum tie, a",
        &a.grad().unwrap().to_vec(),
        &[0.5, 1.0, 0.0],
        0.0,
    );
    assert_close(
        "maximum tie, b",
        &b.grad().unwrap().to_vec(),
        &[0.5, 0.0, 1.0],
        0.0,
    );
    a.zero_grad();
    b.zero_grad();
    a.minimum(&b).sum().backward();
    assert_close(
        "minimum tie, a",
        &a.grad().unwrap().to_vec(),
        &[0.5, 0.0, 1.0],
        0.0,
    );
    assert_close(
        "minimum tie, b",
        &b.grad().unwrap().to_vec(),
        &[0.5, 1.0, 0.0],
        0.0,
    );
}

// ---------------------------------------------------------------------------------------
// Scalar operands
// ---------------------------------------------------------------------------------------

fn grad_mul_scalar<D: Device>(d: &D) {
    manual_seed(10);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "x * 2.5", &x, |x| x * 2.5);
    check_op1(d, "2.5 * x", &x, |x| 2.5 * x);
    check_op1(d, "x.mul_scalar(-1.5)", &x, |x| x.mul_scalar(-1.5));
}

fn grad_add_scalar<D: Device>(d: &D) {
    manual_seed(11);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "x + 1.0", &x, |x| x + 1.0);
    check_op1(d, "1.0 + x", &x, |x| 1.0 + x);
    check_op1(d, "x.add_scalar(-2.0)", &x, |x| x.add_scalar(-2.0));
}

fn grad_sub_scalar<D: Device>(d: &D) {
    manual_seed(12);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "2.5 - x", &x, |x| 2.5 - x);
    check_op1(d, "x - 2.5", &x, |x| x - 2.5);
    check_op1(d, "x.sub_scalar(2.5)", &x, |x| x.sub_scalar(2.5));
}

fn grad_div_scalar<D: Device>(d: &D) {
    manual_seed(13);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "x / 3.0", &x, |x| x / 3.0);
    check_op1(d, "x.div_scalar(-0.5)", &x, |x| x.div_scalar(-0.5));
}

fn grad_scalar_div<D: Device>(d: &D) {
    manual_seed(14);
    let x = away_from::<Rank2<3, 4>>(&[0.0], 0.3);
    check_op1(d, "3.0 / x", &x, |x| 3.0 / x);
    check_op1(d, "-1.5 / x", &x, |x| -1.5 / x);
}

// ---------------------------------------------------------------------------------------
// Elementwise unary ops
// ---------------------------------------------------------------------------------------

fn grad_neg<D: Device>(d: &D) {
    manual_seed(15);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "-x", &x, |x| -x);
    check_op1(d, "x.neg()", &x, |x| x.neg());
}

fn grad_abs<D: Device>(d: &D) {
    manual_seed(16);
    check_op1(d, "abs", &nonzero::<Rank2<3, 4>>(), |x| x.abs());
}

fn grad_clamp<D: Device>(d: &D) {
    manual_seed(17);
    let x = away_from::<Rank2<4, 5>>(&[-0.5, -0.3, 0.0, 0.4, 0.5], 0.05);
    check_op1(d, "clamp(min=-0.3)", &x, |x| x.clamp(Some(-0.3), None));
    check_op1(d, "clamp_min(0.0)", &x, |x| x.clamp_min(0.0));
    check_op1(d, "clamp(max=0.4)", &x, |x| x.clamp(None, Some(0.4)));
    check_op1(d, "clamp_max(0.0)", &x, |x| x.clamp_max(0.0));
    check_op1(d, "clamp(-0.5, 0.5)", &x, |x| {
        x.clamp(Some(-0.5), Some(0.5))
    });
    // Both regions are exercised: some elements pass, some are clamped.
    let inside = x.to_vec().iter().filter(|v| v.abs() < 0.5).count();
    assert!(inside > 0 && inside < x.numel());
}

fn grad_relu<D: Device>(d: &D) {
    manual_seed(18);
    check_op1(d, "relu", &nonzero::<Rank2<3, 4>>(), |x| x.relu());
}

fn grad_exp<D: Device>(d: &D) {
    manual_seed(19);
    check_op1(d, "exp", &randn::<Rank2<3, 4>>(), |x| x.exp());
}

fn grad_log<D: Device>(d: &D) {
    manual_seed(20);
    check_op1(d, "log", &positive::<Rank2<3, 4>>(), |x| x.log());
}

fn grad_sqrt<D: Device>(d: &D) {
    manual_seed(21);
    check_op1(d, "sqrt", &positive::<Rank2<3, 4>>(), |x| x.sqrt());
}

fn grad_pow<D: Device>(d: &D) {
    manual_seed(22);
    check_op1(d, "pow(2.0)", &randn::<Rank2<3, 4>>(), |x| x.pow(2.0));
    check_op1(d, "pow(3.0)", &randn::<Rank2<3, 4>>(), |x| x.pow(3.0));
    let p = positive::<Rank2<3, 4>>();
    check_op1(d, "pow(1.7)", &p, |x| x.pow(1.7));
    check_op1(d, "pow(-0.5)", &p, |x| x.pow(-0.5));
}

fn grad_sigmoid<D: Device>(d: &D) {
    manual_seed(23);
    check_op1(d, "sigmoid", &randn::<Rank2<3, 4>>(), |x| x.sigmoid());
}

fn grad_tanh<D: Device>(d: &D) {
    manual_seed(24);
    check_op1(d, "tanh", &randn::<Rank2<3, 4>>(), |x| x.tanh());
}

fn grad_trig_and_exp_family<D: Device>(d: &D) {
    manual_seed(80);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "sin", &x, |x| x.sin());
    check_op1(d, "cos", &x, |x| x.cos());
    check_op1(d, "exp2", &x, |x| x.exp2());
    check_op1(d, "expm1", &x, |x| x.expm1());
    // log1p needs x > -1; rsqrt x > 0.
    let p = positive::<Rank2<3, 4>>();
    check_op1(
        d,
        "log1p",
        &remap(p.clone(), |v| v.iter_mut().for_each(|x| *x -= 1.2)),
        |x| x.log1p(),
    );
    check_op1(d, "rsqrt", &p, |x| x.rsqrt());
}

fn grad_piecewise_constant_is_zero<D: Device>(d: &D) {
    manual_seed(81);
    // Away from the jumps (integers, halves, zero), where the numeric gradient is 0 too.
    let x = remap(randn::<Rank2<3, 4>>(), |v| {
        v.iter_mut()
            .for_each(|x| *x = (*x * 3.0).floor() + 0.2 + 0.1 * x.abs().fract())
    });
    check_op1(d, "sign", &x, |x| x.sign());
    check_op1(d, "floor", &x, |x| x.floor());
    check_op1(d, "round", &x, |x| x.round());
}

fn grad_gelu_leaky_relu<D: Device>(d: &D) {
    use typetensor::nn::functional::{self as F, GeluApproximate};
    manual_seed(82);
    let x = remap(randn::<Rank2<3, 4>>(), |v| {
        v.iter_mut().for_each(|x| *x *= 3.0)
    });
    check_op1(d, "gelu", &x, |x| F::gelu(x));
    check_op1(d, "gelu tanh", &x, |x| {
        F::gelu_with(x, GeluApproximate::Tanh)
    });
    check_op1(d, "leaky_relu", &nonzero::<Rank2<3, 4>>(), |x| {
        F::leaky_relu(x, 0.1)
    });
}

fn grad_softmax_family<D: Device>(d: &D) {
    manual_seed(83);
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1(d, "softmax(0)", &x, |x| x.softmax::<0>());
    check_op1(d, "softmax(1)", &x, |x| x.softmax::<1>());
    check_op1(d, "softmax(2)", &x, |x| x.softmax::<2>());
    check_op1(d, "log_softmax(0)", &x, |x| x.log_softmax::<0>());
    check_op1(d, "log_softmax(2)", &x, |x| x.log_softmax::<2>());
    check_op1(d, "logsumexp(1)", &x, |x| x.logsumexp::<1>());
    check_op1(d, "logsumexp(2)", &x, |x| x.logsumexp::<2>());
    // Of a transposed view (strided input and gradient).
    check_op1(d, "softmax of a transpose", &x, |x| {
        x.transpose::<0, 2>().softmax::<1>()
    });
    check_op1(d, "log_softmax of a vector", &randn::<Rank1<5>>(), |x| {
        x.log_softmax::<0>()
    });
}

fn grad_classification_losses<D: Device>(d: &D) {
    use typetensor::nn::Reduction;
    use typetensor::nn::functional::{self as F, ClassOpts};
    manual_seed(85);
    let x = randn::<Rank2<4, 5>>();
    let t = tensor([3i64, -100, 0, 4]).to_device(d);
    let smooth = ClassOpts::new().label_smoothing(0.2);
    check_op1(d, "cross_entropy mean", &x, |x| {
        F::cross_entropy(x, &tensor([3i64, 1, 0, 4]).to_device(d))
    });
    gradcheck1(d, "cross_entropy ignore_index, smoothing", &x, |x| {
        F::cross_entropy_with(x, &t, Reduction::Mean, smooth)
    });
    let t0 = tensor([3i64, 0, 1, 4]).to_device(d);
    gradcheck1(d, "cross_entropy sum, ignore_index=0", &x, |x| {
        F::cross_entropy_with(x, &t0, Reduction::Sum, smooth.ignore_index(0))
    });
    check_op1(d, "cross_entropy none", &x, |x| {
        F::cross_entropy_none(x, &t, smooth)
    });
    let x3 = randn::<Rank3<2, 3, 2>>();
    let t3 = tensor([[0i64, 2], [1, -100]]).to_device(d);
    gradcheck1(d, "cross_entropy [N, C, d1]", &x3, |x| {
        F::cross_entropy(x, &t3)
    });
    gradcheck1(d, "nll_loss", &x, |x| {
        F::nll_loss(&x.log_softmax::<1>(), &t)
    });
    let p = randn::<Rank2<4, 5>>().softmax::<1>();
    check_op2(d, "cross_entropy probabilities", &x, &p, |x, p| {
        F::cross_entropy_probs_none(x, p, 0.1)
    });
}

fn grad_regression_and_bce_losses<D: Device>(d: &D) {
    use typetensor::nn::Reduction;
    use typetensor::nn::functional as F;
    manual_seed(86);
    let x = remap(randn::<Rank2<3, 4>>(), |v| {
        v.iter_mut().for_each(|x| *x *= 3.0)
    });
    let y = randn::<Rank2<3, 4>>().sigmoid();
    let w = positive::<Rank1<4>>().to_device(d);
    check_op2(d, "bce with logits", &x, &y, |x, y| {
        F::binary_cross_entropy_with_logits_none::<_, Rank0, _, _>(x, y, None)
    });
    check_op2(d, "bce with logits, pos_weight", &x, &y, |x, y| {
        F::binary_cross_entropy_with_logits_none(x, y, Some(&w))
    });
    gradcheck2(d, "bce with logits, sum", &x, &y, |x, y| {
        F::binary_cross_entropy_with_logits_with(x, y, Reduction::Sum, Some(&w))
    });
    // Inputs and targets at least 0.1 apart, and |d| away from beta = delta = 1.
    let t = apart_from::<Rank2<3, 4>, _>(&x);
    let t = remap(t, |v| {
        let xs = x.to_vec();
        for (i, e) in v.iter_mut().enumerate() {
            if ((*e - xs[i]).abs() - 1.0).abs() < 0.1 {
                *e += 0.3;
            }
        }
    });
    check_op2(d, "l1_loss", &x, &t, |x, t| F::l1_loss_none(x, t));
    check_op2(d, "smooth_l1_loss", &x, &t, |x, t| {
        F::smooth_l1_loss_none(x, t, 1.0)
    });
    check_op2(d, "huber_loss", &x, &t, |x, t| {
        F::huber_loss_none(x, t, 1.0)
    });
    gradcheck2(d, "l1_loss mean", &x, &t, |x, t| F::l1_loss(x, t));
}

fn grad_dropout<D: Device>(d: &D) {
    use typetensor::nn::functional as F;
    let x = randn::<Rank2<3, 4>>();
    // The same seed before each evaluation: the same mask for every finite difference.
    check_op1(d, "dropout", &x, |x| {
        manual_seed(87);
        F::dropout(x, 0.4, true)
    });
}

// ---------------------------------------------------------------------------------------
// Matrix products
// ---------------------------------------------------------------------------------------

fn grad_mm<D: Device>(d: &D) {
    manual_seed(25);
    check_op2(
        d,
        "mm",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank2<4, 5>>(),
        |a: &T<Rank2<3, 4>, D>, b: &T<Rank2<4, 5>, D>| a.mm(b),
    );
}

fn grad_mm_of_views<D: Device>(d: &D) {
    manual_seed(63);
    check_op2(
        d,
        "narrowed and sliced operands",
        &randn::<Rank2<5, 4>>(),
        &randn::<Rank2<4, 6>>(),
        |a: &T<Rank2<5, 4>, D>, b: &T<Rank2<4, 6>, D>| {
            a.narrow::<0, 1, 3>().mm(&b.slice_from::<1, 2>())
        },
    );
    check_op2(
        d,
        "expanded operand",
        &randn::<Rank2<3, 1>>(),
        &randn::<Rank2<4, 2>>(),
        |a: &T<Rank2<3, 1>, D>, b: &T<Rank2<4, 2>, D>| a.expand_dim::<1, 4>().mm(b),
    );
    check_op2(
        d,
        "expanded batch",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank3<2, 4, 2>>(),
        |a: &T<Rank2<3, 4>, D>, b: &T<Rank3<2, 4, 2>, D>| {
            a.unsqueeze::<0>().expand_dim::<0, 2>().matmul(b)
        },
    );
}

fn grad_mm_transposed_operands<D: Device>(d: &D) {
    manual_seed(26);
    check_op2(
        d,
        "a.t().mm(b)",
        &randn::<Rank2<4, 3>>(),
        &randn::<Rank2<4, 5>>(),
        |a: &T<Rank2<4, 3>, D>, b: &T<Rank2<4, 5>, D>| a.t().mm(b),
    );
    check_op2(
        d,
        "a.mm(b.t())",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank2<5, 4>>(),
        |a: &T<Rank2<3, 4>, D>, b: &T<Rank2<5, 4>, D>| a.mm(&b.t()),
    );
    check_op2(
        d,
        "a.t().mm(b.t())",
        &randn::<Rank2<4, 3>>(),
        &randn::<Rank2<5, 4>>(),
        |a: &T<Rank2<4, 3>, D>, b: &T<Rank2<5, 4>, D>| a.t().mm(&b.t()),
    );
}

fn grad_matmul_vector_vector<D: Device>(d: &D) {
    manual_seed(27);
    check_op2(
        d,
        "dot",
        &randn::<Rank1<5>>(),
        &randn::<Rank1<5>>(),
        |a: &T<Rank1<5>, D>, b: &T<Rank1<5>, D>| a.matmul(b),
    );
}

fn grad_matmul_matrix_vector<D: Device>(d: &D) {
    manual_seed(28);
    check_op2(
        d,
        "mv",
        &randn::<Rank2<3, 5>>(),
        &randn::<Rank1<5>>(),
        |a: &T<Rank2<3, 5>, D>, b: &T<Rank1<5>, D>| a.matmul(b),
    );
    check_op2(
        d,
        "mv, transposed matrix",
        &randn::<Rank2<5, 3>>(),
        &randn::<Rank1<5>>(),
        |a: &T<Rank2<5, 3>, D>, b: &T<Rank1<5>, D>| a.t().matmul(b),
    );
}

fn grad_matmul_vector_matrix<D: Device>(d: &D) {
    manual_seed(29);
    check_op2(
        d,
        "vector @ matrix",
        &randn::<Rank1<5>>(),
        &randn::<Rank2<5, 3>>(),
        |a: &T<Rank1<5>, D>, b: &T<Rank2<5, 3>, D>| a.matmul(b),
    );
}

fn grad_matmul_matrix_matrix<D: Device>(d: &D) {
    manual_seed(30);
    check_op2(
        d,
        "matrix @ matrix",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank2<4, 2>>(),
        |a: &T<Rank2<3, 4>, D>, b: &T<Rank2<4, 2>, D>| a.matmul(b),
    );
}

fn grad_matmul_batched<D: Device>(d: &D) {
    manual_seed(31);
    check_op2(
        d,
        "Rank3 @ Rank3",
        &randn::<Rank3<2, 3, 4>>(),
        &randn::<Rank3<2, 4, 5>>(),
        |a: &T<Rank3<2, 3, 4>, D>, b: &T<Rank3<2, 4, 5>, D>| a.matmul(b),
    );
    check_op2(
        d,
        "Rank3 @ transposed Rank3",
        &randn::<Rank3<2, 3, 4>>(),
        &randn::<Rank3<2, 5, 4>>(),
        |a: &T<Rank3<2, 3, 4>, D>, b: &T<Rank3<2, 5, 4>, D>| a.matmul(&b.transpose::<1, 2>()),
    );
    check_op2(
        d,
        "Rank4 @ Rank4",
        &randn::<Rank4<2, 2, 3, 4>>(),
        &randn::<Rank4<2, 2, 4, 2>>(),
        |a: &T<Rank4<2, 2, 3, 4>, D>, b: &T<Rank4<2, 2, 4, 2>, D>| a.matmul(b),
    );
}

fn grad_matmul_broadcast_batch<D: Device>(d: &D) {
    manual_seed(32);
    check_op2(
        d,
        "Rank3 @ Rank2",
        &randn::<Rank3<2, 3, 4>>(),
        &randn::<Rank2<4, 5>>(),
        |a: &T<Rank3<2, 3, 4>, D>, b: &T<Rank2<4, 5>, D>| a.matmul(b),
    );
    check_op2(
        d,
        "Rank2 @ Rank3",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank3<2, 4, 5>>(),
        |a: &T<Rank2<3, 4>, D>, b: &T<Rank3<2, 4, 5>, D>| a.matmul(b),
    );
    check_op2(
        d,
        "Rank3 @ Rank1",
        &randn::<Rank3<2, 3, 4>>(),
        &randn::<Rank1<4>>(),
        |a: &T<Rank3<2, 3, 4>, D>, b: &T<Rank1<4>, D>| a.matmul(b),
    );
    check_op2(
        d,
        "Rank4 @ Rank2",
        &randn::<Rank4<2, 2, 3, 4>>(),
        &randn::<Rank2<4, 2>>(),
        |a: &T<Rank4<2, 2, 3, 4>, D>, b: &T<Rank2<4, 2>, D>| a.matmul(b),
    );
}

// ---------------------------------------------------------------------------------------
// Reductions
// ---------------------------------------------------------------------------------------

fn grad_sum<D: Device>(d: &D) {
    manual_seed(33);
    gradcheck1(
        d,
        "sum",
        &randn::<Rank2<3, 4>>(),
        |x: &T<Rank2<3, 4>, D>| x.sum(),
    );
    gradcheck1(d, "(x * w).sum()", &randn::<Rank3<2, 3, 4>>(), |x| {
        contract::<Rank3<2, 3, 4>, D>(x.clone())
    });
    gradcheck1(d, "x.t().exp().sum()", &randn::<Rank2<3, 4>>(), |x| {
        x.t().exp().sum()
    });
}

fn grad_sum_dim<D: Device>(d: &D) {
    manual_seed(34);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "sum_dim::<0>", &x, |x| x.sum_dim::<0>());
    check_op1(d, "sum_dim::<1>", &x, |x| x.sum_dim::<1>());
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1(d, "Rank3 sum_dim::<0>", &x, |x| x.sum_dim::<0>());
    check_op1(d, "Rank3 sum_dim::<1>", &x, |x| x.sum_dim::<1>());
    check_op1(d, "Rank3 sum_dim::<2>", &x, |x| x.sum_dim::<2>());
}

fn grad_sum_dim_keepdim<D: Device>(d: &D) {
    manual_seed(35);
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1(d, "sum_dim_keepdim::<0>", &x, |x| x.sum_dim_keepdim::<0>());
    check_op1(d, "sum_dim_keepdim::<1>", &x, |x| x.sum_dim_keepdim::<1>());
    check_op1(d, "sum_dim_keepdim::<2>", &x, |x| x.sum_dim_keepdim::<2>());
}

fn grad_mean<D: Device>(d: &D) {
    manual_seed(36);
    gradcheck1(
        d,
        "mean",
        &randn::<Rank2<3, 4>>(),
        |x: &T<Rank2<3, 4>, D>| x.mean(),
    );
    gradcheck1(d, "(x * x).mean()", &randn::<Rank3<2, 3, 4>>(), |x| {
        (x * x).mean()
    });
}

fn grad_mean_dim<D: Device>(d: &D) {
    manual_seed(37);
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1(d, "mean_dim::<0>", &x, |x| x.mean_dim::<0>());
    check_op1(d, "mean_dim::<1>", &x, |x| x.mean_dim::<1>());
    check_op1(d, "mean_dim::<2>", &x, |x| x.mean_dim::<2>());
}

fn grad_mean_dim_keepdim<D: Device>(d: &D) {
    manual_seed(38);
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1(d, "mean_dim_keepdim::<0>", &x, |x| {
        x.mean_dim_keepdim::<0>()
    });
    check_op1(d, "mean_dim_keepdim::<1>", &x, |x| {
        x.mean_dim_keepdim::<1>()
    });
    check_op1(d, "mean_dim_keepdim::<2>", &x, |x| {
        x.mean_dim_keepdim::<2>()
    });
}

fn grad_max<D: Device>(d: &D) {
    manual_seed(39);
    gradcheck1(
        d,
        "max",
        &distinct::<Rank2<3, 4>>(),
        |x: &T<Rank2<3, 4>, D>| x.max(),
    );
    gradcheck1(d, "(x * 2).max()", &distinct::<Rank3<2, 3, 4>>(), |x| {
        (x * 2.0).max()
    });
}

fn grad_min<D: Device>(d: &D) {
    manual_seed(40);
    gradcheck1(
        d,
        "min",
        &distinct::<Rank2<3, 4>>(),
        |x: &T<Rank2<3, 4>, D>| x.min(),
    );
    gradcheck1(d, "(x * 2).min()", &distinct::<Rank3<2, 3, 4>>(), |x| {
        (x * 2.0).min()
    });
}

fn grad_max_dim<D: Device>(d: &D) {
    manual_seed(41);
    let x = distinct::<Rank3<2, 3, 4>>();
    check_op1(d, "max_dim::<0>", &x, |x| x.max_dim::<0>());
    check_op1(d, "max_dim::<1>", &x, |x| x.max_dim::<1>());
    check_op1(d, "max_dim::<2>", &x, |x| x.max_dim::<2>());
    check_op1(d, "max_dim of a permute", &x, |x| {
        x.permute::<2, 0, 1>().max_dim::<1>()
    });
}

fn grad_min_dim<D: Device>(d: &D) {
    manual_seed(42);
    let x = distinct::<Rank3<2, 3, 4>>();
    check_op1(d, "min_dim::<0>", &x, |x| x.min_dim::<0>());
    check_op1(d, "min_dim::<1>", &x, |x| x.min_dim::<1>());
    check_op1(d, "min_dim::<2>", &x, |x| x.min_dim::<2>());
}

fn grad_max_dim_keepdim<D: Device>(d: &D) {
    manual_seed(43);
    let x = distinct::<Rank3<2, 3, 4>>();
    check_op1(d, "max_dim_keepdim::<0>", &x, |x| x.max_dim_keepdim::<0>());
    check_op1(d, "max_dim_keepdim::<1>", &x, |x| x.max_dim_keepdim::<1>());
    check_op1(d, "max_dim_keepdim::<2>", &x, |x| x.max_dim_keepdim::<2>());
}

fn max_min_share_the_gradient_among_ties<D: Device>(d: &D) {
    let x = tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]])
        .to_device(d)
        .requires_grad_();
    x.max().backward();
    assert_close(
        "max ties",
        &x.grad().unwrap().to_vec(),
        &[0.0, 0.5, 0.5, 0.0, 0.0, 0.0],
        0.0,
    );
    x.zero_grad();
    x.max_dim::<1>().sum().backward();
    assert_close(
        "max_dim ties",
        &x.grad().unwrap().to_vec(),
        &[0.0, 0.5, 0.5, 0.5, 0.0, 0.5],
        0.0,
    );
}

// ---------------------------------------------------------------------------------------
// Reshapes and reorders
// ---------------------------------------------------------------------------------------

fn grad_view<D: Device>(d: &D) {
    manual_seed(44);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "view Rank1<12>", &x, |x| x.view::<Rank1<12>>());
    check_op1(d, "view Rank3<2, 3, 2>", &x, |x| x.view::<Rank3<2, 3, 2>>());
    check_op1(d, "view (Infer, 6)", &x, |x| x.view::<(Infer, Dim<6>)>());
    check_op1(d, "view (2, Infer, 3)", &x, |x| {
        x.view::<(Dim<2>, Infer, Dim<3>)>()
    });
    check_op1(d, "view then exp", &x, |x| x.view::<Rank2<6, 2>>().exp());
}

fn grad_reshape_of_transposed<D: Device>(d: &D) {
    manual_seed(45);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "x.t().reshape Rank1<12>", &x, |x| {
        x.t().reshape::<Rank1<12>>()
    });
    check_op1(d, "x.t().reshape (Infer, 2)", &x, |x| {
        x.t().reshape::<(Infer, Dim<2>)>()
    });
    check_op1(d, "x.t().view Rank2<2, 6>", &x, |x| {
        x.t().view::<Rank2<2, 6>>()
    });
}

fn grad_flatten<D: Device>(d: &D) {
    manual_seed(46);
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1(d, "flatten", &x, |x| x.flatten());
    check_op1(d, "permute then flatten", &x, |x| {
        x.permute::<2, 0, 1>().flatten()
    });
}

fn grad_unsqueeze<D: Device>(d: &D) {
    manual_seed(47);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "unsqueeze::<0>", &x, |x| x.unsqueeze::<0>());
    check_op1(d, "unsqueeze::<1>", &x, |x| x.unsqueeze::<1>());
    check_op1(d, "unsqueeze::<2>", &x, |x| x.unsqueeze::<2>());
    check_op1(d, "t().unsqueeze::<1>", &x, |x| x.t().unsqueeze::<1>());
}

fn grad_expand_dim<D: Device>(d: &D) {
    manual_seed(48);
    check_op1(d, "expand_dim::<1, 4>", &randn::<Rank2<3, 1>>(), |x| {
        x.expand_dim::<1, 4>()
    });
    check_op1(
        d,
        "unsqueeze::<0>().expand_dim::<0, 3>",
        &randn::<Rank1<4>>(),
        |x| x.unsqueeze::<0>().expand_dim::<0, 3>(),
    );
    check_op1(d, "expand then exp", &randn::<Rank3<2, 1, 3>>(), |x| {
        x.expand_dim::<1, 4>().exp()
    });
}

fn grad_view_any<D: Device>(d: &D) {
    manual_seed(49);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "view_any Rank2<2, 6>", &x, |x| {
        x.view_any::<Rank2<2, 6>>()
    });
    check_op1(d, "t().view_any Rank1<12>", &x, |x| {
        x.t().view_any::<Rank1<12>>()
    });
}

fn grad_t<D: Device>(d: &D) {
    manual_seed(50);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "t", &x, |x| x.t());
    check_op1(d, "t().t()", &x, |x| x.t().t());
    check_op1(d, "t() * t()", &x, |x| &x.t() * &x.t().exp());
}

fn grad_transpose<D: Device>(d: &D) {
    manual_seed(51);
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1(d, "transpose::<0, 1>", &x, |x| x.transpose::<0, 1>());
    check_op1(d, "transpose::<0, 2>", &x, |x| x.transpose::<0, 2>());
    check_op1(d, "transpose::<1, 2>", &x, |x| x.transpose::<1, 2>());
    check_op1(d, "transpose::<2, 1>", &x, |x| x.transpose::<2, 1>());
}

fn grad_permute<D: Device>(d: &D) {
    manual_seed(52);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "Rank2 permute::<1, 0>", &x, |x| x.permute::<1, 0>());
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1(d, "permute::<2, 0, 1>", &x, |x| x.permute::<2, 0, 1>());
    check_op1(d, "permute::<1, 2, 0>", &x, |x| x.permute::<1, 2, 0>());
    check_op1(d, "permute::<0, 2, 1>", &x, |x| x.permute::<0, 2, 1>());
    let x = randn::<Rank4<2, 3, 2, 4>>();
    check_op1(d, "permute::<3, 1, 0, 2>", &x, |x| {
        x.permute::<3, 1, 0, 2>()
    });
    check_op1(d, "permute::<1, 3, 2, 0>", &x, |x| {
        x.permute::<1, 3, 2, 0>()
    });
    check_op1(d, "permute twice", &x, |x| {
        x.permute::<1, 3, 2, 0>().permute::<2, 0, 3, 1>()
    });
}

// ---------------------------------------------------------------------------------------
// Indexing
// ---------------------------------------------------------------------------------------

fn grad_narrow<D: Device>(d: &D) {
    manual_seed(53);
    let x = randn::<Rank2<5, 4>>();
    check_op1(d, "narrow::<0, 1, 3>", &x, |x| x.narrow::<0, 1, 3>());
    check_op1(d, "narrow::<1, 0, 2>", &x, |x| x.narrow::<1, 0, 2>());
    check_op1(d, "narrow::<1, 2, 2>", &x, |x| x.narrow::<1, 2, 2>());
    check_op1(d, "narrow::<0, 0, 5>", &x, |x| x.narrow::<0, 0, 5>());
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1(d, "Rank3 narrow::<2, 1, 2>", &x, |x| x.narrow::<2, 1, 2>());
    check_op1(d, "narrow of a transpose", &x, |x| {
        x.transpose::<0, 2>().narrow::<1, 1, 2>()
    });
}

fn grad_slice_from<D: Device>(d: &D) {
    manual_seed(54);
    let x = randn::<Rank2<5, 3>>();
    check_op1(d, "x[1:, 1:]", &x, |x| {
        x.slice_from::<0, 1>().slice_from::<1, 1>()
    });
    check_op1(d, "x[3:]", &x, |x| x.slice_from::<0, 3>());
    check_op1(d, "x[:, 2:].exp()", &x, |x| x.slice_from::<1, 2>().exp());
}

fn grad_cat<D: Device>(d: &D) {
    manual_seed(55);
    check_op2(
        d,
        "cat axis 0",
        &randn::<Rank2<2, 4>>(),
        &randn::<Rank2<3, 4>>(),
        |a: &T<Rank2<2, 4>, D>, b: &T<Rank2<3, 4>, D>| a.cat::<0, _>(b),
    );
    check_op2(
        d,
        "cat axis 1",
        &randn::<Rank2<3, 2>>(),
        &randn::<Rank2<3, 4>>(),
        |a: &T<Rank2<3, 2>, D>, b: &T<Rank2<3, 4>, D>| a.cat::<1, _>(b),
    );
    check_op2(
        d,
        "Rank3 cat axis 2",
        &randn::<Rank3<2, 3, 1>>(),
        &randn::<Rank3<2, 3, 2>>(),
        |a: &T<Rank3<2, 3, 1>, D>, b: &T<Rank3<2, 3, 2>, D>| a.cat::<2, _>(b),
    );
    // The pieces of cat's gradient are views with offsets; the ops before must take them.
    check_op2(
        d,
        "cat of products, axis 1",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank2<4, 2>>(),
        |a: &T<Rank2<3, 4>, D>, b: &T<Rank2<4, 2>, D>| a.mm(b).cat::<1, _>(&a.t().t().exp()).tanh(),
    );
    check_op2(
        d,
        "cat of transposed, axis 0",
        &randn::<Rank2<4, 3>>(),
        &randn::<Rank2<2, 3>>(),
        |a: &T<Rank2<4, 3>, D>, b: &T<Rank2<2, 3>, D>| a.t().cat::<0, _>(&b.mm(&a.t())),
    );
}

fn grad_index_select<D: Device>(d: &D) {
    manual_seed(56);
    let x = randn::<Rank2<4, 3>>();
    let rows = tensor([2i64, 0, 2, 3, 2]).to_device(d);
    check_op1(d, "index_select axis 0, repeated rows", &x, |x| {
        x.index_select::<0, 5>(&rows).unwrap()
    });
    let cols = tensor([1i64, 1, 0, 1]).to_device(d);
    check_op1(d, "index_select axis 1, repeated columns", &x, |x| {
        x.index_select::<1, 4>(&cols).unwrap()
    });
    check_op1(d, "index_select of a transpose", &x, |x| {
        x.t().index_select::<1, 5>(&rows).unwrap()
    });
    // A row picked three times gets three times the gradient.
    let xt = x.to_device(d).requires_grad_();
    xt.index_select::<0, 5>(&rows).unwrap().sum().backward();
    let expected = [1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 3.0, 3.0, 3.0, 1.0, 1.0, 1.0];
    assert_close(
        "index_select accumulation",
        &xt.grad().unwrap().to_vec(),
        &expected,
        0.0,
    );
}

// ---------------------------------------------------------------------------------------
// Masks
// ---------------------------------------------------------------------------------------

fn grad_gather_scatter_add<D: Device>(d: &D) {
    manual_seed(84);
    // Repeated indices: gather's gradient must add them up.
    let idx = tensor([[2i64, 0, 2], [1, 1, 3], [0, 0, 0]]).to_device(d);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "gather(1)", &x, |x| x.gather::<1, _>(&idx));
    let idx0 = tensor([[2i64, 0, 1, 1], [2, 2, 0, 1]]).to_device(d);
    check_op1(d, "gather(0)", &x, |x| x.gather::<0, _>(&idx0));
    let src = randn::<Rank2<3, 3>>();
    check_op2(d, "scatter_add(1)", &x, &src, |x, s| {
        x.scatter_add::<1, _>(&idx, s)
    });
}

fn grad_masked_fill<D: Device>(d: &D) {
    manual_seed(57);
    let x = randn::<Rank2<3, 4>>();
    let mask = T::<Rank2<3, 4>>::randn().gt_scalar(0.0).to_device(d);
    check_op1(d, "masked_fill", &x, |x| x.masked_fill(&mask, 7.0));
    let row_mask = tensor([true, false, false, true]).to_device(d);
    check_op1(d, "masked_fill, broadcast mask", &x, |x| {
        x.masked_fill(&row_mask, -1.0)
    });
    check_op1(d, "masked_fill of a transpose", &x, |x| {
        x.t().masked_fill(&mask.t(), 0.0).exp()
    });
}

fn grad_where<D: Device>(d: &D) {
    manual_seed(58);
    let cond = T::<Rank2<3, 4>>::randn().gt_scalar(0.0).to_device(d);
    check_op2(
        d,
        "where_, both branches",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank2<3, 4>>(),
        |x: &T<Rank2<3, 4>, D>, o: &T<Rank2<3, 4>, D>| x.where_(&cond, o),
    );
    check_op2(
        d,
        "where_, Rank1 other",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank1<4>>(),
        |x: &T<Rank2<3, 4>, D>, o: &T<Rank1<4>, D>| x.where_(&cond, o),
    );
    check_op2(
        d,
        "where_, Rank0 other",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank0>(),
        |x: &T<Rank2<3, 4>, D>, o: &T<Rank0, D>| x.where_(&cond, o),
    );
    let row_cond = tensor([false, true, true, false]).to_device(d);
    check_op2(
        d,
        "where_, broadcast cond and other",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank1<4>>(),
        |x: &T<Rank2<3, 4>, D>, o: &T<Rank1<4>, D>| x.where_(&row_cond, o),
    );
}

// ---------------------------------------------------------------------------------------
// Copies and casts
// ---------------------------------------------------------------------------------------

fn grad_contiguous<D: Device>(d: &D) {
    manual_seed(59);
    let x = randn::<Rank2<3, 4>>();
    check_op1(d, "t().contiguous()", &x, |x| x.t().contiguous());
    check_op1(d, "contiguous() of contiguous", &x, |x| x.contiguous());
    check_op1(d, "narrow().contiguous()", &x, |x| {
        x.narrow::<1, 1, 2>().contiguous()
    });
    check_op1(d, "row narrow().contiguous()", &x, |x| {
        x.narrow::<0, 1, 2>().contiguous()
    });
}

fn grad_copy<D: Device>(d: &D) {
    manual_seed(60);
    check_op1(d, "copy_ same shape", &randn::<Rank2<3, 4>>(), |s| {
        let mut y = s.new_zeros::<Rank2<3, 4>>();
        y.copy_(s);
        y
    });
    check_op1(d, "copy_ broadcast source", &randn::<Rank1<4>>(), |s| {
        let mut y = s.new_zeros::<Rank2<3, 4>>();
        y.copy_(s);
        y
    });
    check_op1(
        d,
        "copy_ of a transposed source",
        &randn::<Rank2<4, 3>>(),
        |s| {
            let mut y = s.new_ones::<Rank2<3, 4>>();
            y.copy_(&s.t());
            y.exp()
        },
    );
}

fn grad_to_dtype_round_trip<D: Device>(d: &D) {
    manual_seed(61);
    // The f32 leg rounds to ~1e-7 relative: a larger step and a looser tolerance.
    let x = randn::<Rank2<3, 4>>();
    gradcheck1_with(d, "f64 -> f32 -> f64", 1e-3, 1e-3, &x, |x| {
        contract(x.to_dtype::<f32>().to_dtype::<f64>())
    });
    gradcheck1_with(d, "f64 -> f32 tanh -> f64", 1e-3, 1e-3, &x, |x| {
        contract((x.to_dtype::<f32>().tanh() * 2.0f32).to_dtype::<f64>())
    });
    gradcheck1_with(d, "float() then double()", 1e-3, 1e-3, &x, |x| {
        x.float().double().sum()
    });
    let xt = x.clone().requires_grad_();
    let y = xt.to_dtype::<f32>();
    assert_eq!(y.grad_fn(), Some("ToCopyBackward0"));
    y.sum().to_dtype::<f64>().backward();
    assert_close(
        "round-trip gradient",
        &xt.grad().unwrap().to_vec(),
        &[1.0; 12],
        0.0,
    );
}

// ---------------------------------------------------------------------------------------
// The lesson's two-layer network
// ---------------------------------------------------------------------------------------

fn grad_two_layer_network<D: Device>(d: &D) {
    manual_seed(62);
    let x = T::<Rank2<8, 6>>::randn();
    let y = T::<Rank2<8, 3>>::randn();
    let w1v = randn::<Rank2<6, 5>>();
    let w2v = randn::<Rank2<5, 3>>();
    // No hidden unit sits on relu's kink.
    let h0 = x.mm(&w1v).to_vec();
    assert!(h0.iter().all(|v| v.abs() > 1e-3));
    assert!(h0.iter().any(|&v| v < 0.0) && h0.iter().any(|&v| v > 0.0));
    let (x, y) = (x.to_device(d), y.to_device(d));

    let loss_of = |w1: &T<Rank2<6, 5>, D>, w2: &T<Rank2<5, 3>, D>| {
        let y_pred = x.mm(w1).clamp_min(0.0).mm(w2);
        (&y_pred - &y).pow(2.0).sum()
    };
    gradcheck2(d, "two-layer network", &w1v, &w2v, loss_of);

    // Against the lesson's hand-written backward pass.
    let (w1, w2) = (
        w1v.to_device(d).requires_grad_(),
        w2v.to_device(d).requires_grad_(),
    );
    let h = x.mm(&w1);
    let h_relu = h.clamp_min(0.0);
    let y_pred = h_relu.mm(&w2);
    let loss = (&y_pred - &y).pow(2.0).sum();
    loss.backward();
    no_grad(|| {
        let grad_y_pred = (&y_pred - &y) * 2.0;
        let grad_w2 = h_relu.t().mm(&grad_y_pred);
        let grad_h_relu = grad_y_pred.mm(&w2.t());
        let grad_h = grad_h_relu.masked_fill(&h.lt_scalar(0.0), 0.0);
        let grad_w1 = x.t().mm(&grad_h);
        assert_close(
            "hand-written grad_w1",
            &w1.grad().unwrap().to_vec(),
            &grad_w1.to_vec(),
            1e-12,
        );
        assert_close(
            "hand-written grad_w2",
            &w2.grad().unwrap().to_vec(),
            &grad_w2.to_vec(),
            1e-12,
        );
    });
}

// ---------------------------------------------------------------------------------------
// Autograd semantics
// ---------------------------------------------------------------------------------------

fn grads_accumulate_across_backward_calls_and_reset_with_zero_grad<D: Device>(d: &D) {
    let x = tensor([1.0, -2.0, 3.0]).to_device(d).requires_grad_();
    let loss = || (&x * &x).sum(); // d/dx = 2x
    loss().backward();
    assert_close(
        "first backward",
        &x.grad().unwrap().to_vec(),
        &[2.0, -4.0, 6.0],
        0.0,
    );
    loss().backward();
    assert_close(
        "accumulated",
        &x.grad().unwrap().to_vec(),
        &[4.0, -8.0, 12.0],
        0.0,
    );
    x.zero_grad();
    assert!(x.grad().is_none());
    loss().backward();
    assert_close(
        "after zero_grad",
        &x.grad().unwrap().to_vec(),
        &[2.0, -4.0, 6.0],
        0.0,
    );
}

fn no_grad_records_nothing<D: Device>(d: &D) {
    let x = tensor([1.0f64, 2.0]).to_device(d).requires_grad_();
    let y = no_grad(|| (&x * 2.0).exp().sum());
    assert_eq!(y.grad_fn(), None);
    assert!(!y.requires_grad());
    assert!(y.try_backward().is_err());
    // Recording resumes after the closure.
    let z = (&x * 2.0).sum();
    assert_eq!(z.grad_fn(), Some("SumBackward0"));
    assert!(typetensor::autograd::is_grad_enabled());
}

fn detach_stops_the_gradient<D: Device>(d: &D) {
    let x = tensor([1.5, -2.0]).to_device(d).requires_grad_();
    let detached = x.detach();
    assert!(!detached.requires_grad());
    assert_eq!(detached.grad_fn(), None);
    assert_close("detach values", &detached.to_vec(), &[1.5, -2.0], 0.0);
    (&x * &detached).sum().backward(); // only the first factor is differentiated: d/dx = x
    assert_close(
        "x * x.detach()",
        &x.grad().unwrap().to_vec(),
        &[1.5, -2.0],
        0.0,
    );
    let y = (&x * 2.0).detach();
    assert_eq!(y.grad_fn(), None);
    assert!(y.is_leaf());
}

fn grad_fn_names_match_pytorch<D: Device>(d: &D) {
    let a = T::<Rank2<2, 3>>::randn().to_device(d).requires_grad_();
    let b = T::<Rank2<3, 2>>::randn().to_device(d).requires_grad_();
    assert_eq!(a.grad_fn(), None);
    assert_eq!(a.mm(&b).grad_fn(), Some("MmBackward0"));
    assert_eq!(a.sum().grad_fn(), Some("SumBackward0"));
    assert_eq!(a.mean().grad_fn(), Some("MeanBackward0"));
    assert_eq!(a.pow(2.0).grad_fn(), Some("PowBackward0"));
    assert_eq!(a.clamp(Some(0.0), None).grad_fn(), Some("ClampBackward1"));
    assert_eq!(a.clamp(None, Some(0.0)).grad_fn(), Some("ClampBackward1"));
    assert_eq!(
        a.clamp(Some(-1.0), Some(1.0)).grad_fn(),
        Some("ClampBackward1")
    );
    assert_eq!(a.clamp_min(0.0).grad_fn(), Some("ClampBackward1"));
    assert_eq!(a.clamp_max(0.0).grad_fn(), Some("ClampBackward1"));
    assert_eq!((&a + &b.t()).grad_fn(), Some("AddBackward0"));
    assert_eq!((&a + 1.0).grad_fn(), Some("AddBackward0"));
    assert_eq!(a.t().grad_fn(), Some("TBackward0"));
    assert_eq!((&a * &a).grad_fn(), Some("MulBackward0"));
    assert_eq!((&a * 2.0).grad_fn(), Some("MulBackward0"));
    #[expect(clippy::eq_op, reason = "any two operands name the op")]
    let difference = &a - &a;
    assert_eq!(difference.grad_fn(), Some("SubBackward0"));
    assert_eq!((2.0 - &a).grad_fn(), Some("RsubBackward1"));
    assert_eq!((&a / 2.0).grad_fn(), Some("DivBackward0"));
    assert_eq!((-&a).grad_fn(), Some("NegBackward0"));
    assert_eq!(a.exp().grad_fn(), Some("ExpBackward0"));
    assert_eq!(a.relu().grad_fn(), Some("ReluBackward0"));
    assert_eq!(a.view::<Rank1<6>>().grad_fn(), Some("ViewBackward0"));
    assert_eq!(a.unsqueeze::<0>().grad_fn(), Some("UnsqueezeBackward0"));
    assert_eq!(a.sum_dim::<0>().grad_fn(), Some("SumBackward1"));
    assert_eq!(a.mean_dim::<0>().grad_fn(), Some("MeanBackward1"));
}

#[test]
fn printing_shows_requires_grad_and_grad_fn() {
    let a = tensor(2.0f32).requires_grad_();
    let b = tensor(3.0f32).requires_grad_();
    assert_eq!((&a + &b).to_string(), "tensor(5., grad_fn=<AddBackward0>)");
    assert_eq!(
        tensor([1.0f32, 2.0]).requires_grad_().to_string(),
        "tensor([1., 2.], requires_grad=True)"
    );
    assert_eq!(tensor([1.0f32, 2.0]).to_string(), "tensor([1., 2.])");
    assert_eq!(
        (&a * 2.0).detach().to_string(),
        "tensor(4.)",
        "a detached tensor prints neither"
    );
}

#[test]
#[should_panic(expected = "in-place")]
fn in_place_op_on_a_leaf_requiring_grad_panics() {
    let mut w = tensor([1.0f64, 2.0]).requires_grad_();
    w += 1.0;
}

#[test]
#[should_panic(expected = "in-place")]
fn in_place_tensor_op_on_a_leaf_requiring_grad_panics() {
    let mut w = tensor([1.0f64, 2.0]).requires_grad_();
    let g = tensor([0.5, 0.5]);
    w -= &g;
}

fn in_place_op_on_a_leaf_inside_no_grad_keeps_it<D: Device>(d: &D) {
    let mut w = tensor([1.0f64, 2.0]).to_device(d).requires_grad_();
    (&w * 3.0).sum().backward();
    let grad_before = w.grad().unwrap().to_vec();
    no_grad(|| {
        let g = w.grad().unwrap();
        w -= &g * 0.1; // w -= lr * w.grad
        w.add_scalar_(1.0);
        w.mul_scalar_(2.0);
    });
    assert!(w.requires_grad());
    assert!(w.is_leaf());
    assert_eq!(w.grad_fn(), None);
    assert_close("updated values", &w.to_vec(), &[3.4, 5.4], 1e-15);
    assert_close("grad kept", &w.grad().unwrap().to_vec(), &grad_before, 0.0);
    // Still the same leaf: a new backward accumulates into the same grad.
    (&w * &w).sum().backward();
    assert_close(
        "accumulated after update",
        &w.grad().unwrap().to_vec(),
        &[9.8, 13.8],
        1e-15,
    );
}

fn in_place_op_on_a_non_leaf_is_recorded<D: Device>(d: &D) {
    let x = tensor([1.0f64, 2.0]).to_device(d).requires_grad_();
    let mut y = &x * 2.0;
    y += 1.0;
    y *= &x; // (2x + 1) * x: d/dx = 4x + 1
    y.sum().backward();
    assert_close(
        "in-place on non-leaf",
        &x.grad().unwrap().to_vec(),
        &[5.0, 9.0],
        0.0,
    );
}

#[test]
fn in_place_op_does_not_corrupt_saved_values() {
    let x = tensor([0.5f64, -1.0]).requires_grad_();
    let mut y = x.exp(); // exp's backward keeps its output
    y += 1.0;
    // An untracked write, as PyTorch's `y.data[0] = 100`: the graph still sees exp.
    typetensor::autograd::no_grad(|| y.numpy_mut()[0] = 100.0);
    y.sum().backward();
    let expected = [0.5f64.exp(), (-1.0f64).exp()];
    assert_close(
        "exp after in-place",
        &x.grad().unwrap().to_vec(),
        &expected,
        1e-15,
    );
}

fn backward_from_a_one_element_tensor_of_any_rank<D: Device>(d: &D) {
    let x = tensor([1.0f64, 2.0, 3.0]).to_device(d).requires_grad_();
    let y = (&x * &x).sum_dim_keepdim::<0>(); // Rank1<1>
    y.backward();
    assert_close(
        "Rank1<1> seed",
        &x.grad().unwrap().to_vec(),
        &[2.0, 4.0, 6.0],
        0.0,
    );
    let m = tensor([[1.0f64, 2.0]]).to_device(d).requires_grad_();
    let z = m.mm(&m.t()); // Rank2<1, 1>
    z.backward();
    assert_close(
        "Rank2<1, 1> seed",
        &m.grad().unwrap().to_vec(),
        &[2.0, 4.0],
        0.0,
    );
}

#[test]
#[should_panic(expected = "analytic")]
fn the_checker_catches_a_wrong_gradient() {
    // x * x.detach() has analytic gradient x, but its numeric one is 2x.
    manual_seed(64);
    check_op1(&Cpu, "deliberately wrong", &nonzero::<Rank1<3>>(), |x| {
        x * &x.detach()
    });
}

fn try_backward_without_a_graph_is_an_error<D: Device>(d: &D) {
    assert!(tensor(1.0).to_device(d).try_backward().is_err());
    assert!(tensor([2.0]).to_device(d).sum().try_backward().is_err());
    let x = tensor(1.0).to_device(d).requires_grad_();
    assert!(
        x.try_backward().is_ok(),
        "a leaf's own backward seeds its grad"
    );
}

/// `x * 1.0001 + 0.5`, `STEPS` ops deep in all.
fn long_chain(x: &T<Rank1<2>>) -> T<Rank1<2>> {
    const STEPS: usize = 10_000;
    let mut y = x.clone();
    for i in 0..STEPS {
        y = if i % 2 == 0 { &y * 1.0001 } else { &y + 0.5 };
    }
    y
}

#[test]
fn long_chain_backpropagates_without_stack_overflow() {
    let x = tensor([1.0, -2.0]).requires_grad_();
    let y = long_chain(&x);
    let loss = y.sum();
    loss.backward();
    let expected = 1.0001f64.powi(5_000);
    assert_close("chain", &x.grad().unwrap().to_vec(), &[expected; 2], 1e-9);
    // Dropping the graph is checked separately (below); this test is about backward.
    drop((y, loss));
}

#[test]
fn long_chain_graph_drops_without_stack_overflow() {
    let x = tensor([1.0, -2.0]).requires_grad_();
    let y = long_chain(&x);
    y.sum().backward();
    drop(y);
    assert!(x.grad().is_some());
}

// ---------------------------------------------------------------------------------------
// Convolution and pooling
// ---------------------------------------------------------------------------------------

/// Checks `d f / d x`, `d f / d w` and `d f / d b` of a convolution-like `f(x, w, b)` (all
/// three requiring grad at once), contracted with the fixed weight so every output counts.
fn gradcheck_conv<SX: ConstShape, SW: ConstShape, SB: ConstShape, SO: ConstShape, D: Device>(
    d: &D,
    what: &str,
    f: impl Fn(&T<SX, D>, &T<SW, D>, &T<SB, D>) -> T<SO, D>,
) {
    let (x, w, b) = (
        randn::<SX>().to_device(d),
        randn::<SW>().to_device(d),
        randn::<SB>().to_device(d),
    );
    let (xt, wt, bt) = (
        x.clone().requires_grad_(),
        w.clone().requires_grad_(),
        b.clone().requires_grad_(),
    );
    let out = contract(f(&xt, &wt, &bt));
    out.backward();
    let g = |t: &dyn Fn(&[f64]) -> f64, v: &[f64]| numeric(v, H, t);
    let nx = g(
        &|v| contract(f(&on::<SX, D>(v, d), &w, &b)).item(),
        &x.to_vec(),
    );
    let nw = g(
        &|v| contract(f(&x, &on::<SW, D>(v, d), &b)).item(),
        &w.to_vec(),
    );
    let nb = g(
        &|v| contract(f(&x, &w, &on::<SB, D>(v, d))).item(),
        &b.to_vec(),
    );
    assert_close(
        &format!("{what} (input)"),
        &analytic_grad(what, &xt),
        &nx,
        TOL,
    );
    assert_close(
        &format!("{what} (weight)"),
        &analytic_grad(what, &wt),
        &nw,
        TOL,
    );
    assert_close(
        &format!("{what} (bias)"),
        &analytic_grad(what, &bt),
        &nb,
        TOL,
    );
}

fn grad_conv2d<D: Device>(d: &D) {
    use typetensor::ops::conv::ConvOpts;
    manual_seed(81);
    gradcheck_conv(
        d,
        "conv2d",
        |x: &T<Rank4<2, 2, 4, 4>, D>, w: &T<Rank4<2, 2, 3, 3>, D>, b: &T<Rank1<2>, D>| {
            x.conv2d(w, Some(b))
        },
    );
    gradcheck_conv(
        d,
        "conv2d stride 2 padding 1",
        |x: &T<Rank4<1, 2, 5, 4>, D>, w: &T<Rank4<2, 2, 3, 2>, D>, b: &T<Rank1<2>, D>| {
            x.conv2d_with(w, Some(b), ConvOpts::<2, 1>)
        },
    );
    gradcheck_conv(
        d,
        "conv2d dilation 2",
        |x: &T<Rank4<1, 1, 5, 5>, D>, w: &T<Rank4<2, 1, 2, 2>, D>, b: &T<Rank1<2>, D>| {
            x.conv2d_with(w, Some(b), ConvOpts::<1, 1, 2>)
        },
    );
    gradcheck_conv(
        d,
        "conv2d groups 2",
        |x: &T<Rank4<1, 4, 3, 3>, D>, w: &T<Rank4<4, 2, 2, 2>, D>, b: &T<Rank1<4>, D>| {
            x.conv2d_with(w, Some(b), ConvOpts::<1, 0, 1, 2>)
        },
    );
    gradcheck_conv(
        d,
        "conv2d unbatched, depthwise, strided",
        |x: &T<Rank3<2, 5, 5>, D>, w: &T<Rank4<2, 1, 3, 3>, D>, b: &T<Rank1<2>, D>| {
            x.conv2d_with(w, Some(b), ConvOpts::<2, 1, 1, 2>)
        },
    );
}

fn grad_conv1d<D: Device>(d: &D) {
    use typetensor::ops::conv::ConvOpts;
    manual_seed(82);
    gradcheck_conv(
        d,
        "conv1d",
        |x: &T<Rank3<2, 2, 7>, D>, w: &T<Rank3<2, 2, 3>, D>, b: &T<Rank1<2>, D>| {
            x.conv1d_with(w, Some(b), ConvOpts::<2, 1, 2>)
        },
    );
    gradcheck_conv(
        d,
        "conv1d unbatched",
        |x: &T<Rank2<2, 6>, D>, w: &T<Rank3<4, 1, 2>, D>, b: &T<Rank1<4>, D>| {
            x.conv1d_with(w, Some(b), ConvOpts::<1, 0, 1, 2>)
        },
    );
}

fn grad_max_pool2d<D: Device>(d: &D) {
    use typetensor::ops::pool::PoolOpts;
    manual_seed(83);
    // Distinct values: a tie would be a kink.
    check_op1(
        d,
        "max_pool2d",
        &distinct::<Rank4<1, 2, 4, 5>>(),
        |x: &T<Rank4<1, 2, 4, 5>, D>| x.max_pool2d::<2>(),
    );
    check_op1(
        d,
        "max_pool2d 3/2/1 overlapping",
        &distinct::<Rank3<1, 5, 5>>(),
        |x: &T<Rank3<1, 5, 5>, D>| x.max_pool2d_with(PoolOpts::<3, 2, 1>),
    );
    check_op1(
        d,
        "max_pool2d dilated",
        &distinct::<Rank4<1, 1, 6, 5>>(),
        |x: &T<Rank4<1, 1, 6, 5>, D>| x.max_pool2d_with(PoolOpts::<2, 1, 1, 2>),
    );
}

fn grad_avg_pool2d<D: Device>(d: &D) {
    use typetensor::ops::pool::PoolOpts;
    manual_seed(84);
    check_op1(
        d,
        "avg_pool2d",
        &randn::<Rank4<1, 2, 4, 5>>(),
        |x: &T<Rank4<1, 2, 4, 5>, D>| x.avg_pool2d::<2>(),
    );
    check_op1(
        d,
        "avg_pool2d 3/2/1",
        &randn::<Rank3<1, 5, 6>>(),
        |x: &T<Rank3<1, 5, 6>, D>| x.avg_pool2d_with(PoolOpts::<3, 2, 1>),
    );
}

fn grad_adaptive_avg_pool2d<D: Device>(d: &D) {
    manual_seed(85);
    check_op1(
        d,
        "adaptive_avg_pool2d 5x7 -> 3x2",
        &randn::<Rank4<1, 2, 5, 7>>(),
        |x: &T<Rank4<1, 2, 5, 7>, D>| x.adaptive_avg_pool2d::<3, 2>(),
    );
    check_op1(
        d,
        "adaptive_avg_pool2d 3x2 -> 4x5",
        &randn::<Rank3<1, 3, 2>>(),
        |x: &T<Rank3<1, 3, 2>, D>| x.adaptive_avg_pool2d::<4, 5>(),
    );
}

// ---------------------------------------------------------------------------------------
// nn modules composed of the ops above (their reshapes through a run-time row count)
// ---------------------------------------------------------------------------------------

fn grad_layer_norm<D: Device>(d: &D) {
    use typetensor::nn::{LayerNorm, Module, ToDevice};
    manual_seed(71);
    let ln = LayerNorm::<4, f64>::new().to_device(d);
    check_op1(
        d,
        "LayerNorm<4> of a Rank3",
        &randn::<Rank3<2, 3, 4>>(),
        |x| ln.forward(x),
    );
    let (x, w) = (randn::<Rank2<3, 4>>(), randn::<Rank1<4>>());
    check_op2(d, "LayerNorm<4> weight", &x, &w, |x, w| {
        let ln = LayerNorm::<4, f64, D> {
            weight: Some(w.clone()),
            bias: Some(w.mul_scalar(0.5)),
            eps: 1e-5,
        };
        ln.forward(x)
    });
}

fn grad_batch_norm<D: Device>(d: &D) {
    use typetensor::nn::{BatchNorm1d, Module, ToDevice, Training};
    manual_seed(72);
    let bn = BatchNorm1d::<3, f64>::new().to_device(d);
    check_op1(
        d,
        "BatchNorm1d<3> training, [N, C]",
        &randn::<Rank2<5, 3>>(),
        |x| bn.forward(x),
    );
    check_op1(
        d,
        "BatchNorm1d<3> training, [N, C, L]",
        &randn::<Rank3<2, 3, 4>>(),
        |x| bn.forward(x),
    );
    let (x, w) = (randn::<Rank3<2, 3, 4>>(), randn::<Rank1<3>>());
    check_op2(d, "BatchNorm1d<3> weight", &x, &w, |x, w| {
        let mut bn = BatchNorm1d::<3, f64>::new().to_device(x.device());
        bn.weight = Some(w.clone());
        bn.forward(x)
    });
    let mut bn = bn;
    bn.eval();
    check_op1(d, "BatchNorm1d<3> eval", &randn::<Rank2<5, 3>>(), |x| {
        bn.forward(x)
    });
}

fn grad_embedding<D: Device>(d: &D) {
    use typetensor::nn::{Embedding, Module};
    manual_seed(73);
    let idx = tensor([[1i64, 4, 4], [0, 2, 4]]).to_device(d);
    check_op1(
        d,
        "Embedding<5, 3> weight, repeated indices",
        &randn::<Rank2<5, 3>>(),
        |w| {
            let emb = Embedding::<5, 3, f64, D> {
                weight: w.clone(),
                padding_idx: None,
            };
            emb.forward(&idx)
        },
    );
    let padded = Embedding::<5, 3, f64, D> {
        weight: randn::<Rank2<5, 3>>().to_device(d).requires_grad_(),
        padding_idx: Some(4),
    };
    padded.forward(&idx).sum().backward();
    let g = padded.weight.grad().unwrap().to_vec();
    assert_close(
        "Embedding padding row gets no gradient",
        &g[12..],
        &[0.0; 3],
        0.0,
    );
    assert_close("Embedding row 0 once", &g[..3], &[1.0; 3], 0.0);
}

/// The suite above as `#[test]`s for one device: `gradchecks!(name, constructor)`, where
/// the constructor returns the device (`Cpu::default`) or a `Result` of it (`Cuda::new`).
macro_rules! gradchecks {
    ($name:ident, $make:expr) => {
        common::device_tests!($name, $make, super: [
            grad_layer_norm,
            grad_batch_norm,
            grad_embedding,
            grad_run_time_batch,
            grad_add,
            grad_sub,
            grad_mul,
            grad_div,
            grad_binary_with_one_operand_not_requiring_grad,
            grad_same_tensor_twice,
            grad_tensor_used_by_several_ops,
            grad_maximum,
            grad_minimum,
            maximum_minimum_split_a_tie_as_pytorch,
            grad_mul_scalar,
            grad_add_scalar,
            grad_sub_scalar,
            grad_div_scalar,
            grad_scalar_div,
            grad_neg,
            grad_abs,
            grad_clamp,
            grad_relu,
            grad_exp,
            grad_log,
            grad_sqrt,
            grad_pow,
            grad_sigmoid,
            grad_tanh,
            grad_trig_and_exp_family,
            grad_piecewise_constant_is_zero,
            grad_gelu_leaky_relu,
            grad_softmax_family,
            grad_classification_losses,
            grad_regression_and_bce_losses,
            grad_dropout,
            grad_mm,
            grad_mm_of_views,
            grad_mm_transposed_operands,
            grad_matmul_vector_vector,
            grad_matmul_matrix_vector,
            grad_matmul_vector_matrix,
            grad_matmul_matrix_matrix,
            grad_matmul_batched,
            grad_matmul_broadcast_batch,
            grad_sum,
            grad_sum_dim,
            grad_sum_dim_keepdim,
            grad_mean,
            grad_mean_dim,
            grad_mean_dim_keepdim,
            grad_max,
            grad_min,
            grad_max_dim,
            grad_min_dim,
            grad_max_dim_keepdim,
            max_min_share_the_gradient_among_ties,
            grad_view,
            grad_reshape_of_transposed,
            grad_flatten,
            grad_unsqueeze,
            grad_expand_dim,
            grad_view_any,
            grad_t,
            grad_transpose,
            grad_permute,
            grad_narrow,
            grad_slice_from,
            grad_cat,
            grad_index_select,
            grad_gather_scatter_add,
            grad_masked_fill,
            grad_where,
            grad_contiguous,
            grad_copy,
            grad_to_dtype_round_trip,
            grad_two_layer_network,
            grads_accumulate_across_backward_calls_and_reset_with_zero_grad,
            no_grad_records_nothing,
            detach_stops_the_gradient,
            grad_fn_names_match_pytorch,
            in_place_op_on_a_leaf_inside_no_grad_keeps_it,
            in_place_op_on_a_non_leaf_is_recorded,
            backward_from_a_one_element_tensor_of_any_rank,
            try_backward_without_a_graph_is_an_error,
            grad_conv2d,
            grad_conv1d,
            grad_max_pool2d,
            grad_avg_pool2d,
            grad_adaptive_avg_pool2d,
        ]);
    };
}

gradchecks!(cpu, Cpu::default);
gradchecks!(cuda, || Cuda::new());
