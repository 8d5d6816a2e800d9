//! One op suite, instantiated for every device: `device_tests!(cpu, Cpu::default)` and
//! `device_tests!(cuda, || Cuda::new())`. Each test makes random data on the CPU, runs the op
//! on the device under test (inputs moved there with `to_device`, results brought back with
//! `cpu()`), and compares with the same op on the CPU: exactly for integer and bool results
//! and for the float ops the CUDA kernels compute bit for bit as the CPU
//! (`kernels/README.md`, "Numerics"), within a tolerance for the others (libm functions,
//! sums, matrix products).
//!
//! Without a usable GPU (no driver, no device, or a build without the `cuda` feature) the
//! `cuda` instances print "skipped: no CUDA device" and pass. With
//! `TYPETENSOR_REQUIRE_CUDA=1` they fail instead, so a GPU run can never pass by skipping.
use typetensor::autograd::no_grad;
use typetensor::nn::functional::{self as F, ClassOpts, GeluApproximate};
use typetensor::nn::{Linear, MSELoss, Module, Parameters, ReLU, Reduction, Sequential, ToDevice};
use typetensor::optim::{Adam, Optimizer, RMSprop, SGD};
use typetensor::{
    ConstShape, Cpu, Cuda, Device, Dtype, Error, Rank1, Rank2, Rank3, Rank4, Shape, Tensor,
    manual_seed, tensor,
};

mod common;
use common::cuda_required;

// ---------------------------------------------------------------------------------------
// Comparing results
// ---------------------------------------------------------------------------------------

/// How closely a device's result must match the CPU's.
#[derive(Clone, Copy, Debug)]
struct Tol {
    abs: f64,
    rel: f64,
}
/// Bit for bit (NaN matches NaN).
const EXACT: Tol = Tol { abs: 0.0, rel: 0.0 };
/// libm-style functions (exp, log, tanh, pow, sigmoid): a few ulp of f32.
const ULPS: Tol = Tol {
    abs: 1e-6,
    rel: 1e-6,
};
/// Sums and matrix products: another summation order.
const SUMS: Tol = Tol {
    abs: 1e-4,
    rel: 1e-5,
};

trait Check: Dtype {
    fn close(a: Self, b: Self, tol: Tol) -> bool;
}
macro_rules! float_check {
    ($($t:ty),*) => {$(
        impl Check for $t {
            fn close(a: $t, b: $t, tol: Tol) -> bool {
                if a.is_nan() || b.is_nan() {
                    return a.is_nan() && b.is_nan();
                }
                if tol.abs == 0.0 && tol.rel == 0.0 {
                    return a.to_bits() == b.to_bits();
                }
                let (a, b) = (f64::from(a), f64::from(b));
                a == b || (a - b).abs() <= tol.abs + tol.rel * b.abs()
            }
        }
    )*};
}
float_check!(f32, f64);
macro_rules! exact_check {
    ($($t:ty),*) => {$(
        impl Check for $t {
            fn close(a: $t, b: $t, _: Tol) -> bool {
                a == b
            }
        }
    )*};
}
exact_check!(i32, i64, bool);

/// `got` (on any device) equals `want` (computed on the CPU) within `tol`, element by
/// element, with the same shape.
#[track_caller]
fn check<S: Shape, E: Check, D: Device>(
    what: &str,
    got: &Tensor<S, E, D>,
    want: &Tensor<S, E, Cpu>,
    tol: Tol,
) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let (g, w) = (got.cpu().to_vec(), want.to_vec());
    assert_eq!(g.len(), w.len(), "{what}: element count");
    for (i, (&a, &b)) in g.iter().zip(&w).enumerate() {
        assert!(
            E::close(a, b, tol),
            "{what}: element {i} is {a:?} on {:?}, {b:?} on the CPU (tolerance {tol:?})",
            got.device()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

/// Standard normal f32s (seed first).
fn randn<S: ConstShape>() -> Tensor<S> {
    Tensor::randn()
}

/// Integers in `-range..range` from a seeded generator, plus the extremes at the front (to
/// exercise wrapping).
fn ints<S: ConstShape>(seed: u64, range: i64) -> Tensor<S, i64> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    Tensor::from_fn(|i| match i {
        0 => i64::MAX,
        1 => i64::MIN,
        _ => {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) as i64).rem_euclid(2 * range) - range
        }
    })
}

fn ints32<S: ConstShape>(seed: u64, range: i64) -> Tensor<S, i32> {
    let mut state = seed;
    Tensor::from_fn(|i| match i {
        0 => i32::MAX,
        1 => i32::MIN,
        _ => {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (((state >> 33) as i64).rem_euclid(2 * range) - range) as i32
        }
    })
}

/// `x` with a NaN, an infinity and both zeros among its first elements.
fn with_specials<S: ConstShape>(x: Tensor<S>) -> Tensor<S> {
    let mut v = x.to_vec();
    for (i, s) in [f32::NAN, f32::INFINITY, 0.0, -0.0, f32::NEG_INFINITY]
        .into_iter()
        .enumerate()
    {
        if i < v.len() {
            v[i] = s;
        }
    }
    Tensor::from_vec(v).unwrap()
}

// ---------------------------------------------------------------------------------------
// The suite: each function runs one family on device `d`
// ---------------------------------------------------------------------------------------

mod suite {
    use super::*;

    pub fn arith<D: Device>(d: &D) {
        manual_seed(1);
        let a = with_specials(randn::<Rank2<5, 67>>());
        let b = randn::<Rank2<5, 67>>();
        let row = randn::<Rank1<67>>();
        let (da, db, drow) = (a.to_device(d), b.to_device(d), row.to_device(d));
        check("a + b", &(&da + &db), &(&a + &b), EXACT);
        check("a - b", &(&da - &db), &(&a - &b), EXACT);
        check("a * b", &(&da * &db), &(&a * &b), EXACT);
        check("a / b", &(&da / &db), &(&a / &b), EXACT);
        check("maximum", &da.maximum(&db), &a.maximum(&b), EXACT);
        check("minimum", &da.minimum(&db), &a.minimum(&b), EXACT);
        check("a + row (broadcast)", &(&da + &drow), &(&a + &row), EXACT);
        check("row - a (broadcast)", &(&drow - &da), &(&row - &a), EXACT);
        // A transposed operand.
        let c = randn::<Rank2<67, 5>>();
        let dc = c.to_device(d);
        check("a * c.t()", &(&da * &dc.t()), &(&a * &c.t()), EXACT);
        // Scalars, both sides.
        check("2.5 * a", &(2.5 * &da), &(2.5 * &a), EXACT);
        check("a - 1", &(&da - 1.0), &(&a - 1.0), EXACT);
        check("1 / a", &(1.0 / &da), &(1.0 / &a), EXACT);

        // Integers wrap, exactly as the CPU.
        let (i, j) = (
            ints::<Rank2<4, 33>>(1, 1 << 40),
            ints::<Rank2<4, 33>>(2, 1 << 40),
        );
        let (di, dj) = (i.to_device(d), j.to_device(d));
        check("i64 +", &(&di + &dj), &(&i + &j), EXACT);
        check("i64 *", &(&di * &dj), &(&i * &j), EXACT);
        check("i64 maximum", &di.maximum(&dj), &i.maximum(&j), EXACT);
        let (k, l) = (
            ints32::<Rank1<100>>(3, 1 << 20),
            ints32::<Rank1<100>>(4, 1 << 20),
        );
        check(
            "i32 - (wrapping)",
            &(&k.to_device(d) - &l.to_device(d)),
            &(&k - &l),
            EXACT,
        );

        // In place (the device's in-place kernels when the storage is unshared).
        let mut x = a.to_device(d);
        x.add_(&drow);
        let mut want = a.clone();
        want.add_(&row);
        check("add_ (in place)", &x, &want, EXACT);
        let mut x = a.to_device(d);
        x -= &db;
        x *= 3.0;
        x /= 2.0;
        let mut want = a.clone();
        want -= &b;
        want *= 3.0;
        want /= 2.0;
        check("-=, *=, /= (in place)", &x, &want, EXACT);
    }

    pub fn unary<D: Device>(d: &D) {
        manual_seed(2);
        let a = with_specials(randn::<Rank2<7, 45>>());
        let da = a.to_device(d);
        check("neg", &da.neg(), &a.neg(), EXACT);
        check("abs", &da.abs(), &a.abs(), EXACT);
        check("relu", &da.relu(), &a.relu(), EXACT);
        check(
            "clamp",
            &da.clamp(Some(-0.5), Some(0.7)),
            &a.clamp(Some(-0.5), Some(0.7)),
            EXACT,
        );
        check("clamp_min", &da.clamp_min(0.1), &a.clamp_min(0.1), EXACT);
        check("clamp_max", &da.clamp_max(0.1), &a.clamp_max(0.1), EXACT);
        check("add_scalar", &da.add_scalar(1.5), &a.add_scalar(1.5), EXACT);
        check("sqrt", &da.sqrt(), &a.sqrt(), EXACT);
        check("pow(2)", &da.pow(2.0), &a.pow(2.0), EXACT);
        check("pow(1)", &da.pow(1.0), &a.pow(1.0), EXACT);
        check("div_scalar", &da.div_scalar(3.0), &a.div_scalar(3.0), EXACT);
        check("exp", &da.exp(), &a.exp(), ULPS);
        check("log", &da.abs().log(), &a.abs().log(), ULPS);
        check("tanh", &da.tanh(), &a.tanh(), ULPS);
        check("sigmoid", &da.sigmoid(), &a.sigmoid(), ULPS);
        check("pow(3)", &da.pow(3.0), &a.pow(3.0), ULPS);
        check("pow(0.5)", &da.abs().pow(0.5), &a.abs().pow(0.5), ULPS);
        check("sin", &da.sin(), &a.sin(), ULPS);
        check("cos", &da.cos(), &a.cos(), ULPS);
        check("exp2", &da.exp2(), &a.exp2(), ULPS);
        check("log1p", &da.abs().log1p(), &a.abs().log1p(), ULPS);
        check("expm1", &da.expm1(), &a.expm1(), ULPS);
        check("rsqrt", &da.abs().rsqrt(), &a.abs().rsqrt(), ULPS);
        check("sign", &da.sign(), &a.sign(), EXACT);
        check(
            "floor",
            &da.mul_scalar(3.0).floor(),
            &a.mul_scalar(3.0).floor(),
            EXACT,
        );
        check(
            "round",
            &da.mul_scalar(2.0).round(),
            &a.mul_scalar(2.0).round(),
            EXACT,
        );
        check("gelu", &F::gelu(&da), &F::gelu(&a), ULPS);
        let tanh = GeluApproximate::Tanh;
        check(
            "gelu tanh",
            &F::gelu_with(&da, tanh),
            &F::gelu_with(&a, tanh),
            ULPS,
        );
        check(
            "leaky_relu",
            &F::leaky_relu(&da, 0.2),
            &F::leaky_relu(&a, 0.2),
            EXACT,
        );
        // Their gradients: one fused kernel each (`unary_<op>_backward_*`).
        let x = randn::<Rank2<7, 45>>();
        for name in [
            "sin",
            "cos",
            "exp2",
            "expm1",
            "log1p",
            "rsqrt",
            "gelu",
            "gelu_tanh",
            "leaky_relu",
        ] {
            check(
                &format!("{name} backward"),
                &float_fn_grad(name, &x, d),
                &float_fn_grad(name, &x, &Cpu),
                ULPS,
            );
        }
        // A strided input.
        check("exp of a transpose", &da.t().exp(), &a.t().exp(), ULPS);
        // f64 and integers.
        let x = randn::<Rank1<300>>().double();
        check("f64 exp", &x.to_device(d).exp(), &x.exp(), ULPS);
        let i = ints32::<Rank1<100>>(5, 1000);
        let di = i.to_device(d);
        check("i32 abs (i32::MIN wraps)", &di.abs(), &i.abs(), EXACT);
        check("i32 neg", &di.neg(), &i.neg(), EXACT);
        check("i32 * 3", &(&di * 3), &(&i * 3), EXACT);
        check(
            "i32 clamp",
            &di.clamp(Some(-10), Some(20)),
            &i.clamp(Some(-10), Some(20)),
            EXACT,
        );
        // In place.
        let (mut x, mut want) = (a.to_device(d), a.clone());
        x.mul_scalar_(-2.0)
            .clamp_(Some(-1.0), None)
            .div_scalar_(4.0);
        want.mul_scalar_(-2.0)
            .clamp_(Some(-1.0), None)
            .div_scalar_(4.0);
        check("mul_scalar_, clamp_, div_scalar_", &x, &want, EXACT);
    }

    pub fn softmax<D: Device>(d: &D) {
        manual_seed(20);
        // Lines longer and shorter than a block, along every axis; logits up to 1e4.
        let a = randn::<Rank3<3, 300, 5>>().mul_scalar(30.0);
        let da = a.to_device(d);
        check("softmax(0)", &da.softmax::<0>(), &a.softmax::<0>(), ULPS);
        check("softmax(1)", &da.softmax::<1>(), &a.softmax::<1>(), ULPS);
        check(
            "log_softmax(2)",
            &da.log_softmax::<2>(),
            &a.log_softmax::<2>(),
            ULPS,
        );
        check(
            "log_softmax(1)",
            &da.log_softmax::<1>(),
            &a.log_softmax::<1>(),
            ULPS,
        );
        check(
            "logsumexp(1)",
            &da.logsumexp::<1>(),
            &a.logsumexp::<1>(),
            ULPS,
        );
        check(
            "logsumexp(0)",
            &da.logsumexp::<0>(),
            &a.logsumexp::<0>(),
            ULPS,
        );
        let t = a.transpose::<0, 1>();
        check(
            "softmax of a transpose",
            &da.transpose::<0, 1>().softmax::<2>(),
            &t.softmax::<2>(),
            ULPS,
        );
        let special = with_specials(randn::<Rank2<4, 5>>().mul_scalar(1e4));
        let ds = special.to_device(d);
        check(
            "softmax, specials",
            &ds.softmax::<1>(),
            &special.softmax::<1>(),
            ULPS,
        );
        check(
            "logsumexp, specials",
            &ds.logsumexp::<1>(),
            &special.logsumexp::<1>(),
            ULPS,
        );
        // Gradients (the fused backward kernels) against the CPU's, with a weight so that
        // the incoming gradient is not uniform.
        let w = randn::<Rank3<3, 300, 5>>();
        let dw = w.to_device(d);
        let (x, cx) = (a.leaf_on(d), a.leaf_on(&Cpu));
        (&x.softmax::<0>() * &dw).sum().backward();
        (&cx.softmax::<0>() * &w).sum().backward();
        check(
            "softmax backward",
            &x.grad().unwrap(),
            &cx.grad().unwrap(),
            SUMS,
        );
        let (x, cx) = (a.leaf_on(d), a.leaf_on(&Cpu));
        (&x.log_softmax::<1>() * &dw).sum().backward();
        (&cx.log_softmax::<1>() * &w).sum().backward();
        check(
            "log_softmax backward",
            &x.grad().unwrap(),
            &cx.grad().unwrap(),
            SUMS,
        );
        let (x, cx) = (a.leaf_on(d), a.leaf_on(&Cpu));
        x.logsumexp::<1>().sum().backward();
        cx.logsumexp::<1>().sum().backward();
        check(
            "logsumexp backward",
            &x.grad().unwrap(),
            &cx.grad().unwrap(),
            ULPS,
        );
    }

    pub fn losses<D: Device>(d: &D) {
        manual_seed(21);
        let x = randn::<Rank2<33, 10>>().mul_scalar(5.0);
        let t = Tensor::<Rank1<33>, i64>::from_fn(|i| {
            if i % 7 == 3 {
                -100
            } else {
                (i * 3 % 10) as i64
            }
        });
        let (dx, dt) = (x.to_device(d), t.to_device(d));
        let opts = ClassOpts::new().label_smoothing(0.1);
        check(
            "cross_entropy none",
            &F::cross_entropy_none(&dx, &dt, opts),
            &F::cross_entropy_none(&x, &t, opts),
            SUMS,
        );
        check(
            "cross_entropy mean",
            &F::cross_entropy_with(&dx, &dt, Reduction::Mean, opts),
            &F::cross_entropy_with(&x, &t, Reduction::Mean, opts),
            SUMS,
        );
        let bad = tensor([0i64, 10, 0]).to_device(d);
        assert!(matches!(
            F::try_cross_entropy(&dx.narrow::<0, 0, 3>(), &bad),
            Err(Error::IndexOutOfRange {
                index: 10,
                size: 10
            })
        ));
        let y = randn::<Rank2<33, 10>>().sigmoid();
        let dy = y.to_device(d);
        let none: Option<&Tensor<Rank1<10>, f32, D>> = None;
        let cnone: Option<&Tensor<Rank1<10>>> = None;
        check(
            "bce with logits",
            &F::binary_cross_entropy_with_logits_none(&dx, &dy, none),
            &F::binary_cross_entropy_with_logits_none(&x, &y, cnone),
            ULPS,
        );
        check(
            "smooth_l1",
            &F::smooth_l1_loss_none(&dx, &dy, 0.5),
            &F::smooth_l1_loss_none(&x, &y, 0.5),
            EXACT,
        );
        check(
            "huber",
            &F::huber_loss_none(&dx, &dy, 0.5),
            &F::huber_loss_none(&x, &y, 0.5),
            EXACT,
        );
        // Gradients through log_softmax, gather and scatter_add on the device.
        let (lx, cx) = (x.leaf_on(d), x.leaf_on(&Cpu));
        F::cross_entropy_with(&lx, &dt, Reduction::Sum, opts).backward();
        F::cross_entropy_with(&cx, &t, Reduction::Sum, opts).backward();
        check(
            "cross_entropy backward",
            &lx.grad().unwrap(),
            &cx.grad().unwrap(),
            SUMS,
        );
        // Dropout: the mask comes from the host generator, so both devices drop the same.
        manual_seed(3);
        let a = F::dropout(&dx, 0.3, true);
        manual_seed(3);
        check("dropout", &a, &F::dropout(&x, 0.3, true), EXACT);
        check(
            "linspace",
            &Tensor::<Rank1<9>, f32, D>::linspace_on(-1.0, 2.0, d),
            &Tensor::<Rank1<9>>::linspace(-1.0, 2.0),
            EXACT,
        );
    }

    pub fn compare<D: Device>(d: &D) {
        manual_seed(3);
        let a = with_specials(randn::<Rank2<6, 40>>());
        // Ties: b equals a at every third element.
        let b = Tensor::<Rank2<6, 40>>::from_fn({
            let (av, bv) = (a.to_vec(), randn::<Rank2<6, 40>>().to_vec());
            move |i| if i % 3 == 0 { av[i] } else { bv[i] }
        });
        let (da, db) = (a.to_device(d), b.to_device(d));
        check("eq", &da.eq(&db), &a.eq(&b), EXACT);
        check("ne", &da.ne(&db), &a.ne(&b), EXACT);
        check("lt", &da.lt(&db), &a.lt(&b), EXACT);
        check("le", &da.le(&db), &a.le(&b), EXACT);
        check("gt", &da.gt(&db), &a.gt(&b), EXACT);
        check("ge", &da.ge(&db), &a.ge(&b), EXACT);
        check("lt_scalar", &da.lt_scalar(0.0), &a.lt_scalar(0.0), EXACT);
        let mask = a.gt_scalar(0.3);
        let dmask = mask.to_device(d);
        check(
            "masked_fill",
            &da.masked_fill(&dmask, 7.0),
            &a.masked_fill(&mask, 7.0),
            EXACT,
        );
        check(
            "where",
            &da.where_(&dmask, &db),
            &a.where_(&mask, &b),
            EXACT,
        );
        let i = ints::<Rank1<50>>(6, 5);
        let j = ints::<Rank1<50>>(7, 5);
        check(
            "i64 le",
            &i.to_device(d).le(&j.to_device(d)),
            &i.le(&j),
            EXACT,
        );
        check("bool eq", &dmask.eq(&dmask.t().t()), &mask.eq(&mask), EXACT);
        let mut x = a.to_device(d);
        x.masked_fill_(&dmask, -1.0);
        check("masked_fill_", &x, &a.masked_fill(&mask, -1.0), EXACT);
    }

    pub fn copy_cast<D: Device>(d: &D) {
        manual_seed(4);
        let a = with_specials(randn::<Rank2<9, 13>>().mul_scalar(1e3));
        let da = a.to_device(d);
        check(
            "contiguous of a transpose",
            &da.t().contiguous(),
            &a.t().contiguous(),
            EXACT,
        );
        check("to i32", &da.to_dtype::<i32>(), &a.to_dtype::<i32>(), EXACT);
        check("to i64", &da.long(), &a.long(), EXACT);
        check("to f64", &da.double(), &a.double(), EXACT);
        check("to bool", &da.bool(), &a.bool(), EXACT);
        check(
            "f64 to f32",
            &da.double().mul_scalar(1.1).float(),
            &a.double().mul_scalar(1.1).float(),
            EXACT,
        );
        let i = ints::<Rank1<40>>(8, 1 << 40);
        let di = i.to_device(d);
        check("i64 to i32 (low bits)", &di.int(), &i.int(), EXACT);
        check("i64 to f32", &di.float(), &i.float(), EXACT);
        check(
            "bool to f32",
            &di.gt_scalar(0).float(),
            &i.gt_scalar(0).float(),
            EXACT,
        );
        check(
            "bool to i64",
            &di.gt_scalar(0).long(),
            &i.gt_scalar(0).long(),
            EXACT,
        );
        // copy_ with broadcasting.
        let row = randn::<Rank1<13>>();
        let (mut x, mut want) = (da.clone(), a.clone());
        x.copy_(&row.to_device(d));
        want.copy_(&row);
        check("copy_ (broadcast)", &x, &want, EXACT);
    }

    pub fn views<D: Device>(d: &D) {
        manual_seed(5);
        let a = randn::<Rank3<3, 4, 5>>();
        let da = a.to_device(d);
        check(
            "permute",
            &da.permute::<2, 0, 1>(),
            &a.permute::<2, 0, 1>(),
            EXACT,
        );
        check(
            "transpose",
            &da.transpose::<0, 2>(),
            &a.transpose::<0, 2>(),
            EXACT,
        );
        check(
            "narrow",
            &da.narrow::<1, 1, 2>(),
            &a.narrow::<1, 1, 2>(),
            EXACT,
        );
        check(
            "view",
            &da.view::<Rank2<12, 5>>(),
            &a.view::<Rank2<12, 5>>(),
            EXACT,
        );
        check(
            "reshape of a transpose (copies)",
            &da.transpose::<0, 2>().reshape::<Rank1<60>>(),
            &a.transpose::<0, 2>().reshape::<Rank1<60>>(),
            EXACT,
        );
        check(
            "expand_dim",
            &da.narrow::<0, 0, 1>().expand_dim::<0, 3>(),
            &a.narrow::<0, 0, 1>().expand_dim::<0, 3>(),
            EXACT,
        );
    }

    pub fn index<D: Device>(d: &D) {
        manual_seed(6);
        let a = randn::<Rank2<6, 9>>();
        let da = a.to_device(d);
        let idx = tensor([5i64, 0, 0, 3]);
        let didx = idx.to_device(d);
        check(
            "index_select axis 0",
            &da.index_select::<0, 4>(&didx).unwrap(),
            &a.index_select::<0, 4>(&idx).unwrap(),
            EXACT,
        );
        let gi = tensor([[5i64, 0], [0, 5], [3, 3], [1, 2], [4, 4], [2, 0]]);
        let dgi = gi.to_device(d);
        check(
            "gather axis 1",
            &da.gather::<1, _>(&dgi),
            &a.gather::<1, _>(&gi),
            EXACT,
        );
        check(
            "gather axis 0 of a transpose",
            &da.t().gather::<0, _>(&dgi.t()),
            &a.t().gather::<0, _>(&gi.t()),
            EXACT,
        );
        let src = randn::<Rank2<6, 2>>();
        check(
            "scatter_add axis 1",
            &da.scatter_add::<1, _>(&dgi, &src.to_device(d)),
            &a.scatter_add::<1, _>(&gi, &src),
            ULPS,
        );
        let bad = tensor([[0i64, 9], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]).to_device(d);
        assert!(matches!(
            da.try_gather::<1, _>(&bad),
            Err(Error::IndexOutOfRange { index: 9, size: 9 })
        ));
        assert!(matches!(
            da.try_scatter_add::<1, _>(&bad, &src.to_device(d)),
            Err(Error::IndexOutOfRange { index: 9, size: 9 })
        ));
        check(
            "index_select axis 1 of a transpose",
            &da.t().index_select::<1, 4>(&didx).unwrap(),
            &a.t().index_select::<1, 4>(&idx).unwrap(),
            EXACT,
        );
        let bad = tensor([1i64, 6, -1]).to_device(d);
        match da.index_select::<0, 3>(&bad) {
            Err(Error::IndexOutOfRange { index, size }) => assert_eq!((index, size), (6, 6)),
            other => panic!("index 6 of 6: expected IndexOutOfRange, got {other:?}"),
        }
        let b = randn::<Rank2<2, 9>>();
        let db = b.to_device(d);
        check(
            "cat axis 0",
            &da.cat::<0, _>(&db),
            &a.cat::<0, _>(&b),
            EXACT,
        );
        let c = randn::<Rank2<6, 3>>();
        check(
            "cat axis 1",
            &da.cat::<1, _>(&c.to_device(d)),
            &a.cat::<1, _>(&c),
            EXACT,
        );
        let i = ints::<Rank2<6, 2>>(9, 100);
        check(
            "i64 cat",
            &i.to_device(d).cat::<1, _>(&i.to_device(d)),
            &i.cat::<1, _>(&i),
            EXACT,
        );
        // index_add: the gradient of index_select with a repeated index.
        let w = randn::<Rank2<4, 9>>();
        let grad_of = |x: &Tensor<Rank2<6, 9>, f32, D>, idx: &Tensor<Rank1<4>, i64, D>| {
            let x = x.detach().requires_grad_();
            (&x.index_select::<0, 4>(idx).unwrap() * &w.to_device(x.device()))
                .sum()
                .backward();
            x.grad().unwrap()
        };
        let want = {
            let x = a.detach().requires_grad_();
            (&x.index_select::<0, 4>(&idx).unwrap() * &w)
                .sum()
                .backward();
            x.grad().unwrap()
        };
        check("index_add (backward)", &grad_of(&da, &didx), &want, SUMS);
    }

    pub fn matmul<D: Device>(d: &D) {
        manual_seed(7);
        let a = randn::<Rank2<67, 45>>();
        let b = randn::<Rank2<45, 70>>();
        let (da, db) = (a.to_device(d), b.to_device(d));
        check("mm 67x45x70", &da.mm(&db), &a.mm(&b), SUMS);
        check(
            "mm of transposes",
            &db.t().mm(&da.t()),
            &b.t().mm(&a.t()),
            SUMS,
        );
        let c = randn::<Rank3<3, 20, 30>>();
        let e = randn::<Rank3<3, 30, 17>>();
        check(
            "batched matmul",
            &c.to_device(d).matmul(&e.to_device(d)),
            &c.matmul(&e),
            SUMS,
        );
        let v = randn::<Rank1<45>>();
        check(
            "matrix @ vector",
            &da.matmul(&v.to_device(d)),
            &a.matmul(&v),
            SUMS,
        );
        let (x, y) = (a.double(), b.double());
        check(
            "f64 mm",
            &x.to_device(d).mm(&y.to_device(d)),
            &x.mm(&y),
            SUMS,
        );
        let (i, j) = (
            ints::<Rank2<9, 20>>(10, 1000),
            ints::<Rank2<20, 11>>(11, 1000),
        );
        check(
            "i64 mm (wrapping)",
            &i.to_device(d).mm(&j.to_device(d)),
            &i.mm(&j),
            EXACT,
        );
        let (k, l) = (
            ints32::<Rank2<65, 33>>(12, 50),
            ints32::<Rank2<33, 66>>(13, 50),
        );
        check(
            "i32 mm",
            &k.to_device(d).mm(&l.to_device(d)),
            &k.mm(&l),
            EXACT,
        );
    }

    pub fn reduce<D: Device>(d: &D) {
        manual_seed(8);
        let a = randn::<Rank2<37, 301>>();
        let da = a.to_device(d);
        check("sum", &da.sum(), &a.sum(), SUMS);
        check("sum_dim 0", &da.sum_dim::<0>(), &a.sum_dim::<0>(), SUMS);
        check("sum_dim 1", &da.sum_dim::<1>(), &a.sum_dim::<1>(), SUMS);
        check("mean", &da.mean(), &a.mean(), SUMS);
        check(
            "mean_dim 1 of a transpose",
            &da.t().mean_dim::<1>(),
            &a.t().mean_dim::<1>(),
            SUMS,
        );
        check("max", &da.max(), &a.max(), EXACT);
        check("min", &da.min(), &a.min(), EXACT);
        check("max_dim 0", &da.max_dim::<0>(), &a.max_dim::<0>(), EXACT);
        check("min_dim 1", &da.min_dim::<1>(), &a.min_dim::<1>(), EXACT);
        check("argmax", &da.argmax(), &a.argmax(), EXACT);
        check("argmin", &da.argmin(), &a.argmin(), EXACT);
        check(
            "argmax_dim 1",
            &da.argmax_dim::<1>(),
            &a.argmax_dim::<1>(),
            EXACT,
        );
        check(
            "argmin_dim 0",
            &da.argmin_dim::<0>(),
            &a.argmin_dim::<0>(),
            EXACT,
        );
        // NaN wins max and argmax, the first one.
        let n = with_specials(randn::<Rank1<5000>>());
        let dn = n.to_device(d);
        check("max with NaN", &dn.max(), &n.max(), EXACT);
        check("argmax with NaN", &dn.argmax(), &n.argmax(), EXACT);
        // Ties: the first extreme.
        let t = tensor([1.0f32, 3.0, 3.0, -2.0, -2.0, 0.0]);
        check("argmax tie", &t.to_device(d).argmax(), &t.argmax(), EXACT);
        check("argmin tie", &t.to_device(d).argmin(), &t.argmin(), EXACT);
        // Integer sums wrap and are exact.
        let i = ints::<Rank2<30, 70>>(14, 1 << 50);
        let di = i.to_device(d);
        check("i64 sum", &di.sum(), &i.sum(), EXACT);
        check(
            "i64 sum_dim 0",
            &di.sum_dim::<0>(),
            &i.sum_dim::<0>(),
            EXACT,
        );
        check(
            "i64 max_dim 1",
            &di.max_dim::<1>(),
            &i.max_dim::<1>(),
            EXACT,
        );
        // i32 and bool sums are i64, as PyTorch promotes them: no wrap-around at 32 bits.
        let k = ints32::<Rank1<10000>>(15, 1 << 30);
        check("i32 sum (int64)", &k.to_device(d).sum(), &k.sum(), EXACT);
        let big = Tensor::<Rank2<3, 700>, i32>::full(i32::MAX);
        assert_eq!(big.to_device(d).sum().item(), 2100 * i64::from(i32::MAX));
        let want = vec![700 * i64::from(i32::MAX); 3];
        assert_eq!(big.to_device(d).sum_dim::<1>().to_vec(), want);
        let b = k.lt_scalar(0).view::<Rank2<100, 100>>();
        let db = b.to_device(d);
        check("bool sum", &db.sum(), &b.sum(), EXACT);
        check(
            "bool sum_dim 0",
            &db.sum_dim::<0>(),
            &b.sum_dim::<0>(),
            EXACT,
        );
        check(
            "bool sum_dim 1",
            &db.sum_dim::<1>(),
            &b.sum_dim::<1>(),
            EXACT,
        );
        // A long reduction (several blocks, two passes) in f64.
        let x = randn::<Rank1<100000>>().double();
        check(
            "f64 sum of 100000",
            &x.to_device(d).sum(),
            &x.sum(),
            Tol {
                abs: 1e-9,
                rel: 1e-12,
            },
        );
    }

    pub fn empty<D: Device>(d: &D) {
        let a = Tensor::<Rank2<0, 3>>::zeros();
        let da = a.to_device(d);
        check("empty + empty", &(&da + &da), &(&a + &a), EXACT);
        check("sum of empty", &da.sum(), &a.sum(), EXACT);
        check(
            "sum_dim 0 of empty",
            &da.sum_dim::<0>(),
            &a.sum_dim::<0>(),
            EXACT,
        );
        check(
            "empty mm",
            &da.mm(&Tensor::<Rank2<3, 4>>::ones().to_device(d)),
            &a.mm(&Tensor::<Rank2<3, 4>>::ones()),
            EXACT,
        );
        let k0 = Tensor::<Rank2<2, 0>>::zeros();
        let z = Tensor::<Rank2<0, 4>>::zeros();
        check(
            "mm with K = 0",
            &k0.to_device(d).mm(&z.to_device(d)),
            &k0.mm(&z),
            EXACT,
        );
        assert!(da.to_vec().is_empty());
    }

    pub fn printing<D: Device>(d: &D) {
        let x = tensor([[1.5f32, -2.0], [0.25, 4.0]]);
        let shown = x.to_device(d).to_string();
        match d.print_name() {
            None => assert_eq!(shown, x.to_string()),
            Some(name) => assert_eq!(
                shown,
                format!(
                    "tensor([[ 1.5000, -2.0000],\n        [ 0.2500,  4.0000]], device='{name}')"
                )
            ),
        }
        let r = x.to_device(d).requires_grad_();
        let y = r.mul_scalar(2.0);
        assert!(y.to_string().ends_with("grad_fn=<MulBackward0>)"), "{y}");
    }

    pub fn moves<D: Device>(d: &D) {
        manual_seed(9);
        let x = randn::<Rank2<3, 4>>();
        let back = x.to_device(d).cpu();
        check("round trip", &back, &x, EXACT);
        check(
            "to(device, double)",
            &x.to_device(d).to_device_dtype::<f64, _>(&Cpu),
            &x.double(),
            EXACT,
        );
        check("a strided view moved", &x.t().to_device(d), &x.t(), EXACT);
        // Gradients flow back across the move.
        let w = x.detach().requires_grad_();
        let y = w.to_device(d).mul_scalar(3.0).sum();
        assert_eq!(y.grad_fn(), Some("SumBackward0"));
        y.backward();
        check(
            "grad through to_device",
            &w.grad().unwrap(),
            &Tensor::full(3.0),
            EXACT,
        );
        assert!(w.to_device(d).grad_fn() == Some("ToCopyBackward0") || d.print_name().is_none());
    }

    /// Tensors used, and dropped, on a thread other than the one that made them.
    pub fn threads<D: Device>(d: &D) {
        manual_seed(12);
        let x = randn::<Rank2<8, 9>>();
        let dx = x.to_device(d);
        let on_other = std::thread::spawn(move || {
            let y = (&dx + &dx).exp();
            let back = y.cpu();
            drop((dx, y));
            back
        })
        .join()
        .unwrap();
        check(
            "op and drop on another thread",
            &on_other,
            &(&x + &x).exp(),
            ULPS,
        );
        // Only a drop on a fresh thread: the free must find the device's context there too.
        let dz = x.to_device(d);
        std::thread::spawn(move || drop(dz)).join().unwrap();
    }

    /// A device that runs out of memory says so in an `Err` (only devices with a name: the
    /// CPU would abort on an allocation failure, as Rust's allocator does).
    pub fn out_of_memory<D: Device>(d: &D) {
        if d.print_name().is_none() {
            return;
        }
        // 10^12 f32s: 4 TB, more than any GPU holds.
        match Tensor::<Rank2<1_000_000, 1_000_000>, f32, D>::try_full_on(0.0, d) {
            Ok(_) => panic!("a 4 TB tensor was allocated"),
            Err(e) => assert!(e.to_string().contains("out of memory"), "{e}"),
        }
        // The ops' `try_` twins return the error where their plain forms panic: one element
        // seen (zero strides, no copy) as 10^12, whose results need 4 TB (1 TB of bools).
        let huge = tensor([[1.0f32]])
            .to_device(d)
            .expand_dim::<0, 1_000_000>()
            .expand_dim::<1, 1_000_000>();
        let oom = |what: &str, r: typetensor::Result<()>| match r {
            Ok(()) => panic!("{what}: a 4 TB result was allocated"),
            Err(e) => assert!(e.to_string().contains("out of memory"), "{what}: {e}"),
        };
        oom("try_contiguous", huge.try_contiguous().map(drop));
        oom("try_add", huge.try_add(&huge).map(drop));
        oom("try_mul_scalar", huge.try_mul_scalar(2.0).map(drop));
        oom("try_exp", huge.try_exp().map(drop));
        oom("try_lt_scalar", huge.try_lt_scalar(0.5).map(drop));
        oom("try_zeros_like", huge.try_zeros_like().map(drop));
        oom(
            "try_add_scalar_",
            huge.clone().try_add_scalar_(1.0).map(|_| ()),
        );
        let one = tensor([1.0f32]).to_device(d);
        oom(
            "try_new_zeros",
            one.try_new_zeros::<Rank2<1_000_000, 1_000_000>>().map(drop),
        );
        // The plain form panics with the same error.
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| huge.exp()));
        let msg = panicked.expect_err("exp() of 4 TB returned");
        let msg = msg
            .downcast_ref::<String>()
            .map_or("(not a string)", String::as_str);
        assert!(msg.contains("out of memory"), "{msg}");
        // The device is still usable afterwards.
        let x = tensor([1.0f32, 2.0]);
        check(
            "after an allocation failure",
            &x.to_device(d).mul_scalar(2.0),
            &x.mul_scalar(2.0),
            EXACT,
        );
    }

    /// The lesson's two-layer network: forward, loss, backward, on `d` and on the CPU.
    pub fn two_layer_backward<D: Device>(d: &D) {
        manual_seed(10);
        let x = randn::<Rank2<64, 100>>();
        let y = randn::<Rank2<64, 10>>();
        let w1 = randn::<Rank2<100, 50>>().requires_grad_();
        let w2 = randn::<Rank2<50, 10>>().requires_grad_();
        let run = |x: &Tensor<Rank2<64, 100>, f32, D>,
                   y: &Tensor<Rank2<64, 10>, f32, D>,
                   w1: &Tensor<Rank2<100, 50>, f32, D>,
                   w2: &Tensor<Rank2<50, 10>, f32, D>| {
            let y_pred = x.mm(w1).clamp_min(0.0).mm(w2);
            let loss = (&y_pred - y).pow(2.0).sum();
            loss.backward();
            loss
        };
        let (dw1, dw2) = (w1.leaf_on(d), w2.leaf_on(d));
        let loss = run(&x.to_device(d), &y.to_device(d), &dw1, &dw2);
        let loss_cpu = {
            let y_pred = x.mm(&w1).clamp_min(0.0).mm(&w2);
            let loss = (&y_pred - &y).pow(2.0).sum();
            loss.backward();
            loss
        };
        let rel = Tol {
            abs: 1e-3,
            rel: 1e-4,
        };
        check("loss", &loss, &loss_cpu, rel);
        check("w1.grad", &dw1.grad().unwrap(), &w1.grad().unwrap(), rel);
        check("w2.grad", &dw2.grad().unwrap(), &w2.grad().unwrap(), rel);
        // relu's gradient through clamp_backward, and a sigmoid/tanh chain.
        let h = randn::<Rank2<8, 9>>().requires_grad_();
        let dh = h.leaf_on(d);
        dh.relu()
            .tanh()
            .sigmoid()
            .clamp(Some(0.3), Some(0.7))
            .sum()
            .backward();
        h.relu()
            .tanh()
            .sigmoid()
            .clamp(Some(0.3), Some(0.7))
            .sum()
            .backward();
        check(
            "relu/tanh/sigmoid/clamp grad",
            &dh.grad().unwrap(),
            &h.grad().unwrap(),
            ULPS,
        );
    }

    /// Optimizer steps on a `Sequential` moved to `d` (`model.cuda()`), against the CPU.
    pub fn conv<D: Device>(d: &D) {
        use typetensor::ops::conv::ConvOpts;
        manual_seed(91);
        // Forward and the three gradients of a batched, padded, strided, grouped convolution
        // against the CPU's (the products sum in another order: SUMS).
        let x = randn::<Rank4<3, 4, 9, 8>>();
        let w = randn::<Rank4<6, 2, 3, 3>>();
        let b = randn::<Rank1<6>>();
        let opts = ConvOpts::<2, 1, 1, 2>;
        let want = x
            .leaf_on(&Cpu)
            .conv2d_with(&w.leaf_on(&Cpu), Some(&b.leaf_on(&Cpu)), opts);
        let (xd, wd, bd) = (x.leaf_on(d), w.leaf_on(d), b.leaf_on(d));
        let got = xd.conv2d_with(&wd, Some(&bd), opts);
        check("conv2d", &got, &want, SUMS);
        let (xc, wc, bc) = (x.leaf_on(&Cpu), w.leaf_on(&Cpu), b.leaf_on(&Cpu));
        let gy = randn::<Rank4<3, 6, 5, 4>>();
        (&xc.conv2d_with(&wc, Some(&bc), opts) * &gy)
            .sum()
            .backward();
        (&got * &gy.to_device(d)).sum().backward();
        check("conv2d dx", &xd.grad().unwrap(), &xc.grad().unwrap(), SUMS);
        check("conv2d dw", &wd.grad().unwrap(), &wc.grad().unwrap(), SUMS);
        check("conv2d db", &bd.grad().unwrap(), &bc.grad().unwrap(), SUMS);
        // Unbatched, dilated, no bias; a strided (transposed) input read in place.
        let u = randn::<Rank3<2, 7, 7>>();
        let wu = randn::<Rank4<3, 2, 2, 3>>();
        let ou = ConvOpts::<1, 2, 2>;
        check(
            "conv2d unbatched",
            &u.to_device(d).conv2d_with(&wu.to_device(d), None, ou),
            &u.conv2d_with(&wu, None, ou),
            SUMS,
        );
        let t = randn::<Rank4<2, 3, 6, 5>>();
        let wt = randn::<Rank4<2, 3, 3, 3>>();
        check(
            "conv2d of a transposed view",
            &t.to_device(d)
                .transpose::<2, 3>()
                .conv2d(&wt.to_device(d), None),
            &t.transpose::<2, 3>().conv2d(&wt, None),
            SUMS,
        );
        // conv1d.
        let s = randn::<Rank3<2, 3, 11>>();
        let ws = randn::<Rank3<4, 3, 3>>();
        check(
            "conv1d",
            &s.to_device(d)
                .conv1d_with(&ws.to_device(d), None, ConvOpts::<2, 1>),
            &s.conv1d_with(&ws, None, ConvOpts::<2, 1>),
            SUMS,
        );
    }

    pub fn pool<D: Device>(d: &D) {
        use typetensor::ops::pool::PoolOpts;
        manual_seed(92);
        // Max pooling picks exactly as the CPU does (ties, NaN, infinities), and its
        // gradient and the average pools add in the CPU's order: bit for bit.
        let x = with_specials(randn::<Rank4<2, 3, 9, 8>>());
        let xr = x
            .to_vec()
            .iter()
            .map(|v| (v * 2.0).round())
            .collect::<Vec<_>>();
        let x = Tensor::<Rank4<2, 3, 9, 8>>::from_vec(xr).unwrap(); // many ties
        let opts = PoolOpts::<3, 2, 1>;
        let (v, i) = x.to_device(d).max_pool2d_with_indices(opts);
        let (wv, wi) = x.max_pool2d_with_indices(opts);
        check("max_pool2d", &v, &wv, EXACT);
        check("max_pool2d indices", &i, &wi, EXACT);
        let dil = PoolOpts::<2, 1, 1, 2>;
        check(
            "max_pool2d dilated",
            &x.to_device(d).max_pool2d_with(dil),
            &x.max_pool2d_with(dil),
            EXACT,
        );
        let f = randn::<Rank4<2, 3, 9, 8>>();
        let (fd, fc) = (f.leaf_on(d), f.leaf_on(&Cpu));
        let gy = randn::<Rank4<2, 3, 5, 4>>();
        (&fd.max_pool2d_with(opts) * &gy.to_device(d))
            .sum()
            .backward();
        (&fc.max_pool2d_with(opts) * &gy).sum().backward();
        check(
            "max_pool2d backward",
            &fd.grad().unwrap(),
            &fc.grad().unwrap(),
            EXACT,
        );
        fd.zero_grad();
        fc.zero_grad();
        check(
            "avg_pool2d",
            &fd.avg_pool2d_with(opts),
            &fc.avg_pool2d_with(opts),
            EXACT,
        );
        (&fd.avg_pool2d_with(opts) * &gy.to_device(d))
            .sum()
            .backward();
        (&fc.avg_pool2d_with(opts) * &gy).sum().backward();
        check(
            "avg_pool2d backward",
            &fd.grad().unwrap(),
            &fc.grad().unwrap(),
            EXACT,
        );
        fd.zero_grad();
        fc.zero_grad();
        check(
            "adaptive_avg_pool2d",
            &fd.adaptive_avg_pool2d::<4, 3>(),
            &fc.adaptive_avg_pool2d::<4, 3>(),
            EXACT,
        );
        let ga = randn::<Rank4<2, 3, 4, 3>>();
        (&fd.adaptive_avg_pool2d::<4, 3>() * &ga.to_device(d))
            .sum()
            .backward();
        (&fc.adaptive_avg_pool2d::<4, 3>() * &ga).sum().backward();
        check(
            "adaptive_avg_pool2d backward",
            &fd.grad().unwrap(),
            &fc.grad().unwrap(),
            EXACT,
        );
        // Unbatched, and a strided view.
        let u = randn::<Rank3<3, 6, 7>>();
        check(
            "max_pool2d unbatched",
            &u.to_device(d).max_pool2d::<2>(),
            &u.max_pool2d::<2>(),
            EXACT,
        );
        check(
            "avg_pool2d of a view",
            &f.to_device(d).transpose::<1, 3>().avg_pool2d::<2>(),
            &f.transpose::<1, 3>().avg_pool2d::<2>(),
            EXACT,
        );
    }

    pub fn optimizers<D: Device>(d: &D) {
        manual_seed(11);
        let x = randn::<Rank2<16, 20>>();
        let y = randn::<Rank2<16, 3>>();
        let cpu_model = Sequential::new((Linear::<20, 8>::new(), ReLU, Linear::<8, 3>::new()));
        let loss_fn = MSELoss::new(Reduction::Sum);
        let tol = Tol {
            abs: 1e-4,
            rel: 1e-4,
        };
        let run = |name: &str, mut opt_cpu: Step<Model<Cpu>>, mut opt_dev: Step<Model<D>>| {
            let mut m_cpu = cpu_model.to_device(&Cpu);
            let mut m_dev = cpu_model.to_device(d);
            let (dx, dy) = (x.to_device(d), y.to_device(d));
            for step in 0..3 {
                let l_cpu = loss_fn.forward(&m_cpu.forward(&x), &y);
                let l_dev = loss_fn.forward(&m_dev.forward(&dx), &dy);
                check(&format!("{name}: loss {step}"), &l_dev, &l_cpu, tol);
                m_cpu.zero_grad();
                m_dev.zero_grad();
                l_cpu.backward();
                l_dev.backward();
                opt_cpu(&mut m_cpu);
                opt_dev(&mut m_dev);
            }
            check(
                &format!("{name}: weight 0"),
                &m_dev.layers.0.weight,
                &m_cpu.layers.0.weight,
                tol,
            );
            check(
                &format!("{name}: bias 2"),
                m_dev.layers.2.bias.as_ref().unwrap(),
                m_cpu.layers.2.bias.as_ref().unwrap(),
                tol,
            );
        };
        let (mut a, mut b) = (Adam::<f32, Cpu>::new(1e-2), Adam::<f32, D>::new(1e-2));
        run(
            "Adam",
            Box::new(move |m| a.step(m)),
            Box::new(move |m| b.step(m)),
        );
        let (mut a, mut b) = (
            Adam::<f32, Cpu>::new(1e-2).amsgrad(true).weight_decay(0.1),
            Adam::<f32, D>::new(1e-2).amsgrad(true).weight_decay(0.1),
        );
        run(
            "Adam (amsgrad, weight decay)",
            Box::new(move |m| a.step(m)),
            Box::new(move |m| b.step(m)),
        );
        let (mut a, mut b) = (
            SGD::<f32, Cpu>::new(1e-3).momentum(0.9).nesterov(true),
            SGD::<f32, D>::new(1e-3).momentum(0.9).nesterov(true),
        );
        run(
            "SGD (nesterov)",
            Box::new(move |m| a.step(m)),
            Box::new(move |m| b.step(m)),
        );
        let (mut a, mut b) = (
            RMSprop::<f32, Cpu>::new(1e-3).momentum(0.5).centered(true),
            RMSprop::<f32, D>::new(1e-3).momentum(0.5).centered(true),
        );
        run(
            "RMSprop (centered, momentum)",
            Box::new(move |m| a.step(m)),
            Box::new(move |m| b.step(m)),
        );
        // The lesson's manual update: `param -= lr * param.grad` (the fused in-place path).
        let mut m = cpu_model.to_device(d);
        loss_fn
            .forward(&m.forward(&x.to_device(d)), &y.to_device(d))
            .backward();
        let mut want = cpu_model.to_device(&Cpu);
        loss_fn.forward(&want.forward(&x), &y).backward();
        no_grad(|| {
            for p in m.parameters_mut() {
                p.tensor.sub_scaled_grad_(1e-3);
            }
            for p in want.parameters_mut() {
                p.tensor.sub_scaled_grad_(1e-3);
            }
        });
        check(
            "manual update",
            &m.layers.0.weight,
            &want.layers.0.weight,
            tol,
        );
    }
}

type Model<D> = Sequential<(Linear<20, 8, f32, D>, ReLU, Linear<8, 3, f32, D>)>;

/// One optimizer step on a model.
type Step<M> = Box<dyn FnMut(&mut M)>;

/// The gradient of `name(x).sum()` on `d`.
fn float_fn_grad<S: Shape, D: Device>(name: &str, x: &Tensor<S>, d: &D) -> Tensor<S, f32, D> {
    let leaf = x.leaf_on(d);
    let y = match name {
        "sin" => leaf.sin(),
        "cos" => leaf.cos(),
        "exp2" => leaf.exp2(),
        "expm1" => leaf.expm1(),
        "log1p" => leaf.abs().log1p(),
        "rsqrt" => leaf.abs().add_scalar(0.5).rsqrt(),
        "gelu" => F::gelu(&leaf),
        "gelu_tanh" => F::gelu_with(&leaf, GeluApproximate::Tanh),
        "leaky_relu" => F::leaky_relu(&leaf, 0.2),
        other => panic!("no float function {other}"),
    };
    y.sum().backward();
    leaf.grad().unwrap().into_tensor()
}

/// A leaf moved to `d` that requires grad (for comparing gradients across devices).
trait LeafOn<S: Shape> {
    fn leaf_on<D: Device>(&self, d: &D) -> Tensor<S, f32, D>;
}
impl<S: Shape> LeafOn<S> for Tensor<S> {
    fn leaf_on<D: Device>(&self, d: &D) -> Tensor<S, f32, D> {
        self.detach().to_device(d).detach().requires_grad_()
    }
}

/// The suite as `#[test]`s for one device: `device_tests!(name, constructor)`, where the
/// constructor returns the device (`Cpu::default`) or a `Result` of it (`Cuda::new`).
macro_rules! device_tests {
    ($name:ident, $make:expr) => {
        common::device_tests!($name, $make, suite: [
            arith,
            unary,
            softmax,
            losses,
            compare,
            copy_cast,
            views,
            index,
            matmul,
            reduce,
            empty,
            printing,
            moves,
            threads,
            out_of_memory,
            two_layer_backward,
            optimizers,
            conv,
            pool,
        ]);
    };
}

device_tests!(cpu, Cpu::default);
device_tests!(cuda, || Cuda::new());

/// `Cuda::new()` and `Cuda::is_available()` agree, and a missing GPU is an `Err` with a
/// message, never a panic. CI runs this with the stub `libcuda.so.1` and
/// `TYPETENSOR_EXPECT_NO_CUDA=1`, where both must report no device.
#[test]
fn cuda_availability() {
    let available = Cuda::is_available();
    let made = Cuda::new();
    assert_eq!(
        available,
        made.is_ok(),
        "is_available() and new() disagree: {made:?}"
    );
    if let Err(e) = &made {
        let msg = e.to_string();
        assert!(msg.starts_with("device: "), "{msg}");
        if cuda_required() {
            panic!("TYPETENSOR_REQUIRE_CUDA=1, but {msg}");
        }
    }
    if std::env::var("TYPETENSOR_EXPECT_NO_CUDA").is_ok_and(|v| v == "1") {
        assert!(!available && made.is_err());
    }
    if !cfg!(feature = "cuda") {
        assert!(!available);
    }
    #[cfg(feature = "cuda")]
    assert!(Cuda::new_ordinal(1000).is_err(), "a thousandth GPU");
}
