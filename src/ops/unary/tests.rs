//! One-operand ops against plain references on random data: `abs`, `neg`, `clamp`, `relu`,
//! scalar arithmetic in every operator form (`x * 2.0`, `2.0 - x`, `3.0 / x`, `x += s`), and
//! the float functions with a relative tolerance against `f64` references.
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::dtype::{FloatDtype, NumDtype};
use crate::ops::test_support::{Float, Int, RefArith, cfg, check, map, transpose_ref};
use crate::ops::unary::FloatUnaryOp;
use crate::shape::ConstShape;
use crate::{Rank0, Rank1, Rank2, Rank3, Rank4, Tensor, tensor};

/// An element type as the reference code sees it, with its own plain arithmetic.
trait El: RefArith {
    /// Random values of both signs, the edges, and for floats zeros, infinities and NaN.
    fn arb() -> BoxedStrategy<Self>;
    /// Random finite clamp bounds.
    fn bound() -> BoxedStrategy<Self>;
    fn r_abs(self) -> Self;
    fn r_neg(self) -> Self;
}

macro_rules! float_el {
    ($($t:ident),*) => {$(
        impl El for $t {
            fn arb() -> BoxedStrategy<Self> {
                Self::wide()
            }
            fn bound() -> BoxedStrategy<Self> {
                (-50.0 as $t..50.0).boxed()
            }
            fn r_abs(self) -> Self {
                if self.is_nan() { self } else if self < 0.0 { -self } else { self }
            }
            fn r_neg(self) -> Self {
                -self
            }
        }
    )*};
}
float_el!(f32, f64);

macro_rules! int_el {
    ($($t:ident),*) => {$(
        impl El for $t {
            fn arb() -> BoxedStrategy<Self> {
                Self::wide(100)
            }
            fn bound() -> BoxedStrategy<Self> {
                (-50 as $t..50).boxed()
            }
            fn r_abs(self) -> Self {
                self.wrapping_abs()
            }
            fn r_neg(self) -> Self {
                self.wrapping_neg()
            }
        }
    )*};
}
int_el!(i32, i64);

/// Float element types seen through `f64`, for tolerance checks.
trait Fl: El {
    fn to64(self) -> f64;
    fn from64(v: f64) -> Self;
    /// Relative tolerance for one rounded libm call.
    const REL: f64;
    /// Absolute floor, for results that underflow.
    const ABS: f64;
}
impl Fl for f32 {
    fn to64(self) -> f64 {
        f64::from(self)
    }
    fn from64(v: f64) -> Self {
        v as f32
    }
    const REL: f64 = 2e-6;
    const ABS: f64 = 1e-37;
}
impl Fl for f64 {
    fn to64(self) -> f64 {
        self
    }
    fn from64(v: f64) -> Self {
        v
    }
    const REL: f64 = 1e-13;
    const ABS: f64 = 1e-300;
}

fn vals<E: El>(n: usize) -> impl Strategy<Value = Vec<E>> {
    prop::collection::vec(E::arb(), n)
}

/// `got` against the `f64` reference `want`, rounded to `E` first (so an overflow to
/// infinity in `E` is expected), within `E`'s tolerance.
fn check_close<E: Fl>(
    what: &str,
    input: &[E],
    got: &[E],
    want: &[f64],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.len(), want.len(), "{}: length", what);
    for (i, (g, &w)) in got.iter().zip(want).enumerate() {
        let (g, w) = (g.to64(), E::from64(w).to64());
        let ok = if w.is_nan() {
            g.is_nan()
        } else if w.is_infinite() {
            g.to_bits() == w.to_bits()
        } else {
            (g - w).abs() <= E::REL * w.abs() + E::ABS
        };
        prop_assert!(
            ok,
            "{}: element {} (input {:?}): got {:?}, want {:?}",
            what,
            i,
            input[i],
            g,
            w
        );
    }
    Ok(())
}

/// PyTorch's clamp: `min(max(x, lo), hi)`, NaN unchanged, `hi` wins when `lo > hi`.
fn clamp_ref<E: El + PartialOrd>(v: E, lo: Option<E>, hi: Option<E>) -> E {
    if v.is_nan_() {
        return v;
    }
    let v = match lo {
        Some(l) if v < l => l,
        _ => v,
    };
    match hi {
        Some(h) if v > h => h,
        _ => v,
    }
}

fn check_num<S: ConstShape, E: NumDtype + El>(
    a: Vec<E>,
    lo: E,
    hi: E,
    s: E,
) -> Result<(), TestCaseError> {
    let x = Tensor::<S, E>::from_vec(a.clone()).unwrap();
    prop_assert_eq!(x.abs().shape().as_slice().to_vec(), S::DIMS.to_vec());
    check("abs", &x.abs().to_vec(), &map(&a, E::r_abs))?;
    let neg = map(&a, E::r_neg);
    check("neg", &x.neg().to_vec(), &neg)?;
    check("-&x", &(-&x).to_vec(), &neg)?;
    check("-x", &(-x.clone()).to_vec(), &neg)?;

    // (None, None) is refused (tensor::try_forms_tests::clamp_without_bounds_is_refused).
    for (lo, hi) in [(Some(lo), Some(hi)), (Some(lo), None), (None, Some(hi))] {
        let want = map(&a, |v| clamp_ref(v, lo, hi));
        check(
            &format!("clamp({lo:?}, {hi:?})"),
            &x.clamp(lo, hi).to_vec(),
            &want,
        )?;
        let mut t = x.clone();
        t.clamp_(lo, hi);
        check(&format!("clamp_({lo:?}, {hi:?})"), &t.to_vec(), &want)?;
    }
    check(
        "clamp_min",
        &x.clamp_min(lo).to_vec(),
        &map(&a, |v| clamp_ref(v, Some(lo), None)),
    )?;
    check(
        "clamp_max",
        &x.clamp_max(hi).to_vec(),
        &map(&a, |v| clamp_ref(v, None, Some(hi))),
    )?;
    let zero = E::zero();
    check(
        "relu",
        &x.relu().to_vec(),
        &map(&a, |v| clamp_ref(v, Some(zero), None)),
    )?;

    check(
        "add_scalar",
        &x.add_scalar(s).to_vec(),
        &map(&a, |v| v.r_add(s)),
    )?;
    check(
        "sub_scalar",
        &x.sub_scalar(s).to_vec(),
        &map(&a, |v| v.r_sub(s)),
    )?;
    check(
        "mul_scalar",
        &x.mul_scalar(s).to_vec(),
        &map(&a, |v| v.r_mul(s)),
    )?;
    let mut t = x.clone();
    t.add_scalar_(s).mul_scalar_(s);
    check(
        "add_scalar_().mul_scalar_()",
        &t.to_vec(),
        &map(&a, |v| v.r_add(s).r_mul(s)),
    )?;
    let mut t = x.clone();
    t.fill_(s);
    check("fill_", &t.to_vec(), &vec![s; a.len()])?;
    t.zero_();
    check("zero_", &t.to_vec(), &vec![zero; a.len()])?;
    // On a tensor that owns its storage, the in-place forms write it in place.
    let own = || Tensor::<S, E>::from_vec(a.clone()).unwrap();
    for (lo, hi) in [(Some(lo), Some(hi)), (Some(lo), None), (None, Some(hi))] {
        let mut t = own();
        t.clamp_(lo, hi);
        check(
            &format!("clamp_({lo:?}, {hi:?}) (own storage)"),
            &t.to_vec(),
            &map(&a, |v| clamp_ref(v, lo, hi)),
        )?;
    }
    let mut t = own();
    t.add_scalar_(s).mul_scalar_(s);
    check(
        "add_scalar_().mul_scalar_() (own storage)",
        &t.to_vec(),
        &map(&a, |v| v.r_add(s).r_mul(s)),
    )?;
    check("x after in-place ops", &x.to_vec(), &a)?;
    Ok(())
}

fn sigmoid_ref(v: f64) -> f64 {
    // The overflow-free form, not the kernel's 1 / (1 + e^-x).
    if v >= 0.0 {
        1.0 / (1.0 + (-v).exp())
    } else {
        let e = v.exp();
        e / (1.0 + e)
    }
}

fn sign_ref(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

fn gelu_ref(v: f64) -> f64 {
    0.5 * v * (1.0 + libm::erf(v / std::f64::consts::SQRT_2))
}

fn gelu_tanh_ref(v: f64) -> f64 {
    let k = (2.0 / std::f64::consts::PI).sqrt();
    0.5 * v * (1.0 + (k * (v + 0.044715 * v.powi(3))).tanh())
}

/// As [`check_close`], with the error allowed relative to `max(|result|, |input|)`.
fn check_scaled<E: Fl>(
    what: &str,
    input: &[E],
    got: &[E],
    want: &[f64],
) -> Result<(), TestCaseError> {
    for (i, (g, &w)) in got.iter().zip(want).enumerate() {
        let (g, w, x) = (g.to64(), E::from64(w).to64(), input[i].to64());
        let ok = if w.is_nan() || !x.is_finite() {
            g.to_bits() == w.to_bits() || (g.is_nan() && w.is_nan())
        } else {
            (g - w).abs() <= 4.0 * E::REL * w.abs().max(x.abs()) + E::ABS
        };
        prop_assert!(
            ok,
            "{}: element {} (input {}): got {}, want {}",
            what,
            i,
            x,
            g,
            w
        );
    }
    Ok(())
}

fn check_float<S: ConstShape, E: FloatDtype + Fl>(
    a: Vec<E>,
    p: E,
    s: E,
) -> Result<(), TestCaseError> {
    let x = Tensor::<S, E>::from_vec(a.clone()).unwrap();
    let a64 = map(&a, E::to64);
    let f = |g: fn(f64) -> f64| map(&a64, g);
    check_close("exp", &a, &x.exp().to_vec(), &f(f64::exp))?;
    check_close("log", &a, &x.log().to_vec(), &f(f64::ln))?;
    check_close("sqrt", &a, &x.sqrt().to_vec(), &f(f64::sqrt))?;
    check_close("sigmoid", &a, &x.sigmoid().to_vec(), &f(sigmoid_ref))?;
    check_close("tanh", &a, &x.tanh().to_vec(), &f(f64::tanh))?;
    check_close("pow(2)", &a, &x.pow(E::from64(2.0)).to_vec(), &f(|v| v * v))?;
    check_close(
        "pow(0.5)",
        &a,
        &x.pow(E::from64(0.5)).to_vec(),
        &f(|v| v.powf(0.5)),
    )?;
    check_close(
        "pow(3)",
        &a,
        &x.pow(E::from64(3.0)).to_vec(),
        &f(|v| v * v * v),
    )?;
    let p64 = p.to64();
    check_close(
        &format!("pow({p64})"),
        &a,
        &x.pow(p).to_vec(),
        &map(&a64, |v| v.powf(p64)),
    )?;

    check_close("sin", &a, &x.sin().to_vec(), &f(f64::sin))?;
    check_close("cos", &a, &x.cos().to_vec(), &f(f64::cos))?;
    check_close("exp2", &a, &x.exp2().to_vec(), &f(f64::exp2))?;
    check_close("log1p", &a, &x.log1p().to_vec(), &f(f64::ln_1p))?;
    check_close("expm1", &a, &x.expm1().to_vec(), &f(f64::exp_m1))?;
    check_close("rsqrt", &a, &x.rsqrt().to_vec(), &f(|v| 1.0 / v.sqrt()))?;
    check_close("sign", &a, &x.sign().to_vec(), &f(sign_ref))?;
    check_close("floor", &a, &x.floor().to_vec(), &f(f64::floor))?;
    check_close("round", &a, &x.round().to_vec(), &f(f64::round_ties_even))?;
    // `1 + erf(x / sqrt 2)` cancels for negative x (in PyTorch's formula too): the error
    // is relative to |x|, not to the tiny result.
    check_scaled(
        "gelu",
        &a,
        &x.try_unary_float(FloatUnaryOp::Gelu).unwrap().to_vec(),
        &f(gelu_ref),
    )?;
    check_scaled(
        "gelu tanh",
        &a,
        &x.try_unary_float(FloatUnaryOp::GeluTanh).unwrap().to_vec(),
        &f(gelu_tanh_ref),
    )?;
    let slope = E::from64(0.01);
    check_close(
        "leaky_relu",
        &a,
        &x.try_unary_float(FloatUnaryOp::LeakyRelu(slope))
            .unwrap()
            .to_vec(),
        &map(&a64, |v| if v > 0.0 { v } else { v * slope.to64() }),
    )?;

    let s64 = s.to64();
    let div = map(&a64, |v| v / s64);
    check_close("div_scalar", &a, &x.div_scalar(s).to_vec(), &div)?;
    let mut t = x.clone();
    t.div_scalar_(s);
    check_close("div_scalar_", &a, &t.to_vec(), &div)?;
    check("x after div_scalar_", &x.to_vec(), &a)?;
    Ok(())
}

macro_rules! num_props {
    ($($name:ident: $e:ident, $s:ty;)*) => {
        proptest! {
            #![proptest_config(cfg(48))]
            $(
                #[test]
                fn $name(
                    a in vals::<$e>(<$s as ConstShape>::NUMEL),
                    lo in $e::bound(),
                    hi in $e::bound(),
                    s in $e::arb(),
                ) {
                    check_num::<$s, $e>(a, lo, hi, s)?;
                }
            )*
        }
    };
}
num_props! {
    f32_num_rank0: f32, Rank0;
    f32_num_rank1: f32, Rank1<7>;
    f32_num_rank3: f32, Rank3<2, 3, 4>;
    f32_num_empty: f32, Rank2<0, 3>;
    f64_num_rank2: f64, Rank2<3, 5>;
    i32_num_rank1: i32, Rank1<7>;
    i32_num_rank4: i32, Rank4<2, 1, 3, 2>;
    i64_num_rank2: i64, Rank2<3, 5>;
    i64_num_empty: i64, Rank2<0, 3>;
}

macro_rules! float_props {
    ($($name:ident: $e:ident, $s:ty;)*) => {
        proptest! {
            #![proptest_config(cfg(48))]
            $(
                #[test]
                fn $name(
                    a in vals::<$e>(<$s as ConstShape>::NUMEL),
                    p in prop_oneof![-3.0 as $e..3.0, Just(0.0 as $e), Just(1.0 as $e), Just(-1.0 as $e)],
                    s in $e::arb(),
                ) {
                    check_float::<$s, $e>(a, p, s)?;
                }
            )*
        }
    };
}
float_props! {
    f32_float_rank0: f32, Rank0;
    f32_float_rank2: f32, Rank2<3, 5>;
    f32_float_rank4: f32, Rank4<2, 1, 3, 2>;
    f32_float_empty: f32, Rank2<0, 3>;
    f64_float_rank1: f64, Rank1<7>;
    f64_float_rank3: f64, Rank3<2, 3, 4>;
}

/// Every form of `x op s` and `s op x` for one concrete element type.
macro_rules! scalar_props {
    ($name:ident, $t:ident, $s:ty $(, $div:tt)?) => {
        proptest! {
            #![proptest_config(cfg(48))]
            #[test]
            fn $name(a in vals::<$t>(<$s as ConstShape>::NUMEL), s in $t::arb()) {
                let x = Tensor::<$s, $t>::from_vec(a.clone()).unwrap();
                let cases: Vec<(&str, Vec<$t>, Vec<$t>)> = vec![
                    ("&x + s", (&x + s).to_vec(), map(&a, |v| v.r_add(s))),
                    ("x + s", (x.clone() + s).to_vec(), map(&a, |v| v.r_add(s))),
                    ("s + &x", (s + &x).to_vec(), map(&a, |v| s.r_add(v))),
                    ("s + x", (s + x.clone()).to_vec(), map(&a, |v| s.r_add(v))),
                    ("&x - s", (&x - s).to_vec(), map(&a, |v| v.r_sub(s))),
                    ("x - s", (x.clone() - s).to_vec(), map(&a, |v| v.r_sub(s))),
                    ("s - &x", (s - &x).to_vec(), map(&a, |v| s.r_sub(v))),
                    ("s - x", (s - x.clone()).to_vec(), map(&a, |v| s.r_sub(v))),
                    ("&x * s", (&x * s).to_vec(), map(&a, |v| v.r_mul(s))),
                    ("x * s", (x.clone() * s).to_vec(), map(&a, |v| v.r_mul(s))),
                    ("s * &x", (s * &x).to_vec(), map(&a, |v| s.r_mul(v))),
                    ("s * x", (s * x.clone()).to_vec(), map(&a, |v| s.r_mul(v))),
                ];
                for (what, got, want) in cases {
                    check(what, &got, &want)?;
                }
                let mut t = x.clone();
                t += s;
                check("x += s", &t.to_vec(), &map(&a, |v| v.r_add(s)))?;
                let mut t = x.clone();
                t -= s;
                check("x -= s", &t.to_vec(), &map(&a, |v| v.r_sub(s)))?;
                let mut t = x.clone();
                t *= s;
                check("x *= s", &t.to_vec(), &map(&a, |v| v.r_mul(s)))?;
                $(
                    let _: $div;
                    let cases: Vec<(&str, Vec<$t>, Vec<$t>)> = vec![
                        ("&x / s", (&x / s).to_vec(), map(&a, |v| v / s)),
                        ("x / s", (x.clone() / s).to_vec(), map(&a, |v| v / s)),
                        ("s / &x", (s / &x).to_vec(), map(&a, |v| s / v)),
                        ("s / x", (s / x.clone()).to_vec(), map(&a, |v| s / v)),
                    ];
                    for (what, got, want) in cases {
                        check(what, &got, &want)?;
                    }
                    let mut t = x.clone();
                    t /= s;
                    check("x /= s", &t.to_vec(), &map(&a, |v| v / s))?;
                )?
                check("x after scalar ops", &x.to_vec(), &a)?;
            }
        }
    };
}
scalar_props!(f32_scalar_ops_rank2, f32, Rank2<3, 5>, ());
scalar_props!(f32_scalar_ops_rank0, f32, Rank0, ());
scalar_props!(f64_scalar_ops_rank3, f64, Rank3<2, 3, 4>, ());
scalar_props!(i32_scalar_ops_rank1, i32, Rank1<7>);
scalar_props!(i64_scalar_ops_rank4, i64, Rank4<2, 1, 3, 2>);
scalar_props!(i32_scalar_ops_empty, i32, Rank2<0, 3>);

proptest! {
    #![proptest_config(cfg(48))]

    /// Ops on transposed and narrowed (non-contiguous) inputs read the view's values.
    #[test]
    fn non_contiguous_inputs(a in vals::<f32>(15), s in f32::arb(), lo in f32::bound()) {
        let base = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap();
        let x = base.t();
        let at = transpose_ref(&a, 5, 3);
        check("t().neg()", &x.neg().to_vec(), &map(&at, f32::r_neg))?;
        check("t().abs()", &x.abs().to_vec(), &map(&at, f32::r_abs))?;
        check("t().clamp", &x.clamp(Some(lo), Some(lo + 1.0)).to_vec(), &map(&at, |v| clamp_ref(v, Some(lo), Some(lo + 1.0))))?;
        check("t() * s", &(&x * s).to_vec(), &map(&at, |v| v * s))?;
        check("s - t()", &(s - &x).to_vec(), &map(&at, |v| s - v))?;
        let a64 = map(&at, f64::from);
        check_close("t().exp()", &at, &x.exp().to_vec(), &map(&a64, f64::exp))?;
        check_close("t().tanh()", &at, &x.tanh().to_vec(), &map(&a64, f64::tanh))?;
        let col = base.narrow::<1, 2, 1>(); // [5, 1]: column 2
        let ca: Vec<f32> = (0..5).map(|i| a[i * 3 + 2]).collect();
        check("narrow + s", &(&col + s).to_vec(), &map(&ca, |v| v + s))?;
        check_close("narrow sigmoid", &ca, &col.sigmoid().to_vec(), &map(&map(&ca, f64::from), sigmoid_ref))?;
        // An expanded (stride-0) view of that column, transposed: [4, 5].
        let e = col.expand_dim::<1, 4>().t();
        let ea: Vec<f32> = (0..4).flat_map(|_| ca.clone()).collect();
        check("expand().t().neg()", &e.neg().to_vec(), &map(&ea, f32::r_neg))?;
        check("expand().t() - s", &(&e - s).to_vec(), &map(&ea, |v| v - s))?;
        check_close("expand().t().sqrt()", &ea, &e.sqrt().to_vec(), &map(&map(&ea, f64::from), f64::sqrt))?;
        let mut v = base.t();
        v.mul_scalar_(s);
        check("t().mul_scalar_", &v.to_vec(), &map(&at, |v| v * s))?;
        check("base after view mul_scalar_", &base.to_vec(), &a)?;
    }
}

#[test]
fn integer_edges_wrap() {
    let x = tensor([i32::MIN, i32::MAX, -1, 0]);
    assert_eq!(x.abs().to_vec(), vec![i32::MIN, i32::MAX, 1, 0]);
    assert_eq!((-&x).to_vec(), vec![i32::MIN, -i32::MAX, 1, 0]);
    assert_eq!(x.neg().to_vec(), vec![i32::MIN, -i32::MAX, 1, 0]);
    assert_eq!((&x + 1).to_vec(), vec![i32::MIN + 1, i32::MIN, 0, 1]);
    assert_eq!((0 - &x).to_vec(), vec![i32::MIN, -i32::MAX, 1, 0]);
    assert_eq!((&x * -1).to_vec(), vec![i32::MIN, -i32::MAX, 1, 0]);
    let y = tensor([i64::MIN, i64::MAX]);
    assert_eq!(y.abs().to_vec(), vec![i64::MIN, i64::MAX]);
    assert_eq!((-y.clone()).to_vec(), vec![i64::MIN, -i64::MAX]);
    assert_eq!((y.clone() - 1).to_vec(), vec![i64::MAX, i64::MAX - 1]);
    assert_eq!((&y * 2).to_vec(), vec![0, -2]);
    let mut z = tensor([i32::MAX]);
    z += 1;
    assert_eq!(z.to_vec(), vec![i32::MIN]);
}

#[test]
fn clamp_nan_and_crossed_bounds() {
    let x = tensor([f32::NAN, -2.0, 0.5, 3.0, f32::NEG_INFINITY, f32::INFINITY]);
    let c = x.clamp(Some(0.0), Some(1.0)).to_vec();
    assert!(c[0].is_nan());
    assert_eq!(&c[1..], &[0.0, 0.5, 1.0, 0.0, 1.0]);
    assert!(x.relu().to_vec()[0].is_nan());
    assert!(x.clamp_min(0.0).to_vec()[0].is_nan());
    assert!(x.clamp_max(0.0).to_vec()[0].is_nan());
    // torch.clamp(x, min=2, max=1) is 1 everywhere (max wins).
    let c = x.clamp(Some(2.0), Some(1.0)).to_vec();
    assert!(c[0].is_nan());
    assert_eq!(&c[1..], &[1.0; 5]);
    let i = tensor([-5i64, 0, 5]);
    assert_eq!(i.clamp(Some(3), Some(-3)).to_vec(), vec![-3, -3, -3]);
    assert_eq!(i.relu().to_vec(), vec![0, 0, 5]);
}

#[test]
fn round_is_half_to_even_and_sign_of_nan_is_zero() {
    let x = tensor([0.5f32, 1.5, 2.5, -0.5, -1.5, 0.49999997, f32::NAN, -0.0]);
    let r = x.round().to_vec();
    assert_eq!(&r[..6], &[0.0, 2.0, 2.0, -0.0, -2.0, 0.0]);
    assert!(r[3].is_sign_negative(), "round(-0.5) is -0.0");
    let s = x.sign().to_vec();
    assert_eq!(&s[..6], &[1.0, 1.0, 1.0, -1.0, -1.0, 1.0]);
    assert_eq!(
        s[6].to_bits(),
        0.0f32.to_bits(),
        "sign(NaN) is 0, as PyTorch"
    );
    assert_eq!(
        s[7].to_bits(),
        0.0f32.to_bits(),
        "sign(-0.0) is +0.0, as PyTorch"
    );
}

#[test]
fn float_function_special_values() {
    let x = tensor([
        0.0f64,
        -0.0,
        -1.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ]);
    let log = x.log().to_vec();
    assert_eq!(&log[..2], &[f64::NEG_INFINITY, f64::NEG_INFINITY]);
    assert!(log[2].is_nan() && log[5].is_nan());
    assert_eq!(log[3..4], [f64::INFINITY]);
    let sqrt = x.sqrt().to_vec();
    assert_eq!(sqrt[0].to_bits(), 0.0f64.to_bits());
    assert_eq!(sqrt[1].to_bits(), (-0.0f64).to_bits());
    assert!(sqrt[2].is_nan());
    let exp = x.exp().to_vec();
    assert_eq!(&exp[..5], &[1.0, 1.0, (-1.0f64).exp(), f64::INFINITY, 0.0]);
    let sig = x.sigmoid().to_vec();
    assert_eq!(&sig[..2], &[0.5, 0.5]);
    assert_eq!(&sig[3..5], &[1.0, 0.0]);
    assert!(sig[5].is_nan());
    let tanh = x.tanh().to_vec();
    assert_eq!(&tanh[3..5], &[1.0, -1.0]);
    // pow(0) is 1 even for NaN and infinities, as in C and PyTorch.
    assert_eq!(x.pow(0.0).to_vec(), vec![1.0; 6]);
    let p = tensor([-2.0f32, 4.0, -8.0]).pow(2.0).to_vec();
    assert_eq!(p, vec![4.0, 16.0, 64.0]);
    assert!(tensor([-4.0f32]).pow(0.5).to_vec()[0].is_nan());
    // Scalar division by zero.
    let q = (tensor([1.0f32, -1.0, 0.0]) / 0.0).to_vec();
    assert_eq!(&q[..2], &[f32::INFINITY, f32::NEG_INFINITY]);
    assert!(q[2].is_nan());
    let r = (1.0f32 / tensor([0.0f32, -0.0])).to_vec();
    assert_eq!(r, vec![f32::INFINITY, f32::NEG_INFINITY]);
}

#[test]
fn sigmoid_of_large_negative_f32_is_tiny_not_nan() {
    // e^100 overflows f32; the result must still be a number in [0, 1].
    let s = tensor([-100.0f32, -88.0, 100.0]).sigmoid().to_vec();
    assert!(s.iter().all(|v| (0.0..=1.0).contains(v)), "{s:?}");
    assert!(s[0] < 1e-37 && s[1] < 1e-37 && s[1] > 0.0);
    assert_eq!(s[2..], [1.0]);
}

#[test]
fn abs_clears_the_sign_of_negative_zero() {
    let a = tensor([-0.0f32, 0.0, -1.5]).abs().to_vec();
    let bits: Vec<u32> = a.iter().map(|v| v.to_bits()).collect();
    assert_eq!(
        bits,
        vec![0.0f32.to_bits(), 0.0f32.to_bits(), 1.5f32.to_bits()]
    );
    let b = tensor([-0.0f64]).abs().to_vec();
    assert_eq!(b[0].to_bits(), 0.0f64.to_bits());
}

#[test]
fn lesson_relu_clamp() {
    // h_relu = h.clamp(min=0)
    let h = Tensor::<Rank2<2, 3>>::from_vec(vec![-1.0, 0.5, 2.0, -0.25, 0.0, 7.0]).unwrap();
    assert_eq!(
        h.clamp(Some(0.0), None).to_vec(),
        vec![0.0, 0.5, 2.0, 0.0, 0.0, 7.0]
    );
    assert_eq!(h.relu().to_vec(), h.clamp_min(0.0).to_vec());
    // loss = (y_pred - y).pow(2).sum() pieces: 2.0 * x and x.pow(2)
    assert_eq!((2.0 * &h).to_vec(), vec![-2.0, 1.0, 4.0, -0.5, 0.0, 14.0]);
    assert_eq!(h.pow(2.0).to_vec(), vec![1.0, 0.25, 4.0, 0.0625, 0.0, 49.0]);
}

#[test]
fn scalar_operators_in_place_on_owned_storage() {
    let mut x = Tensor::<Rank2<2, 2>>::from_fn(|i| i as f32);
    let data = x.storage.as_ptr();
    x += 1.0;
    x *= 3.0;
    x -= 0.5;
    x /= 2.0;
    x.div_scalar_(0.5);
    assert_eq!(x.to_vec(), vec![2.5, 5.5, 8.5, 11.5]);
    assert_eq!(x.storage.as_ptr(), data);
    let mut i = tensor([1i64, -2, 3]);
    i *= -2;
    i -= 1;
    assert_eq!(i.to_vec(), vec![-3, 3, -7]);
}

#[test]
fn large_transposed_inputs_map_in_tiles() {
    // 70 x 45 seen transposed: several tiles in each direction, partial at both edges.
    let base = Tensor::<Rank2<70, 45>>::from_fn(|i| i as f32 - 1000.0);
    let a = base.to_vec();
    let at = transpose_ref(&a, 70, 45);
    check(
        "t().relu()",
        &base.t().relu().to_vec(),
        &map(&at, |v| v.max(0.0)),
    )
    .unwrap();
    check("t().contiguous()", &base.t().contiguous().to_vec(), &at).unwrap();
    check(
        "t() * 2",
        &(&base.t() * 2.0).to_vec(),
        &map(&at, |v| v * 2.0),
    )
    .unwrap();
}

#[test]
fn fused_clamp_backward_equals_the_unfused_default() {
    use crate::device::{Cpu, DeviceStorage};
    use crate::layout::Layout;
    use crate::ops::unary::{UnaryKernel, clamp_backward_unfused};
    let x = vec![f32::NAN, -2.0, -0.0, 0.0, 0.5, 1.0, 3.0, f32::INFINITY];
    let g = vec![1.0f32, 2.0, 3.0, f32::NAN, 5.0, -6.0, 7.0, 8.0];
    let l = Layout::contiguous(crate::shape::Dims::from_array([2, 4]));
    let lt = l.transpose(0, 1); // the gradient read transposed against a transposed x
    for (lo, hi, strict) in [
        (Some(0.0), None, true),
        (Some(0.0), None, false),
        (None, Some(0.5), false),
        (Some(-0.0), Some(1.0), false),
        (Some(-1.0), Some(1.0), true),
        (None, None, false),
    ] {
        for layout in [l, lt] {
            let fused = Cpu
                .clamp_backward(&g, &layout, &x, &layout, lo, hi, strict)
                .unwrap();
            let unfused =
                clamp_backward_unfused(&Cpu, &g, &layout, &x, &layout, lo, hi, strict).unwrap();
            let bits = |v: &Vec<f32>| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fused), bits(&unfused), "{lo:?} {hi:?} {strict}");
            assert_eq!(
                Cpu.download(&fused, &Layout::contiguous(layout.dims()))
                    .unwrap()
                    .len(),
                8
            );
        }
    }
}
