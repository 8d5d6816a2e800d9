//! Finite-difference gradient checks for every differentiable op, through the public API.
//!
//! Each check builds `f64` inputs, computes the analytic gradient with `requires_grad_()`,
//! `backward()` and `grad()`, and the numeric one by central differences (each element
//! perturbed by `±h` through `Tensor::from_vec`), and requires
//! `|analytic - numeric| <= tol * max(1, |numeric|)` element by element.
//!
//! An op with a non-scalar output is checked twice: contracted with a fixed pseudo-random
//! weight of its shape (`(out * w).sum()`, so every output element matters with its own
//! weight), and plainly summed (`out.sum()`, whose gradient reaches the op as a broadcast,
//! stride-0 tensor). Inputs stay away from kinks: thresholds of `abs`/`relu`/`clamp`, ties
//! of `max`/`min`/`maximum`/`minimum`, non-positive values for `log`/`sqrt`/`pow(1.7)`.
//!
//! The last part checks autograd's semantics: accumulation, `zero_grad`, `no_grad`,
//! `detach`, `grad_fn` names and printing as PyTorch has them, in-place rules, errors, and
//! deep graphs.
use typetensor::autograd::no_grad;
use typetensor::{
    ConstShape, Dim, Infer, Rank0, Rank1, Rank2, Rank3, Rank4, Tensor, manual_seed, tensor,
};

type T<S> = Tensor<S, f64>;

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
fn contract<S: ConstShape>(out: T<S>) -> T<Rank0> {
    (&out * &weight::<S>()).sum()
}

fn constant<S: ConstShape>(v: &[f64]) -> T<S> {
    T::from_vec(v.to_vec()).expect("input length matches the shape")
}

// ---------------------------------------------------------------------------------------
// The checker
// ---------------------------------------------------------------------------------------

fn assert_close(what: &str, analytic: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(analytic.len(), expected.len(), "{what}: gradient length");
    for (i, (&a, &n)) in analytic.iter().zip(expected).enumerate() {
        assert!(
            (a - n).abs() <= tol * n.abs().max(1.0),
            "{what}: element {i}: analytic {a} vs expected {n}\n\
             analytic: {analytic:?}\nexpected: {expected:?}"
        );
    }
}

/// Central differences of `f` at `x`, one element at a time.
fn numeric(x: &[f64], h: f64, f: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    (0..x.len())
        .map(|i| {
            let mut plus = x.to_vec();
            plus[i] += h;
            let mut minus = x.to_vec();
            minus[i] -= h;
            (f(&plus) - f(&minus)) / (2.0 * h)
        })
        .collect()
}

fn analytic_grad<S: ConstShape>(what: &str, x: &T<S>) -> Vec<f64> {
    x.grad()
        .unwrap_or_else(|| panic!("{what}: backward left no grad on an input"))
        .to_vec()
}

/// Checks `d f / d x` at `x` with step `h` and tolerance `tol`.
fn gradcheck1_with<S: ConstShape>(
    what: &str,
    h: f64,
    tol: f64,
    x: &T<S>,
    f: impl Fn(&T<S>) -> T<Rank0>,
) {
    let xt = x.clone().requires_grad_();
    let out = f(&xt);
    assert!(
        out.requires_grad(),
        "{what}: the result is not in the graph"
    );
    out.backward();
    let analytic = analytic_grad(what, &xt);
    let num = numeric(&x.to_vec(), h, |v| f(&constant::<S>(v)).item());
    assert_close(what, &analytic, &num, tol);
}

/// Checks `d f / d x` at `x`.
fn gradcheck1<S: ConstShape>(what: &str, x: &T<S>, f: impl Fn(&T<S>) -> T<Rank0>) {
    gradcheck1_with(what, H, TOL, x, f);
}

/// Checks `d f / d a` and `d f / d b` at `(a, b)`, both inputs requiring grad at once.
fn gradcheck2<S1: ConstShape, S2: ConstShape>(
    what: &str,
    a: &T<S1>,
    b: &T<S2>,
    f: impl Fn(&T<S1>, &T<S2>) -> T<Rank0>,
) {
    let (at, bt) = (a.clone().requires_grad_(), b.clone().requires_grad_());
    let out = f(&at, &bt);
    assert!(
        out.requires_grad(),
        "{what}: the result is not in the graph"
    );
    out.backward();
    let (ga, gb) = (analytic_grad(what, &at), analytic_grad(what, &bt));
    let na = numeric(&a.to_vec(), H, |v| f(&constant::<S1>(v), b).item());
    let nb = numeric(&b.to_vec(), H, |v| f(a, &constant::<S2>(v)).item());
    assert_close(&format!("{what} (left operand)"), &ga, &na, TOL);
    assert_close(&format!("{what} (right operand)"), &gb, &nb, TOL);
}

/// Checks a one-input op of any output shape, contracted and plainly summed.
fn check_op1<S: ConstShape, SO: ConstShape>(what: &str, x: &T<S>, f: impl Fn(&T<S>) -> T<SO>) {
    gradcheck1(&format!("{what} (weighted sum)"), x, |x| contract(f(x)));
    gradcheck1(&format!("{what} (sum)"), x, |x| f(x).sum());
}

/// Checks a two-input op of any output shape, contracted and plainly summed.
fn check_op2<S1: ConstShape, S2: ConstShape, SO: ConstShape>(
    what: &str,
    a: &T<S1>,
    b: &T<S2>,
    f: impl Fn(&T<S1>, &T<S2>) -> T<SO>,
) {
    gradcheck2(&format!("{what} (weighted sum)"), a, b, |a, b| {
        contract(f(a, b))
    });
    gradcheck2(&format!("{what} (sum)"), a, b, |a, b| f(a, b).sum());
}

// ---------------------------------------------------------------------------------------
// Elementwise binary ops
// ---------------------------------------------------------------------------------------

/// `a OP b` for equal shapes and every broadcast the shape rule allows, lower rank on
/// either side; `$rhs` makes the right operand's values (nonzero ones for `/`).
macro_rules! check_binary_broadcasts {
    ($op:tt, $rhs:ident; $($sa:ty, $sb:ty);* $(;)?) => {$(
        check_op2(
            concat!(stringify!($sa), " ", stringify!($op), " ", stringify!($sb)),
            &randn::<$sa>(),
            &$rhs::<$sb>(),
            |a: &T<$sa>, b: &T<$sb>| a $op b,
        );
    )*};
}

macro_rules! check_binary {
    ($op:tt, $rhs:ident) => {
        check_binary_broadcasts!($op, $rhs;
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

#[test]
fn grad_add() {
    manual_seed(1);
    check_binary!(+, randn);
}

#[test]
fn grad_sub() {
    manual_seed(2);
    check_binary!(-, randn);
}

#[test]
fn grad_mul() {
    manual_seed(3);
    check_binary!(*, randn);
}

#[test]
fn grad_div() {
    manual_seed(4);
    check_binary!(/, nonzero);
}

#[test]
fn grad_binary_with_one_operand_not_requiring_grad() {
    manual_seed(5);
    let c = nonzero::<Rank1<4>>();
    let x = randn::<Rank2<3, 4>>();
    gradcheck1("x + c", &x, |x| contract(x + &c));
    gradcheck1("c - x", &x, |x| contract(&c - x));
    gradcheck1("c * x", &x, |x| contract(&c * x));
    gradcheck1("x / c", &x, |x| contract(x / &c));
    let d = nonzero::<Rank1<4>>();
    let m = T::<Rank2<3, 4>>::randn();
    gradcheck1("m / d", &d, |d| contract(&m / d));
}

#[test]
fn grad_same_tensor_twice() {
    manual_seed(6);
    let x = nonzero::<Rank2<3, 4>>();
    check_op1("x * x", &x, |x| x * x);
    check_op1("x + x", &x, |x| x + x);
    check_op1("x - x", &x, |x| x - x);
    check_op1("x / x", &x, |x| x / x);
    check_op1("x.mm(x.t())", &x, |x| x.mm(&x.t()));
    check_op1("cat(x, x)", &x, |x| x.cat::<0, _>(x));
    check_op1("x.maximum(x)", &x, |x| x.maximum(x));
    check_op1("x.where_(c, x)", &x, |x| x.where_(&x.gt_scalar(0.0), x));
}

#[test]
fn grad_tensor_used_by_several_ops() {
    manual_seed(7);
    let x = randn::<Rank2<3, 4>>();
    check_op1("exp(x) * 2.5x + tanh(x) - x.sum()", &x, |x| {
        let a = x.exp();
        let b = x * 2.5;
        let c = x.tanh();
        &(&(&a * &b) + &c) - &x.sum()
    });
    // A shared intermediate (not a leaf): its users' gradients must be summed before it
    // passes them on.
    check_op1("h = exp(x); h * tanh(h) + h.mean_dim::<0>()", &x, |x| {
        let h = (x * 0.5).exp();
        let r = &(&h * &h.tanh()) + &h.mean_dim::<0>();
        &r * &h.sigmoid()
    });
}

#[test]
fn grad_maximum() {
    manual_seed(8);
    let b = randn::<Rank2<3, 4>>();
    check_op2("maximum", &apart_from::<Rank2<3, 4>, _>(&b), &b, |a, b| {
        a.maximum(b)
    });
    let b = randn::<Rank1<4>>();
    check_op2(
        "maximum, Rank1 broadcast",
        &apart_from::<Rank2<3, 4>, _>(&b),
        &b,
        |a: &T<Rank2<3, 4>>, b: &T<Rank1<4>>| a.maximum(b),
    );
    let a = randn::<Rank0>();
    check_op2(
        "maximum, Rank0 on the left",
        &a,
        &apart_from::<Rank2<3, 4>, _>(&a),
        |a: &T<Rank0>, b: &T<Rank2<3, 4>>| a.maximum(b),
    );
}

#[test]
fn grad_minimum() {
    manual_seed(9);
    let b = randn::<Rank2<3, 4>>();
    check_op2("minimum", &apart_from::<Rank2<3, 4>, _>(&b), &b, |a, b| {
        a.minimum(b)
    });
    let b = randn::<Rank1<4>>();
    check_op2(
        "minimum, Rank1 broadcast",
        &apart_from::<Rank2<3, 4>, _>(&b),
        &b,
        |a: &T<Rank2<3, 4>>, b: &T<Rank1<4>>| a.minimum(b),
    );
    let a = randn::<Rank0>();
    check_op2(
        "minimum, Rank0 on the left",
        &a,
        &apart_from::<Rank2<3, 4>, _>(&a),
        |a: &T<Rank0>, b: &T<Rank2<3, 4>>| a.minimum(b),
    );
}

#[test]
fn maximum_minimum_split_a_tie_as_pytorch() {
    let a = tensor([1.0, 5.0, 2.0]).requires_grad_();
    let b = tensor([1.0, 3.0, 4.0]).requires_grad_();
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

#[test]
fn grad_mul_scalar() {
    manual_seed(10);
    let x = randn::<Rank2<3, 4>>();
    check_op1("x * 2.5", &x, |x| x * 2.5);
    check_op1("2.5 * x", &x, |x| 2.5 * x);
    check_op1("x.mul_scalar(-1.5)", &x, |x| x.mul_scalar(-1.5));
}

#[test]
fn grad_add_scalar() {
    manual_seed(11);
    let x = randn::<Rank2<3, 4>>();
    check_op1("x + 1.0", &x, |x| x + 1.0);
    check_op1("1.0 + x", &x, |x| 1.0 + x);
    check_op1("x.add_scalar(-2.0)", &x, |x| x.add_scalar(-2.0));
}

#[test]
fn grad_sub_scalar() {
    manual_seed(12);
    let x = randn::<Rank2<3, 4>>();
    check_op1("2.5 - x", &x, |x| 2.5 - x);
    check_op1("x - 2.5", &x, |x| x - 2.5);
    check_op1("x.sub_scalar(2.5)", &x, |x| x.sub_scalar(2.5));
}

#[test]
fn grad_div_scalar() {
    manual_seed(13);
    let x = randn::<Rank2<3, 4>>();
    check_op1("x / 3.0", &x, |x| x / 3.0);
    check_op1("x.div_scalar(-0.5)", &x, |x| x.div_scalar(-0.5));
}

#[test]
fn grad_scalar_div() {
    manual_seed(14);
    let x = away_from::<Rank2<3, 4>>(&[0.0], 0.3);
    check_op1("3.0 / x", &x, |x| 3.0 / x);
    check_op1("-1.5 / x", &x, |x| -1.5 / x);
}

// ---------------------------------------------------------------------------------------
// Elementwise unary ops
// ---------------------------------------------------------------------------------------

#[test]
fn grad_neg() {
    manual_seed(15);
    let x = randn::<Rank2<3, 4>>();
    check_op1("-x", &x, |x| -x);
    check_op1("x.neg()", &x, |x| x.neg());
}

#[test]
fn grad_abs() {
    manual_seed(16);
    check_op1("abs", &nonzero::<Rank2<3, 4>>(), |x| x.abs());
}

#[test]
fn grad_clamp() {
    manual_seed(17);
    let x = away_from::<Rank2<4, 5>>(&[-0.5, -0.3, 0.0, 0.4, 0.5], 0.05);
    check_op1("clamp(min=-0.3)", &x, |x| x.clamp(Some(-0.3), None));
    check_op1("clamp_min(0.0)", &x, |x| x.clamp_min(0.0));
    check_op1("clamp(max=0.4)", &x, |x| x.clamp(None, Some(0.4)));
    check_op1("clamp_max(0.0)", &x, |x| x.clamp_max(0.0));
    check_op1("clamp(-0.5, 0.5)", &x, |x| x.clamp(Some(-0.5), Some(0.5)));
    // Both regions are exercised: some elements pass, some are clamped.
    let inside = x.to_vec().iter().filter(|v| v.abs() < 0.5).count();
    assert!(inside > 0 && inside < x.numel());
}

#[test]
fn grad_relu() {
    manual_seed(18);
    check_op1("relu", &nonzero::<Rank2<3, 4>>(), |x| x.relu());
}

#[test]
fn grad_exp() {
    manual_seed(19);
    check_op1("exp", &randn::<Rank2<3, 4>>(), |x| x.exp());
}

#[test]
fn grad_log() {
    manual_seed(20);
    check_op1("log", &positive::<Rank2<3, 4>>(), |x| x.log());
}

#[test]
fn grad_sqrt() {
    manual_seed(21);
    check_op1("sqrt", &positive::<Rank2<3, 4>>(), |x| x.sqrt());
}

#[test]
fn grad_pow() {
    manual_seed(22);
    check_op1("pow(2.0)", &randn::<Rank2<3, 4>>(), |x| x.pow(2.0));
    check_op1("pow(3.0)", &randn::<Rank2<3, 4>>(), |x| x.pow(3.0));
    let p = positive::<Rank2<3, 4>>();
    check_op1("pow(1.7)", &p, |x| x.pow(1.7));
    check_op1("pow(-0.5)", &p, |x| x.pow(-0.5));
}

#[test]
fn grad_sigmoid() {
    manual_seed(23);
    check_op1("sigmoid", &randn::<Rank2<3, 4>>(), |x| x.sigmoid());
}

#[test]
fn grad_tanh() {
    manual_seed(24);
    check_op1("tanh", &randn::<Rank2<3, 4>>(), |x| x.tanh());
}

// ---------------------------------------------------------------------------------------
// Matrix products
// ---------------------------------------------------------------------------------------

#[test]
fn grad_mm() {
    manual_seed(25);
    check_op2(
        "mm",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank2<4, 5>>(),
        |a: &T<Rank2<3, 4>>, b: &T<Rank2<4, 5>>| a.mm(b),
    );
}

#[test]
fn grad_mm_of_views() {
    manual_seed(63);
    check_op2(
        "narrowed and sliced operands",
        &randn::<Rank2<5, 4>>(),
        &randn::<Rank2<4, 6>>(),
        |a: &T<Rank2<5, 4>>, b: &T<Rank2<4, 6>>| a.narrow::<0, 1, 3>().mm(&b.slice_from::<1, 2>()),
    );
    check_op2(
        "expanded operand",
        &randn::<Rank2<3, 1>>(),
        &randn::<Rank2<4, 2>>(),
        |a: &T<Rank2<3, 1>>, b: &T<Rank2<4, 2>>| a.expand_dim::<1, 4>().mm(b),
    );
    check_op2(
        "expanded batch",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank3<2, 4, 2>>(),
        |a: &T<Rank2<3, 4>>, b: &T<Rank3<2, 4, 2>>| {
            a.unsqueeze::<0>().expand_dim::<0, 2>().matmul(b)
        },
    );
}

#[test]
fn grad_mm_transposed_operands() {
    manual_seed(26);
    check_op2(
        "a.t().mm(b)",
        &randn::<Rank2<4, 3>>(),
        &randn::<Rank2<4, 5>>(),
        |a: &T<Rank2<4, 3>>, b: &T<Rank2<4, 5>>| a.t().mm(b),
    );
    check_op2(
        "a.mm(b.t())",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank2<5, 4>>(),
        |a: &T<Rank2<3, 4>>, b: &T<Rank2<5, 4>>| a.mm(&b.t()),
    );
    check_op2(
        "a.t().mm(b.t())",
        &randn::<Rank2<4, 3>>(),
        &randn::<Rank2<5, 4>>(),
        |a: &T<Rank2<4, 3>>, b: &T<Rank2<5, 4>>| a.t().mm(&b.t()),
    );
}

#[test]
fn grad_matmul_vector_vector() {
    manual_seed(27);
    check_op2(
        "dot",
        &randn::<Rank1<5>>(),
        &randn::<Rank1<5>>(),
        |a: &T<Rank1<5>>, b: &T<Rank1<5>>| a.matmul(b),
    );
}

#[test]
fn grad_matmul_matrix_vector() {
    manual_seed(28);
    check_op2(
        "mv",
        &randn::<Rank2<3, 5>>(),
        &randn::<Rank1<5>>(),
        |a: &T<Rank2<3, 5>>, b: &T<Rank1<5>>| a.matmul(b),
    );
    check_op2(
        "mv, transposed matrix",
        &randn::<Rank2<5, 3>>(),
        &randn::<Rank1<5>>(),
        |a: &T<Rank2<5, 3>>, b: &T<Rank1<5>>| a.t().matmul(b),
    );
}

#[test]
fn grad_matmul_vector_matrix() {
    manual_seed(29);
    check_op2(
        "vector @ matrix",
        &randn::<Rank1<5>>(),
        &randn::<Rank2<5, 3>>(),
        |a: &T<Rank1<5>>, b: &T<Rank2<5, 3>>| a.matmul(b),
    );
}

#[test]
fn grad_matmul_matrix_matrix() {
    manual_seed(30);
    check_op2(
        "matrix @ matrix",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank2<4, 2>>(),
        |a: &T<Rank2<3, 4>>, b: &T<Rank2<4, 2>>| a.matmul(b),
    );
}

#[test]
fn grad_matmul_batched() {
    manual_seed(31);
    check_op2(
        "Rank3 @ Rank3",
        &randn::<Rank3<2, 3, 4>>(),
        &randn::<Rank3<2, 4, 5>>(),
        |a: &T<Rank3<2, 3, 4>>, b: &T<Rank3<2, 4, 5>>| a.matmul(b),
    );
    check_op2(
        "Rank3 @ transposed Rank3",
        &randn::<Rank3<2, 3, 4>>(),
        &randn::<Rank3<2, 5, 4>>(),
        |a: &T<Rank3<2, 3, 4>>, b: &T<Rank3<2, 5, 4>>| a.matmul(&b.transpose::<1, 2>()),
    );
    check_op2(
        "Rank4 @ Rank4",
        &randn::<Rank4<2, 2, 3, 4>>(),
        &randn::<Rank4<2, 2, 4, 2>>(),
        |a: &T<Rank4<2, 2, 3, 4>>, b: &T<Rank4<2, 2, 4, 2>>| a.matmul(b),
    );
}

#[test]
fn grad_matmul_broadcast_batch() {
    manual_seed(32);
    check_op2(
        "Rank3 @ Rank2",
        &randn::<Rank3<2, 3, 4>>(),
        &randn::<Rank2<4, 5>>(),
        |a: &T<Rank3<2, 3, 4>>, b: &T<Rank2<4, 5>>| a.matmul(b),
    );
    check_op2(
        "Rank2 @ Rank3",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank3<2, 4, 5>>(),
        |a: &T<Rank2<3, 4>>, b: &T<Rank3<2, 4, 5>>| a.matmul(b),
    );
    check_op2(
        "Rank3 @ Rank1",
        &randn::<Rank3<2, 3, 4>>(),
        &randn::<Rank1<4>>(),
        |a: &T<Rank3<2, 3, 4>>, b: &T<Rank1<4>>| a.matmul(b),
    );
    check_op2(
        "Rank4 @ Rank2",
        &randn::<Rank4<2, 2, 3, 4>>(),
        &randn::<Rank2<4, 2>>(),
        |a: &T<Rank4<2, 2, 3, 4>>, b: &T<Rank2<4, 2>>| a.matmul(b),
    );
}

// ---------------------------------------------------------------------------------------
// Reductions
// ---------------------------------------------------------------------------------------

#[test]
fn grad_sum() {
    manual_seed(33);
    gradcheck1("sum", &randn::<Rank2<3, 4>>(), |x: &T<Rank2<3, 4>>| x.sum());
    gradcheck1("(x * w).sum()", &randn::<Rank3<2, 3, 4>>(), |x| {
        contract::<Rank3<2, 3, 4>>(x.clone())
    });
    gradcheck1("x.t().exp().sum()", &randn::<Rank2<3, 4>>(), |x| {
        x.t().exp().sum()
    });
}

#[test]
fn grad_sum_dim() {
    manual_seed(34);
    let x = randn::<Rank2<3, 4>>();
    check_op1("sum_dim::<0>", &x, |x| x.sum_dim::<0>());
    check_op1("sum_dim::<1>", &x, |x| x.sum_dim::<1>());
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1("Rank3 sum_dim::<0>", &x, |x| x.sum_dim::<0>());
    check_op1("Rank3 sum_dim::<1>", &x, |x| x.sum_dim::<1>());
    check_op1("Rank3 sum_dim::<2>", &x, |x| x.sum_dim::<2>());
}

#[test]
fn grad_sum_dim_keepdim() {
    manual_seed(35);
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1("sum_dim_keepdim::<0>", &x, |x| x.sum_dim_keepdim::<0>());
    check_op1("sum_dim_keepdim::<1>", &x, |x| x.sum_dim_keepdim::<1>());
    check_op1("sum_dim_keepdim::<2>", &x, |x| x.sum_dim_keepdim::<2>());
}

#[test]
fn grad_mean() {
    manual_seed(36);
    gradcheck1("mean", &randn::<Rank2<3, 4>>(), |x: &T<Rank2<3, 4>>| {
        x.mean()
    });
    gradcheck1("(x * x).mean()", &randn::<Rank3<2, 3, 4>>(), |x| {
        (x * x).mean()
    });
}

#[test]
fn grad_mean_dim() {
    manual_seed(37);
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1("mean_dim::<0>", &x, |x| x.mean_dim::<0>());
    check_op1("mean_dim::<1>", &x, |x| x.mean_dim::<1>());
    check_op1("mean_dim::<2>", &x, |x| x.mean_dim::<2>());
}

#[test]
fn grad_mean_dim_keepdim() {
    manual_seed(38);
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1("mean_dim_keepdim::<0>", &x, |x| x.mean_dim_keepdim::<0>());
    check_op1("mean_dim_keepdim::<1>", &x, |x| x.mean_dim_keepdim::<1>());
    check_op1("mean_dim_keepdim::<2>", &x, |x| x.mean_dim_keepdim::<2>());
}

#[test]
fn grad_max() {
    manual_seed(39);
    gradcheck1("max", &distinct::<Rank2<3, 4>>(), |x: &T<Rank2<3, 4>>| {
        x.max()
    });
    gradcheck1("(x * 2).max()", &distinct::<Rank3<2, 3, 4>>(), |x| {
        (x * 2.0).max()
    });
}

#[test]
fn grad_min() {
    manual_seed(40);
    gradcheck1("min", &distinct::<Rank2<3, 4>>(), |x: &T<Rank2<3, 4>>| {
        x.min()
    });
    gradcheck1("(x * 2).min()", &distinct::<Rank3<2, 3, 4>>(), |x| {
        (x * 2.0).min()
    });
}

#[test]
fn grad_max_dim() {
    manual_seed(41);
    let x = distinct::<Rank3<2, 3, 4>>();
    check_op1("max_dim::<0>", &x, |x| x.max_dim::<0>());
    check_op1("max_dim::<1>", &x, |x| x.max_dim::<1>());
    check_op1("max_dim::<2>", &x, |x| x.max_dim::<2>());
    check_op1("max_dim of a permute", &x, |x| {
        x.permute::<2, 0, 1>().max_dim::<1>()
    });
}

#[test]
fn grad_min_dim() {
    manual_seed(42);
    let x = distinct::<Rank3<2, 3, 4>>();
    check_op1("min_dim::<0>", &x, |x| x.min_dim::<0>());
    check_op1("min_dim::<1>", &x, |x| x.min_dim::<1>());
    check_op1("min_dim::<2>", &x, |x| x.min_dim::<2>());
}

#[test]
fn grad_max_dim_keepdim() {
    manual_seed(43);
    let x = distinct::<Rank3<2, 3, 4>>();
    check_op1("max_dim_keepdim::<0>", &x, |x| x.max_dim_keepdim::<0>());
    check_op1("max_dim_keepdim::<1>", &x, |x| x.max_dim_keepdim::<1>());
    check_op1("max_dim_keepdim::<2>", &x, |x| x.max_dim_keepdim::<2>());
}

#[test]
fn max_min_share_the_gradient_among_ties() {
    let x = tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]).requires_grad_();
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

#[test]
fn grad_view() {
    manual_seed(44);
    let x = randn::<Rank2<3, 4>>();
    check_op1("view Rank1<12>", &x, |x| x.view::<Rank1<12>>());
    check_op1("view Rank3<2, 3, 2>", &x, |x| x.view::<Rank3<2, 3, 2>>());
    check_op1("view (Infer, 6)", &x, |x| x.view::<(Infer, Dim<6>)>());
    check_op1("view (2, Infer, 3)", &x, |x| {
        x.view::<(Dim<2>, Infer, Dim<3>)>()
    });
    check_op1("view then exp", &x, |x| x.view::<Rank2<6, 2>>().exp());
}

#[test]
fn grad_reshape_of_transposed() {
    manual_seed(45);
    let x = randn::<Rank2<3, 4>>();
    check_op1("x.t().reshape Rank1<12>", &x, |x| {
        x.t().reshape::<Rank1<12>>()
    });
    check_op1("x.t().reshape (Infer, 2)", &x, |x| {
        x.t().reshape::<(Infer, Dim<2>)>()
    });
    check_op1("x.t().view Rank2<2, 6>", &x, |x| {
        x.t().view::<Rank2<2, 6>>()
    });
}

#[test]
fn grad_flatten() {
    manual_seed(46);
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1("flatten", &x, |x| x.flatten());
    check_op1("permute then flatten", &x, |x| {
        x.permute::<2, 0, 1>().flatten()
    });
}

#[test]
fn grad_unsqueeze() {
    manual_seed(47);
    let x = randn::<Rank2<3, 4>>();
    check_op1("unsqueeze::<0>", &x, |x| x.unsqueeze::<0>());
    check_op1("unsqueeze::<1>", &x, |x| x.unsqueeze::<1>());
    check_op1("unsqueeze::<2>", &x, |x| x.unsqueeze::<2>());
    check_op1("t().unsqueeze::<1>", &x, |x| x.t().unsqueeze::<1>());
}

#[test]
fn grad_expand_dim() {
    manual_seed(48);
    check_op1("expand_dim::<1, 4>", &randn::<Rank2<3, 1>>(), |x| {
        x.expand_dim::<1, 4>()
    });
    check_op1(
        "unsqueeze::<0>().expand_dim::<0, 3>",
        &randn::<Rank1<4>>(),
        |x| x.unsqueeze::<0>().expand_dim::<0, 3>(),
    );
    check_op1("expand then exp", &randn::<Rank3<2, 1, 3>>(), |x| {
        x.expand_dim::<1, 4>().exp()
    });
}

#[test]
fn grad_view_any() {
    manual_seed(49);
    let x = randn::<Rank2<3, 4>>();
    check_op1("view_any Rank2<2, 6>", &x, |x| x.view_any::<Rank2<2, 6>>());
    check_op1("t().view_any Rank1<12>", &x, |x| {
        x.t().view_any::<Rank1<12>>()
    });
}

#[test]
fn grad_t() {
    manual_seed(50);
    let x = randn::<Rank2<3, 4>>();
    check_op1("t", &x, |x| x.t());
    check_op1("t().t()", &x, |x| x.t().t());
    check_op1("t() * t()", &x, |x| &x.t() * &x.t().exp());
}

#[test]
fn grad_transpose() {
    manual_seed(51);
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1("transpose::<0, 1>", &x, |x| x.transpose::<0, 1>());
    check_op1("transpose::<0, 2>", &x, |x| x.transpose::<0, 2>());
    check_op1("transpose::<1, 2>", &x, |x| x.transpose::<1, 2>());
    check_op1("transpose::<2, 1>", &x, |x| x.transpose::<2, 1>());
}

#[test]
fn grad_permute() {
    manual_seed(52);
    let x = randn::<Rank2<3, 4>>();
    check_op1("Rank2 permute::<1, 0>", &x, |x| x.permute::<1, 0>());
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1("permute::<2, 0, 1>", &x, |x| x.permute::<2, 0, 1>());
    check_op1("permute::<1, 2, 0>", &x, |x| x.permute::<1, 2, 0>());
    check_op1("permute::<0, 2, 1>", &x, |x| x.permute::<0, 2, 1>());
    let x = randn::<Rank4<2, 3, 2, 4>>();
    check_op1("permute::<3, 1, 0, 2>", &x, |x| x.permute::<3, 1, 0, 2>());
    check_op1("permute::<1, 3, 2, 0>", &x, |x| x.permute::<1, 3, 2, 0>());
    check_op1("permute twice", &x, |x| {
        x.permute::<1, 3, 2, 0>().permute::<2, 0, 3, 1>()
    });
}

// ---------------------------------------------------------------------------------------
// Indexing
// ---------------------------------------------------------------------------------------

#[test]
fn grad_narrow() {
    manual_seed(53);
    let x = randn::<Rank2<5, 4>>();
    check_op1("narrow::<0, 1, 3>", &x, |x| x.narrow::<0, 1, 3>());
    check_op1("narrow::<1, 0, 2>", &x, |x| x.narrow::<1, 0, 2>());
    check_op1("narrow::<1, 2, 2>", &x, |x| x.narrow::<1, 2, 2>());
    check_op1("narrow::<0, 0, 5>", &x, |x| x.narrow::<0, 0, 5>());
    let x = randn::<Rank3<2, 3, 4>>();
    check_op1("Rank3 narrow::<2, 1, 2>", &x, |x| x.narrow::<2, 1, 2>());
    check_op1("narrow of a transpose", &x, |x| {
        x.transpose::<0, 2>().narrow::<1, 1, 2>()
    });
}

#[test]
fn grad_slice_from() {
    manual_seed(54);
    let x = randn::<Rank2<5, 3>>();
    check_op1("x[1:, 1:]", &x, |x| {
        x.slice_from::<0, 1>().slice_from::<1, 1>()
    });
    check_op1("x[3:]", &x, |x| x.slice_from::<0, 3>());
    check_op1("x[:, 2:].exp()", &x, |x| x.slice_from::<1, 2>().exp());
}

#[test]
fn grad_cat() {
    manual_seed(55);
    check_op2(
        "cat axis 0",
        &randn::<Rank2<2, 4>>(),
        &randn::<Rank2<3, 4>>(),
        |a: &T<Rank2<2, 4>>, b: &T<Rank2<3, 4>>| a.cat::<0, _>(b),
    );
    check_op2(
        "cat axis 1",
        &randn::<Rank2<3, 2>>(),
        &randn::<Rank2<3, 4>>(),
        |a: &T<Rank2<3, 2>>, b: &T<Rank2<3, 4>>| a.cat::<1, _>(b),
    );
    check_op2(
        "Rank3 cat axis 2",
        &randn::<Rank3<2, 3, 1>>(),
        &randn::<Rank3<2, 3, 2>>(),
        |a: &T<Rank3<2, 3, 1>>, b: &T<Rank3<2, 3, 2>>| a.cat::<2, _>(b),
    );
    // The pieces of cat's gradient are views with offsets; the ops before must take them.
    check_op2(
        "cat of products, axis 1",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank2<4, 2>>(),
        |a: &T<Rank2<3, 4>>, b: &T<Rank2<4, 2>>| a.mm(b).cat::<1, _>(&a.t().t().exp()).tanh(),
    );
    check_op2(
        "cat of transposed, axis 0",
        &randn::<Rank2<4, 3>>(),
        &randn::<Rank2<2, 3>>(),
        |a: &T<Rank2<4, 3>>, b: &T<Rank2<2, 3>>| a.t().cat::<0, _>(&b.mm(&a.t())),
    );
}

#[test]
fn grad_index_select() {
    manual_seed(56);
    let x = randn::<Rank2<4, 3>>();
    let rows = tensor([2i64, 0, 2, 3, 2]);
    check_op1("index_select axis 0, repeated rows", &x, |x| {
        x.index_select::<0, 5>(&rows).unwrap()
    });
    let cols = tensor([1i64, 1, 0, 1]);
    check_op1("index_select axis 1, repeated columns", &x, |x| {
        x.index_select::<1, 4>(&cols).unwrap()
    });
    check_op1("index_select of a transpose", &x, |x| {
        x.t().index_select::<1, 5>(&rows).unwrap()
    });
    // A row picked three times gets three times the gradient.
    let xt = x.clone().requires_grad_();
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

#[test]
fn grad_masked_fill() {
    manual_seed(57);
    let x = randn::<Rank2<3, 4>>();
    let mask = T::<Rank2<3, 4>>::randn().gt_scalar(0.0);
    check_op1("masked_fill", &x, |x| x.masked_fill(&mask, 7.0));
    let row_mask = tensor([true, false, false, true]);
    check_op1("masked_fill, broadcast mask", &x, |x| {
        x.masked_fill(&row_mask, -1.0)
    });
    check_op1("masked_fill of a transpose", &x, |x| {
        x.t().masked_fill(&mask.t(), 0.0).exp()
    });
}

#[test]
fn grad_where() {
    manual_seed(58);
    let cond = T::<Rank2<3, 4>>::randn().gt_scalar(0.0);
    check_op2(
        "where_, both branches",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank2<3, 4>>(),
        |x: &T<Rank2<3, 4>>, o: &T<Rank2<3, 4>>| x.where_(&cond, o),
    );
    check_op2(
        "where_, Rank1 other",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank1<4>>(),
        |x: &T<Rank2<3, 4>>, o: &T<Rank1<4>>| x.where_(&cond, o),
    );
    check_op2(
        "where_, Rank0 other",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank0>(),
        |x: &T<Rank2<3, 4>>, o: &T<Rank0>| x.where_(&cond, o),
    );
    let row_cond = tensor([false, true, true, false]);
    check_op2(
        "where_, broadcast cond and other",
        &randn::<Rank2<3, 4>>(),
        &randn::<Rank1<4>>(),
        |x: &T<Rank2<3, 4>>, o: &T<Rank1<4>>| x.where_(&row_cond, o),
    );
}

// ---------------------------------------------------------------------------------------
// Copies and casts
// ---------------------------------------------------------------------------------------

#[test]
fn grad_contiguous() {
    manual_seed(59);
    let x = randn::<Rank2<3, 4>>();
    check_op1("t().contiguous()", &x, |x| x.t().contiguous());
    check_op1("contiguous() of contiguous", &x, |x| x.contiguous());
    check_op1("narrow().contiguous()", &x, |x| {
        x.narrow::<1, 1, 2>().contiguous()
    });
    check_op1("row narrow().contiguous()", &x, |x| {
        x.narrow::<0, 1, 2>().contiguous()
    });
}

#[test]
fn grad_copy() {
    manual_seed(60);
    check_op1("copy_ same shape", &randn::<Rank2<3, 4>>(), |s| {
        let mut y = T::<Rank2<3, 4>>::zeros();
        y.copy_(s);
        y
    });
    check_op1("copy_ broadcast source", &randn::<Rank1<4>>(), |s| {
        let mut y = T::<Rank2<3, 4>>::zeros();
        y.copy_(s);
        y
    });
    check_op1(
        "copy_ of a transposed source",
        &randn::<Rank2<4, 3>>(),
        |s| {
            let mut y = T::<Rank2<3, 4>>::ones();
            y.copy_(&s.t());
            y.exp()
        },
    );
}

#[test]
fn grad_to_dtype_round_trip() {
    manual_seed(61);
    // The f32 leg rounds to ~1e-7 relative: a larger step and a looser tolerance.
    let x = randn::<Rank2<3, 4>>();
    gradcheck1_with("f64 -> f32 -> f64", 1e-3, 1e-3, &x, |x| {
        contract(x.to_dtype::<f32>().to_dtype::<f64>())
    });
    gradcheck1_with("f64 -> f32 tanh -> f64", 1e-3, 1e-3, &x, |x| {
        contract((x.to_dtype::<f32>().tanh() * 2.0f32).to_dtype::<f64>())
    });
    gradcheck1_with("float() then double()", 1e-3, 1e-3, &x, |x| {
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

#[test]
fn grad_two_layer_network() {
    manual_seed(62);
    let x = T::<Rank2<8, 6>>::randn();
    let y = T::<Rank2<8, 3>>::randn();
    let w1v = randn::<Rank2<6, 5>>();
    let w2v = randn::<Rank2<5, 3>>();
    // No hidden unit sits on relu's kink.
    let h0 = x.mm(&w1v).to_vec();
    assert!(h0.iter().all(|v| v.abs() > 1e-3));
    assert!(h0.iter().any(|&v| v < 0.0) && h0.iter().any(|&v| v > 0.0));

    let loss_of = |w1: &T<Rank2<6, 5>>, w2: &T<Rank2<5, 3>>| {
        let y_pred = x.mm(w1).clamp_min(0.0).mm(w2);
        (&y_pred - &y).pow(2.0).sum()
    };
    gradcheck2("two-layer network", &w1v, &w2v, loss_of);

    // Against the lesson's hand-written backward pass.
    let (w1, w2) = (w1v.clone().requires_grad_(), w2v.clone().requires_grad_());
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

#[test]
fn grads_accumulate_across_backward_calls_and_reset_with_zero_grad() {
    let x = tensor([1.0, -2.0, 3.0]).requires_grad_();
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

#[test]
fn no_grad_records_nothing() {
    let x = tensor([1.0f64, 2.0]).requires_grad_();
    let y = no_grad(|| (&x * 2.0).exp().sum());
    assert_eq!(y.grad_fn(), None);
    assert!(!y.requires_grad());
    assert!(y.try_backward().is_err());
    // Recording resumes after the closure.
    let z = (&x * 2.0).sum();
    assert_eq!(z.grad_fn(), Some("SumBackward0"));
    assert!(typetensor::autograd::is_grad_enabled());
}

#[test]
fn detach_stops_the_gradient() {
    let x = tensor([1.5, -2.0]).requires_grad_();
    let d = x.detach();
    assert!(!d.requires_grad());
    assert_eq!(d.grad_fn(), None);
    assert_close("detach values", &d.to_vec(), &[1.5, -2.0], 0.0);
    (&x * &d).sum().backward(); // only the first factor is differentiated: d/dx = x
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

#[test]
fn grad_fn_names_match_pytorch() {
    let a = T::<Rank2<2, 3>>::randn().requires_grad_();
    let b = T::<Rank2<3, 2>>::randn().requires_grad_();
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
    assert_eq!((&a - &a).grad_fn(), Some("SubBackward0"));
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

#[test]
fn in_place_op_on_a_leaf_inside_no_grad_keeps_it() {
    let mut w = tensor([1.0f64, 2.0]).requires_grad_();
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

#[test]
fn in_place_op_on_a_non_leaf_is_recorded() {
    let x = tensor([1.0f64, 2.0]).requires_grad_();
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
    y.numpy_mut()[0] = 100.0;
    y.sum().backward();
    let expected = [0.5f64.exp(), (-1.0f64).exp()];
    assert_close(
        "exp after in-place",
        &x.grad().unwrap().to_vec(),
        &expected,
        1e-15,
    );
}

#[test]
fn backward_from_a_one_element_tensor_of_any_rank() {
    let x = tensor([1.0f64, 2.0, 3.0]).requires_grad_();
    let y = (&x * &x).sum_dim_keepdim::<0>(); // Rank1<1>
    y.backward();
    assert_close(
        "Rank1<1> seed",
        &x.grad().unwrap().to_vec(),
        &[2.0, 4.0, 6.0],
        0.0,
    );
    let m = tensor([[1.0f64, 2.0]]).requires_grad_();
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
    check_op1("deliberately wrong", &nonzero::<Rank1<3>>(), |x| {
        x * &x.detach()
    });
}

#[test]
fn try_backward_without_a_graph_is_an_error() {
    assert!(tensor(1.0).try_backward().is_err());
    assert!(tensor([2.0]).sum().try_backward().is_err());
    let x = tensor(1.0).requires_grad_();
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
