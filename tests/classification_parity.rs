//! The classification ops against PyTorch: forward values and gradients, float32 and
//! float64, from `tests/goldens/classification.txt` (written by
//! `scripts/classification_goldens.py`, which says how each case is built). Every case runs
//! here with the same inputs and the same output weighting; the largest relative difference
//! per op is printed (`cargo test --test classification_parity -- --nocapture`).
use std::collections::{BTreeMap, HashMap};

use typetensor::nn::Reduction;
use typetensor::nn::functional::{self as F, ClassOpts, GeluApproximate};
use typetensor::{ConstShape, FloatDtype, Rank0, Rank1, Rank2, Rank3, Tensor};

struct Case {
    name: String,
    dtype: String,
    inputs: HashMap<String, Vec<f64>>,
    out: Vec<f64>,
    grads: Vec<(String, Vec<f64>)>,
}

fn parse() -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    for line in include_str!("goldens/classification.txt").lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let kind = parts.next().unwrap();
        let num = |s: &str| s.parse::<f64>().unwrap_or_else(|e| panic!("{s}: {e}"));
        match kind {
            "case" => cases.push(Case {
                name: parts.next().unwrap().into(),
                dtype: parts.next().unwrap().into(),
                inputs: HashMap::new(),
                out: Vec::new(),
                grads: Vec::new(),
            }),
            "in" => {
                let name = parts.next().unwrap().to_string();
                let _shape = parts.next();
                let c = cases.last_mut().unwrap();
                c.inputs.insert(name, parts.map(num).collect());
            }
            "out" => {
                let _shape = parts.next();
                cases.last_mut().unwrap().out = parts.map(num).collect();
            }
            "grad" => {
                let name = parts.next().unwrap().to_string();
                let g = parts.map(num).collect();
                cases.last_mut().unwrap().grads.push((name, g));
            }
            other => panic!("unknown line kind {other}"),
        }
    }
    cases
}

/// The script's weight: `±(0.5 + frac(i φ))`, negative at odd positions.
fn weight<S: ConstShape, E: FloatDtype>() -> Tensor<S, E> {
    Tensor::from_fn(|i| {
        let w = 0.5 + (i as f64 * 0.6180339887498949).fract();
        E::from_f64(if i % 2 == 0 { w } else { -w })
    })
}

/// What a case computed: the result, and the scalar whose gradient the script took.
struct Ran<E: FloatDtype> {
    out: Vec<f64>,
    scalar: Tensor<Rank0, E>,
}

fn ran<S: ConstShape, E: FloatDtype>(out: Tensor<S, E>) -> Ran<E> {
    let values = out.to_vec().into_iter().map(|v| v.to_f64()).collect();
    let scalar = if S::NUMEL == 1 {
        out.sum()
    } else {
        (&out * &weight::<S, E>()).sum()
    };
    Ran {
        out: values,
        scalar,
    }
}

fn run<E: FloatDtype>(c: &Case) -> (Vec<f64>, Vec<(String, Vec<f64>)>) {
    let vals = |k: &str| -> Vec<E> { c.inputs[k].iter().map(|&v| E::from_f64(v)).collect() };
    let ints = |k: &str| -> Vec<i64> { c.inputs[k].iter().map(|&v| v as i64).collect() };
    // The [4, 5] inputs of the case (zeros for those it does not have: they go unused).
    let leaf = |k: &str| {
        match c.inputs.get(k) {
            Some(v) if v.len() == 20 => Tensor::<Rank2<4, 5>, E>::from_vec(vals(k)).unwrap(),
            _ => Tensor::zeros(),
        }
        .requires_grad_()
    };
    let x = leaf("x");
    let t = || Tensor::<Rank1<4>, i64>::from_vec(ints("t")).unwrap();
    let (p, y, u) = (leaf("p"), leaf("y"), leaf("u"));
    let red = |name: &str| {
        if name.ends_with("_sum") {
            Some(Reduction::Sum)
        } else if name.ends_with("_mean") {
            Some(Reduction::Mean)
        } else {
            None
        }
    };
    let scalar = |l: Tensor<Rank0, E>| ran(l);
    let n = c.name.as_str();
    let mut leaves: Vec<(&str, &Tensor<Rank2<4, 5>, E>)> = vec![("x", &x)];
    let mut extra: Option<(&str, Tensor<Rank2<4, 3>, E>)> = None;
    let mut x3: Option<Tensor<Rank3<2, 5, 3>, E>> = None;
    let r = match n {
        "softmax1" | "softmax0" | "log_softmax1" | "log_softmax0" | "log_softmax1_big" => match n {
            "softmax1" => ran(x.softmax::<1>()),
            "softmax0" => ran(x.softmax::<0>()),
            "log_softmax0" => ran(x.log_softmax::<0>()),
            _ => ran(x.log_softmax::<1>()),
        },
        "logsumexp1" | "logsumexp1_big" => ran(x.logsumexp::<1>()),
        "logsumexp0" => ran(x.logsumexp::<0>()),
        _ if n.starts_with("cross_entropy_probs") => {
            leaves.push(("p", &p));
            let eps = if n.contains("_ls_") { 0.25 } else { 0.0 };
            match red(n) {
                Some(r) => scalar(F::cross_entropy_probs_with(&x, &p, r, eps)),
                None => ran(F::cross_entropy_probs_none(&x, &p, eps)),
            }
        }
        "cross_entropy_ignore2_ls" => {
            let opts = ClassOpts::new().ignore_index(2).label_smoothing(0.3);
            scalar(F::cross_entropy_with(&x, &t(), Reduction::Mean, opts))
        }
        "cross_entropy_big" => scalar(F::cross_entropy(&x, &t())),
        "cross_entropy_nd" => {
            let l = Tensor::<Rank3<2, 5, 3>, E>::from_vec(vals("x"))
                .unwrap()
                .requires_grad_();
            let tt = Tensor::<Rank2<2, 3>, i64>::from_vec(ints("t")).unwrap();
            let opts = ClassOpts::new().label_smoothing(0.2);
            let r = scalar(F::cross_entropy_with(&l, &tt, Reduction::Mean, opts));
            x3 = Some(l);
            r
        }
        _ if n.starts_with("cross_entropy") => {
            let eps = if n.contains("_ls_") { 0.1 } else { 0.0 };
            let opts = ClassOpts::new().label_smoothing(eps);
            match red(n) {
                Some(r) => scalar(F::cross_entropy_with(&x, &t(), r, opts)),
                None => ran(F::cross_entropy_none(&x, &t(), opts)),
            }
        }
        _ if n.starts_with("nll_loss") => {
            let logp = x.log_softmax::<1>();
            match red(n) {
                Some(r) => scalar(F::nll_loss_with(&logp, &t(), r, -100)),
                None => ran(F::nll_loss_none(&logp, &t(), -100)),
            }
        }
        _ if n.starts_with("bce_logits") => {
            leaves.push(("y", &y));
            let w = Tensor::<Rank1<5>, E>::from_vec(if n.contains("_pw_") {
                vals("w")
            } else {
                vec![E::one(); 5]
            })
            .unwrap();
            match red(n) {
                Some(r) => scalar(F::binary_cross_entropy_with_logits_with(
                    &x,
                    &y,
                    r,
                    Some(&w),
                )),
                None => ran(F::binary_cross_entropy_with_logits_none(&x, &y, Some(&w))),
            }
        }
        _ if n.starts_with("l1_") || n.starts_with("smooth_l1_") || n.starts_with("huber_") => {
            leaves.push(("u", &u));
            let per = if n.starts_with("l1_") {
                F::l1_loss_none(&x, &u)
            } else if n.starts_with("smooth") {
                F::smooth_l1_loss_none(&x, &u, 1.5)
            } else {
                F::huber_loss_none(&x, &u, 1.5)
            };
            match red(n) {
                Some(r) => scalar(if n.starts_with("l1_") {
                    F::l1_loss_with(&x, &u, r)
                } else if n.starts_with("smooth") {
                    F::smooth_l1_loss_with(&x, &u, r, 1.5)
                } else {
                    F::huber_loss_with(&x, &u, r, 1.5)
                }),
                None => ran(per),
            }
        }
        "gelu" => ran(F::gelu(&x)),
        "gelu_tanh" => ran(F::gelu_with(&x, GeluApproximate::Tanh)),
        "leaky_relu" => ran(F::leaky_relu(&x, E::from_f64(0.2))),
        "sin" => ran(x.sin()),
        "cos" => ran(x.cos()),
        "exp2" => ran(x.exp2()),
        "expm1" => ran(x.expm1()),
        "log1p" => ran(x.log1p()),
        "rsqrt" => ran(x.rsqrt()),
        "floor" => ran(x.floor()),
        "sign" | "round" => {
            let z = Tensor::<Rank2<5, 5>, E>::from_vec(vals("x")).unwrap();
            ran(if n == "sign" { z.sign() } else { z.round() })
        }
        "gather1" => {
            let i = Tensor::<Rank2<4, 3>, i64>::from_vec(ints("i")).unwrap();
            ran(x.gather::<1, _>(&i))
        }
        "scatter_add1" => {
            let i = Tensor::<Rank2<4, 3>, i64>::from_vec(ints("i")).unwrap();
            let s = Tensor::<Rank2<4, 3>, E>::from_vec(vals("s"))
                .unwrap()
                .requires_grad_();
            let r = ran(x.scatter_add::<1, _>(&i, &s));
            extra = Some(("s", s));
            r
        }
        "linspace" => {
            let l = Tensor::<Rank1<13>, E>::linspace(E::from_f64(-3.3), E::from_f64(7.1));
            return (
                l.to_vec().into_iter().map(|v| v.to_f64()).collect(),
                Vec::new(),
            );
        }
        other => panic!("no Rust side for golden case {other}"),
    };
    if c.grads.is_empty() {
        return (r.out, Vec::new());
    }
    r.scalar.backward();
    let g64 = |v: Vec<E>| v.into_iter().map(|e| e.to_f64()).collect::<Vec<f64>>();
    let mut grads = Vec::new();
    for (name, _) in &c.grads {
        let g = if let Some(l) = &x3 {
            g64(l.grad().unwrap().to_vec())
        } else if let Some((k, s)) = &extra
            && k == name
        {
            g64(s.grad().unwrap().to_vec())
        } else {
            let l = leaves
                .iter()
                .find(|(k, _)| k == name)
                .unwrap_or_else(|| panic!("{n}: no leaf {name}"))
                .1;
            g64(l.grad().unwrap().to_vec())
        };
        grads.push((name.clone(), g));
    }
    (r.out, grads)
}

/// `|a - b| / max(|b|, floor)`, NaN matching NaN as 0.
fn rel(a: f64, b: f64, floor: f64) -> f64 {
    if a.is_nan() && b.is_nan() || a == b {
        return 0.0;
    }
    (a - b).abs() / b.abs().max(floor)
}

#[test]
fn classification_ops_match_pytorch() {
    let cases = parse();
    assert!(cases.len() > 100, "goldens present: {} cases", cases.len());
    // The largest relative difference per op family and dtype.
    let mut worst: BTreeMap<(String, String), f64> = BTreeMap::new();
    let mut failures = Vec::new();
    for c in &cases {
        let (out, grads) = if c.dtype == "f32" {
            run::<f32>(c)
        } else {
            run::<f64>(c)
        };
        // f32: PyTorch's vectorised exp/log/erf and summation order differ by a few ulp,
        // and values below 1e-2 are compared absolutely (gelu's `1 + erf(x / sqrt 2)` cancels
        // for negative x in both implementations, so its small results carry an absolute
        // error of a few ulp of 1). With logits of 1e4, PyTorch's logsumexp gradient is
        // `exp(x - lse)`, which inherits lse's rounding (an ulp of 1e4 in f32 is 1e-3);
        // ours is `softmax(x)`, exact to a few ulp: they differ by up to ~1e-3 there.
        let (tol, floor) = match (c.dtype.as_str(), c.name.ends_with("_big")) {
            ("f32", true) => (1e-3, 1e-2),
            ("f32", false) => (2e-5, 1e-2),
            _ => (1e-11, 1e-9),
        };
        let mut check = |what: &str, got: &[f64], want: &[f64]| {
            assert_eq!(
                got.len(),
                want.len(),
                "{} {}: {what} length",
                c.name,
                c.dtype
            );
            // softmax1 and softmax0 are one op along two axes (but exp2 and log1p are names).
            let op = match c.name.strip_suffix(['0', '1']) {
                Some(base)
                    if !base.ends_with("exp")
                        && !base.ends_with("log")
                        && !base.ends_with("expm") =>
                {
                    base
                }
                _ => c.name.as_str(),
            };
            for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
                let r = rel(g, w, floor);
                let e = worst
                    .entry((op.to_string(), c.dtype.clone()))
                    .or_insert(0.0);
                *e = e.max(r);
                if r > tol || g.is_nan() != w.is_nan() {
                    failures.push(format!(
                        "{} {} {what}[{i}]: {g} vs PyTorch {w}",
                        c.name, c.dtype
                    ));
                }
            }
        };
        check("out", &out, &c.out);
        for ((name, want), (_, got)) in c.grads.iter().zip(&grads) {
            check(&format!("grad {name}"), got, want);
        }
    }
    println!("largest relative difference from PyTorch (|ours - torch| / max(|torch|, floor)):");
    for ((op, dtype), r) in &worst {
        println!("  {op:32} {dtype}  {r:.2e}");
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
