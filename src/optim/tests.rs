//! The optimizers against PyTorch (tests/goldens/optim.txt, written by
//! scripts/optim_goldens.py) and the state bookkeeping around them.
//!
//! Goldens, two comparisons per case:
//! * bit for bit against PyTorch's trajectory with a correctly rounded sqrt (PyTorch's own
//!   code otherwise; for SGD, which has no sqrt, simply PyTorch's): every kernel evaluates
//!   PyTorch's formulas in its order with its roundings (fused multiply-adds where its CPU
//!   kernels have them), and the f64 scalars (bias corrections) come from the C `pow`
//!   Python's `**` calls. A libm whose `pow` rounds differently from the one that wrote the
//!   file could move a bias correction by an ulp of an f64, which almost never shows in f32.
//! * within [`MKL_TOLERANCE`] of PyTorch's real trajectory, whose sqrt is MKL's (within one
//!   ulp, not correctly rounded).
use std::sync::Arc;

use super::{Adam, AdamScalars, AdamW, OptimKernel, Optimizer, ParamStates, RMSprop, SGD};
use crate::device::Cpu;
use crate::error::Error;
use crate::nn::{Linear, MSELoss, Module, Param, ParamRef, Parameters, ReLU, Reduction};
use crate::shape::{Rank1, Rank2};
use crate::tensor::{Tensor, manual_seed, tensor};

/// How far our trajectories may be from PyTorch's MKL-sqrt ones (parameters of order 1).
const MKL_TOLERANCE: f32 = 1e-6;

const GOLDENS: &str = include_str!("../../tests/goldens/optim.txt");

/// The goldens' model: two parameters, one small matrix and one vector long enough for
/// PyTorch's vectorised loops.
struct Two {
    a: Tensor<Rank2<2, 3>>,
    b: Tensor<Rank1<37>>,
}

impl Parameters for Two {
    fn parameters(&self) -> Vec<ParamRef<'_>> {
        vec![
            ParamRef {
                name: "a".into(),
                tensor: &self.a,
            },
            ParamRef {
                name: "b".into(),
                tensor: &self.b,
            },
        ]
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_>> {
        vec![
            Param {
                name: "a".into(),
                tensor: &mut self.a,
            },
            Param {
                name: "b".into(),
                tensor: &mut self.b,
            },
        ]
    }
}

fn hex_values(tokens: &[&str]) -> Vec<f32> {
    tokens
        .iter()
        .map(|t| f32::from_bits(u32::from_str_radix(t, 16).expect("hex f32")))
        .collect()
}

/// A configured optimizer of any kind (the trait's generic methods are not object safe).
enum AnyOptimizer {
    Sgd(SGD),
    Adam(Adam),
    AdamW(AdamW),
    Rms(RMSprop),
}

impl AnyOptimizer {
    fn step(&mut self, model: &mut Two) {
        match self {
            AnyOptimizer::Sgd(o) => o.step(model),
            AnyOptimizer::Adam(o) => o.step(model),
            AnyOptimizer::AdamW(o) => o.step(model),
            AnyOptimizer::Rms(o) => o.step(model),
        }
    }
}

fn build(kind: &str, config: &[&str]) -> AnyOptimizer {
    let mut opt = match kind {
        "SGD" => AnyOptimizer::Sgd(SGD::new(0.0)),
        "Adam" => AnyOptimizer::Adam(Adam::default()),
        "AdamW" => AnyOptimizer::AdamW(AdamW::default()),
        "RMSprop" => AnyOptimizer::Rms(RMSprop::default()),
        _ => panic!("unknown optimizer {kind}"),
    };
    for kv in config {
        let (k, v) = kv.split_once('=').expect("key=value");
        let num = || v.parse::<f64>().expect("float");
        let flag = || v == "true";
        opt = match (opt, k) {
            (AnyOptimizer::Sgd(mut o), "lr") => {
                o.set_lr(num());
                AnyOptimizer::Sgd(o)
            }
            (AnyOptimizer::Sgd(o), "momentum") => AnyOptimizer::Sgd(o.momentum(num())),
            (AnyOptimizer::Sgd(o), "dampening") => AnyOptimizer::Sgd(o.dampening(num())),
            (AnyOptimizer::Sgd(o), "weight_decay") => AnyOptimizer::Sgd(o.weight_decay(num())),
            (AnyOptimizer::Sgd(o), "nesterov") => AnyOptimizer::Sgd(o.nesterov(flag())),
            (AnyOptimizer::Sgd(o), "maximize") => AnyOptimizer::Sgd(o.maximize(flag())),
            (AnyOptimizer::Adam(mut o), "lr") => {
                o.set_lr(num());
                AnyOptimizer::Adam(o)
            }
            (AnyOptimizer::Adam(o), "betas") => {
                let (b1, b2) = v.split_once(',').expect("b1,b2");
                AnyOptimizer::Adam(o.betas(b1.parse().unwrap(), b2.parse().unwrap()))
            }
            (AnyOptimizer::Adam(o), "eps") => AnyOptimizer::Adam(o.eps(num())),
            (AnyOptimizer::Adam(o), "weight_decay") => AnyOptimizer::Adam(o.weight_decay(num())),
            (AnyOptimizer::Adam(o), "amsgrad") => AnyOptimizer::Adam(o.amsgrad(flag())),
            (AnyOptimizer::Adam(o), "maximize") => AnyOptimizer::Adam(o.maximize(flag())),
            (AnyOptimizer::AdamW(mut o), "lr") => {
                o.set_lr(num());
                AnyOptimizer::AdamW(o)
            }
            (AnyOptimizer::AdamW(o), "weight_decay") => AnyOptimizer::AdamW(o.weight_decay(num())),
            (AnyOptimizer::AdamW(o), "amsgrad") => AnyOptimizer::AdamW(o.amsgrad(flag())),
            (AnyOptimizer::AdamW(o), "maximize") => AnyOptimizer::AdamW(o.maximize(flag())),
            (AnyOptimizer::Rms(mut o), "lr") => {
                o.set_lr(num());
                AnyOptimizer::Rms(o)
            }
            (AnyOptimizer::Rms(o), "alpha") => AnyOptimizer::Rms(o.alpha(num())),
            (AnyOptimizer::Rms(o), "eps") => AnyOptimizer::Rms(o.eps(num())),
            (AnyOptimizer::Rms(o), "weight_decay") => AnyOptimizer::Rms(o.weight_decay(num())),
            (AnyOptimizer::Rms(o), "momentum") => AnyOptimizer::Rms(o.momentum(num())),
            (AnyOptimizer::Rms(o), "centered") => AnyOptimizer::Rms(o.centered(flag())),
            (AnyOptimizer::Rms(o), "maximize") => AnyOptimizer::Rms(o.maximize(flag())),
            (_, k) => panic!("unknown key {k} for {kind}"),
        };
    }
    opt
}

/// Distance in units in the last place between two finite f32s of any sign.
fn ulps(a: f32, b: f32) -> u64 {
    let key = |x: f32| {
        let bits = x.to_bits() as i64;
        if bits < 0 {
            i32::MIN as i64 - bits
        } else {
            bits
        }
    };
    key(a).abs_diff(key(b))
}

struct Goldens<'a> {
    init_a: Vec<f32>,
    init_b: Vec<f32>,
    /// Per step: (grad of a, grad of b).
    grads: Vec<(Vec<f32>, Vec<f32>)>,
    cases: Vec<Case<'a>>,
}

/// Parameter values after each step: (a, b).
type Trajectory = Vec<(Vec<f32>, Vec<f32>)>;

struct Case<'a> {
    name: &'a str,
    optimizer: &'a str,
    config: Vec<&'a str>,
    /// PyTorch's own trajectory.
    real: Trajectory,
    /// PyTorch's with a correctly rounded sqrt (see scripts/optim_goldens.py).
    exact: Trajectory,
}

fn parse_goldens(text: &str) -> Goldens<'_> {
    let mut g = Goldens {
        init_a: Vec::new(),
        init_b: Vec::new(),
        grads: Vec::new(),
        cases: Vec::new(),
    };
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let t: Vec<&str> = line.split_whitespace().collect();
        match t[0] {
            "init" if t[1] == "a" => g.init_a = hex_values(&t[2..]),
            "init" => g.init_b = hex_values(&t[2..]),
            "grad" | "after" | "exact" => {
                let step: usize = t[1].parse().unwrap();
                let values = hex_values(&t[3..]);
                let list = match t[0] {
                    "grad" => &mut g.grads,
                    "after" => &mut g.cases.last_mut().expect("a case line first").real,
                    _ => &mut g.cases.last_mut().expect("a case line first").exact,
                };
                if list.len() < step {
                    list.resize(step, (Vec::new(), Vec::new()));
                }
                let slot = &mut list[step - 1];
                if t[2] == "a" {
                    slot.0 = values;
                } else {
                    slot.1 = values;
                }
            }
            "case" => g.cases.push(Case {
                name: t[1],
                optimizer: t[2],
                config: t[3..].to_vec(),
                real: Vec::new(),
                exact: Vec::new(),
            }),
            other => panic!("unknown golden line kind {other}"),
        }
    }
    for case in &mut g.cases {
        case.exact.resize(case.real.len(), (Vec::new(), Vec::new()));
        for (e, r) in case.exact.iter_mut().zip(&case.real) {
            if e.0.is_empty() {
                e.0 = r.0.clone();
            }
            if e.1.is_empty() {
                e.1 = r.1.clone();
            }
        }
    }
    g
}

/// Runs a golden case from its initial values through every recorded gradient and calls
/// `check(step, name, got, want)` after each step for both parameters.
fn replay(
    g: &Goldens<'_>,
    case: &Case<'_>,
    want: &Trajectory,
    mut check: impl FnMut(usize, &str, &[f32], &[f32]),
) {
    assert_eq!(want.len(), g.grads.len(), "{}", case.name);
    let mut opt = build(case.optimizer, &case.config);
    let mut model = Two {
        a: Tensor::from_vec(g.init_a.clone()).unwrap().requires_grad_(),
        b: Tensor::from_vec(g.init_b.clone()).unwrap().requires_grad_(),
    };
    for (t, ((ga, gb), (wa, wb))) in g.grads.iter().zip(want).enumerate() {
        model
            .a
            .set_grad(Some(&Tensor::from_vec(ga.clone()).unwrap()));
        model
            .b
            .set_grad(Some(&Tensor::from_vec(gb.clone()).unwrap()));
        opt.step(&mut model);
        check(t + 1, "a", &model.a.to_vec(), wa);
        check(t + 1, "b", &model.b.to_vec(), wb);
    }
}

/// Bit for bit: every case against PyTorch's trajectory with a correctly rounded sqrt
/// (for SGD, which has no sqrt, that is PyTorch's own).
#[test]
fn matches_pytorch_bit_for_bit() {
    let g = parse_goldens(GOLDENS);
    assert_eq!(g.grads.len(), 20);
    assert_eq!(g.cases.len(), 20);
    for case in &g.cases {
        if case.optimizer == "SGD" {
            assert_eq!(case.exact, case.real, "{}: SGD takes no sqrt", case.name);
        }
        replay(&g, case, &case.exact, |step, which, got, want| {
            for (i, (x, y)) in got.iter().zip(want).enumerate() {
                assert!(
                    x.to_bits() == y.to_bits(),
                    "{}: step {step}: {which}[{i}] = {x:e}, PyTorch {y:e} ({} ulp apart)",
                    case.name,
                    ulps(*x, *y)
                );
            }
        });
    }
}

/// Against PyTorch's own trajectories, whose float32 sqrt (MKL's vector math) is off by one
/// ulp now and then: the parameters stay within [`MKL_TOLERANCE`] of PyTorch's after 20
/// steps (absolute: the values are of order 1, and one that crosses zero has few bits to
/// spare, so ulps would mislead there).
#[test]
fn stays_close_to_pytorch_with_mkl() {
    let g = parse_goldens(GOLDENS);
    let mut worst = 0.0f32;
    for case in &g.cases {
        replay(&g, case, &case.real, |step, which, got, want| {
            for (i, (x, y)) in got.iter().zip(want).enumerate() {
                let d = (x - y).abs();
                worst = worst.max(d);
                assert!(
                    d <= MKL_TOLERANCE,
                    "{}: step {step}: {which}[{i}] = {x:e}, PyTorch {y:e} ({} ulp apart)",
                    case.name,
                    ulps(*x, *y)
                );
            }
        });
    }
    assert!(
        worst > 0.0,
        "the file's real trajectories should differ somewhere"
    );
}

/// The goldens with f64 parameters: the same formulas in double precision stay within
/// f32 rounding of PyTorch's f32 trajectory (a check on the generic code path, not on bits).
#[test]
fn f64_parameters_follow_the_f32_goldens() {
    struct TwoF64 {
        a: Tensor<Rank2<2, 3>, f64>,
        b: Tensor<Rank1<37>, f64>,
    }
    impl Parameters<f64> for TwoF64 {
        fn parameters(&self) -> Vec<ParamRef<'_, f64>> {
            vec![
                ParamRef {
                    name: "a".into(),
                    tensor: &self.a,
                },
                ParamRef {
                    name: "b".into(),
                    tensor: &self.b,
                },
            ]
        }
        fn parameters_mut(&mut self) -> Vec<Param<'_, f64>> {
            vec![
                Param {
                    name: "a".into(),
                    tensor: &mut self.a,
                },
                Param {
                    name: "b".into(),
                    tensor: &mut self.b,
                },
            ]
        }
    }
    let g = parse_goldens(GOLDENS);
    let widen = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<_>>();
    let case = g
        .cases
        .iter()
        .find(|c| c.name == "adam_all_maximize")
        .unwrap();
    let (config, trajectory) = (&case.config, &case.exact);
    let lr: f64 = config[0].strip_prefix("lr=").unwrap().parse().unwrap();
    let mut opt = Adam::<f64>::new(lr)
        .weight_decay(0.05)
        .amsgrad(true)
        .maximize(true);
    let mut m = TwoF64 {
        a: Tensor::from_vec(widen(&g.init_a)).unwrap().requires_grad_(),
        b: Tensor::from_vec(widen(&g.init_b)).unwrap().requires_grad_(),
    };
    for ((ga, gb), (ea, eb)) in g.grads.iter().zip(trajectory) {
        m.a.set_grad(Some(&Tensor::from_vec(widen(ga)).unwrap()));
        m.b.set_grad(Some(&Tensor::from_vec(widen(gb)).unwrap()));
        opt.step(&mut m);
        for (got, want) in
            m.a.to_vec()
                .iter()
                .zip(ea)
                .chain(m.b.to_vec().iter().zip(eb))
        {
            assert!((got - f64::from(*want)).abs() < 1e-5, "{got} vs {want}");
        }
    }
}

fn two(a: f32, b: f32) -> Two {
    Two {
        a: Tensor::full(a).requires_grad_(),
        b: Tensor::full(b).requires_grad_(),
    }
}

fn set_grads(m: &Two, ga: f32, gb: f32) {
    m.a.set_grad(Some(&Tensor::full(ga)));
    m.b.set_grad(Some(&Tensor::full(gb)));
}

/// A model with parameters "a" [2, 3] and "c" [37]: same count and shapes, other name.
struct Renamed(Two);
impl Parameters for Renamed {
    fn parameters(&self) -> Vec<ParamRef<'_>> {
        let mut v = self.0.parameters();
        v[1].name = "c".into();
        v
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_>> {
        let mut v = self.0.parameters_mut();
        v[1].name = "c".into();
        v
    }
}

#[test]
fn another_model_is_an_error_and_changes_nothing() {
    let mut model = two(1.0, 2.0);
    let mut opt = Adam::new(0.1);
    set_grads(&model, 1.0, 1.0);
    opt.step(&mut model);

    // Fewer parameters.
    let mut small = Linear::<3, 2>::from_weights(Tensor::ones(), None);
    small.weight.set_grad(Some(&Tensor::ones()));
    let e = opt.try_step(&mut small).unwrap_err().to_string();
    assert!(
        e.contains("the model has 1 parameters") && e.contains("model with 2"),
        "{e}"
    );
    assert_eq!(small.weight.to_vec(), vec![1.0; 6]);

    // Same count, same shapes, another name.
    let mut renamed = Renamed(two(5.0, 6.0));
    set_grads(&renamed.0, 1.0, 1.0);
    let e = opt.try_step(&mut renamed).unwrap_err().to_string();
    assert!(
        e.contains("parameter 1 is `c`") && e.contains("for `b`"),
        "{e}"
    );
    assert_eq!(renamed.0.a.to_vec(), vec![5.0; 6], "no parameter moved");

    // Same names, another shape.
    let mut reshaped = Linear::<3, 2>::new();
    let mut opt2 = SGD::new(0.1).momentum(0.9);
    reshaped.weight.set_grad(Some(&Tensor::ones()));
    opt2.step(&mut reshaped);
    let mut other = Linear::<2, 3>::new();
    other.weight.set_grad(Some(&Tensor::ones()));
    let before = other.weight.to_vec();
    let e = opt2.try_step(&mut other).unwrap_err().to_string();
    assert!(
        e.contains("`weight` of shape [3, 2]") && e.contains("`weight` of shape [2, 3]"),
        "{e}"
    );
    assert_eq!(other.weight.to_vec(), before);

    // The optimizer still works with its own model.
    set_grads(&model, 1.0, 1.0);
    opt.try_step(&mut model).unwrap();
    assert!(model.a.to_vec()[0] < 0.9);
}

#[test]
#[should_panic(expected = "use a new optimizer for another model")]
fn step_panics_on_another_model() {
    let mut opt = SGD::new(0.1);
    let mut model = two(1.0, 2.0);
    opt.step(&mut model);
    let mut small = Linear::<3, 2>::new();
    opt.step(&mut small);
}

#[test]
fn invalid_hyper_parameters_are_errors_at_the_first_step() {
    let mut model = two(1.0, 2.0);
    set_grads(&model, 1.0, 1.0);
    let err = |r: crate::Result<()>| r.unwrap_err().to_string();
    let e = err(SGD::new(0.1).nesterov(true).try_step(&mut model));
    assert!(
        e.contains("Nesterov momentum requires a momentum and zero dampening"),
        "{e}"
    );
    let e = err(SGD::new(0.1)
        .momentum(0.9)
        .dampening(0.1)
        .nesterov(true)
        .try_step(&mut model));
    assert!(e.contains("Nesterov"), "{e}");
    assert!(err(SGD::new(-0.1).try_step(&mut model)).contains("Invalid learning rate: -0.1"));
    assert!(err(SGD::new(0.1).momentum(-1.0).try_step(&mut model)).contains("momentum"));
    let e = err(Adam::new(0.1).betas(0.9, 1.0).try_step(&mut model));
    assert!(e.contains("Invalid beta parameter at index 1: 1"), "{e}");
    assert!(err(Adam::new(f64::NAN).try_step(&mut model)).contains("learning rate"));
    assert!(err(Adam::new(0.1).eps(-1.0).try_step(&mut model)).contains("epsilon"));
    assert!(err(RMSprop::new(0.1).alpha(-0.5).try_step(&mut model)).contains("alpha"));
    assert!(
        err(RMSprop::new(0.1).weight_decay(-0.5).try_step(&mut model)).contains("weight_decay")
    );
    assert_eq!(model.a.to_vec(), vec![1.0; 6], "nothing moved");
    assert_eq!(model.b.to_vec(), vec![2.0; 37]);
}

#[test]
fn a_parameter_without_grad_is_untouched_and_gets_no_state() {
    let mut model = two(1.0, 2.0);
    let mut opt = Adam::new(0.1);
    model.a.set_grad(Some(&Tensor::full(0.5)));
    let b_storage = Arc::as_ptr(&model.b.storage);
    opt.step(&mut model);
    assert_eq!(model.b.to_vec(), vec![2.0; 37]);
    assert_eq!(
        Arc::as_ptr(&model.b.storage),
        b_storage,
        "not even rewritten"
    );
    assert!(model.b.grad().is_none());
    let a_after_one = model.a.to_vec();
    assert!(a_after_one.iter().all(|&x| (x - 0.9).abs() < 1e-6));

    // b's first gradient now is its first Adam step (step count 1, fresh moments): the
    // same move as a fresh optimizer's first step.
    model.a.zero_grad();
    model.b.set_grad(Some(&Tensor::full(0.5)));
    opt.step(&mut model);
    assert_eq!(model.a.to_vec(), a_after_one);
    let mut fresh = two(1.0, 2.0);
    fresh.b.set_grad(Some(&Tensor::full(0.5)));
    Adam::new(0.1).step(&mut fresh);
    assert_eq!(model.b.to_vec(), fresh.b.to_vec());

    // A tensor that does not require grad is skipped too.
    let mut frozen = Two {
        a: Tensor::full(1.0),
        b: Tensor::full(2.0).requires_grad_(),
    };
    frozen.b.set_grad(Some(&Tensor::full(1.0)));
    SGD::new(0.5).step(&mut frozen);
    assert_eq!(frozen.a.to_vec(), vec![1.0; 6]);
    assert_eq!(frozen.b.to_vec(), vec![1.5; 37]);
}

#[test]
fn the_update_keeps_identity_and_is_not_recorded() {
    let mut model = two(1.0, 2.0);
    set_grads(&model, 1.0, -1.0);
    let node = Arc::as_ptr(model.a.node().unwrap());
    let storage = Arc::as_ptr(&model.a.storage);
    let data = model.a.storage.as_ptr();
    SGD::new(0.5).momentum(0.5).step(&mut model);
    assert_eq!(model.a.to_vec(), vec![0.5; 6]);
    assert_eq!(model.b.to_vec(), vec![2.5; 37]);
    assert!(model.a.requires_grad() && model.a.is_leaf() && model.a.grad_fn().is_none());
    assert_eq!(Arc::as_ptr(model.a.node().unwrap()), node, "same leaf");
    assert_eq!(model.a.grad().unwrap().to_vec(), vec![1.0; 6], "grad kept");
    // Nothing else held the storage: it was written in place, no copy.
    assert_eq!(Arc::as_ptr(&model.a.storage), storage);
    assert_eq!(model.a.storage.as_ptr(), data);

    // A clone shares the storage: the update copies first, and the clone keeps its values.
    let snapshot = model.a.clone();
    SGD::new(0.5).step(&mut model);
    assert_eq!(snapshot.to_vec(), vec![0.5; 6]);
    assert_eq!(model.a.to_vec(), vec![0.0; 6]);
}

/// A step that fails while preparing a later parameter (here its state allocation, as an
/// out-of-memory device would) leaves every parameter as it was: updates start only once
/// every parameter is ready. The retry then updates each parameter exactly once.
#[test]
fn a_failed_preparation_changes_no_parameter() {
    let mut model = two(1.0, 2.0);
    set_grads(&model, 0.25, -1.0);
    let data = model.a.storage.as_ptr();
    let mut states = ParamStates::<u32>::default();
    let add_grad = |n: &mut u32, _: &Cpu, _: usize, p: &mut Vec<f32>, g: &Vec<f32>| {
        *n += 1;
        p.iter_mut().zip(g).for_each(|(p, g)| *p += g);
        Ok(())
    };
    let mut inits = 0;
    let failing_second = |_: &Cpu, _: usize| {
        inits += 1;
        if inits == 2 {
            Err(Error::Device("out of memory (simulated)".into()))
        } else {
            Ok(0)
        }
    };
    let err = states
        .step(
            "Test",
            &mut model,
            failing_second,
            |_, _, _| Ok(()),
            add_grad,
        )
        .unwrap_err();
    assert!(err.to_string().contains("simulated"), "{err}");
    assert_eq!(model.a.to_vec(), vec![1.0; 6]);
    assert_eq!(model.b.to_vec(), vec![2.0; 37]);
    assert_eq!(model.a.storage.as_ptr(), data, "its own storage back");
    assert_eq!(model.a.grad().unwrap().to_vec(), vec![0.25; 6], "grad kept");

    states
        .step("Test", &mut model, |_, _| Ok(0), |_, _, _| Ok(()), add_grad)
        .unwrap();
    assert_eq!(model.a.to_vec(), vec![1.25; 6]);
    assert_eq!(model.b.to_vec(), vec![1.0; 37]);
    let steps: Vec<u32> = states
        .slots
        .iter()
        .flatten()
        .map(|s| s.state.unwrap())
        .collect();
    assert_eq!(
        steps,
        [1, 1],
        "the state made before the failure was kept, once"
    );
}

#[test]
fn strided_parameters_and_gradients() {
    // A transposed parameter and a transposed, and a broadcast, gradient.
    struct T {
        w: Tensor<Rank2<3, 2>>,
        v: Tensor<Rank2<2, 3>>,
    }
    impl Parameters for T {
        fn parameters(&self) -> Vec<ParamRef<'_>> {
            vec![
                ParamRef {
                    name: "w".into(),
                    tensor: &self.w,
                },
                ParamRef {
                    name: "v".into(),
                    tensor: &self.v,
                },
            ]
        }
        fn parameters_mut(&mut self) -> Vec<Param<'_>> {
            vec![
                Param {
                    name: "w".into(),
                    tensor: &mut self.w,
                },
                Param {
                    name: "v".into(),
                    tensor: &mut self.v,
                },
            ]
        }
    }
    let base = tensor([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    let mut m = T {
        w: base.t().requires_grad_(),
        v: base.clone().requires_grad_(),
    };
    assert!(!m.w.is_contiguous());
    m.w.set_grad(Some(&tensor([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]).t()));
    let g_row = tensor([[1.0f32, 0.0, -1.0]]);
    m.v.set_grad(Some(&g_row.expand_dim::<0, 2>()));
    SGD::new(0.5).step(&mut m);
    assert_eq!(m.w.to_vec(), vec![0.5, 2.0, 1.0, 2.5, 1.5, 3.0]);
    assert_eq!(m.v.to_vec(), vec![0.5, 2.0, 3.5, 3.5, 5.0, 6.5]);
    assert_eq!(
        base.to_vec(),
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "the source is untouched"
    );
}

#[test]
fn kernels_refuse_short_buffers() {
    let s = AdamScalars {
        weight_decay: None,
        one_minus_beta1: 0.1f32,
        beta2: 0.999,
        one_minus_beta2: 0.001,
        bias_correction2_sqrt: 1.0,
        neg_step_size: -0.1,
        eps: 1e-8,
        maximize: false,
    };
    let (mut p, g, mut m, mut v) = (vec![0.0f32; 4], vec![0.0; 4], vec![0.0; 4], vec![0.0; 3]);
    let e = Cpu
        .adam_step(4, &mut p, &g, &mut m, &mut v, None, &s)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`exp_avg_sq` holds 3 elements, 4 needed"), "{e}");
}

struct TwoLayerNet {
    linear1: Linear<8, 16>,
    relu: ReLU,
    linear2: Linear<16, 2>,
}
crate::parameters!(TwoLayerNet {
    linear1,
    relu,
    linear2
});

impl Module<&Tensor<Rank2<32, 8>>> for TwoLayerNet {
    type Output = Tensor<Rank2<32, 2>>;
    fn forward(&self, x: &Tensor<Rank2<32, 8>>) -> Self::Output {
        let h = self.relu.forward(self.linear1.forward(x));
        self.linear2.forward(&h)
    }
}

/// The lesson's loop with a `parameters!` module; returns the first and last loss.
fn train(mut optimizer: impl Optimizer, steps: usize) -> (f32, f32) {
    manual_seed(7);
    let x = Tensor::<Rank2<32, 8>>::randn();
    let y = Tensor::<Rank2<32, 2>>::randn();
    let mut model = TwoLayerNet {
        linear1: Linear::new(),
        relu: ReLU,
        linear2: Linear::new(),
    };
    assert_eq!(model.parameters().len(), 4);
    let loss_fn = MSELoss::new(Reduction::Mean);
    let mut losses = Vec::new();
    for _ in 0..steps {
        let y_pred = model.forward(&x);
        let loss = loss_fn.forward(&y_pred, &y);
        losses.push(loss.item());
        optimizer.zero_grad(&model);
        loss.backward();
        optimizer.step(&mut model);
    }
    (losses[0], losses[steps - 1])
}

#[test]
fn a_parameters_macro_module_trains() {
    for (name, (first, last)) in [
        ("sgd", train(SGD::new(0.1).momentum(0.9), 60)),
        ("adam", train(Adam::new(1e-2), 60)),
        ("rmsprop", train(RMSprop::new(1e-2), 60)),
    ] {
        assert!(last < 0.7 * first, "{name}: loss {first} -> {last}");
    }
}

#[test]
fn zero_grad_clears_every_gradient_and_lr_is_settable() {
    let model = two(1.0, 2.0);
    set_grads(&model, 1.0, 1.0);
    let mut opt = RMSprop::default();
    opt.zero_grad(&model);
    assert!(model.a.grad().is_none() && model.b.grad().is_none());
    assert_eq!(opt.lr(), 1e-2);
    opt.set_lr(0.5);
    assert_eq!(opt.lr(), 0.5);
    assert!(format!("{opt:?}").starts_with("RMSprop { lr: 0.5, alpha: 0.99"));
}

#[test]
fn a_step_while_the_graph_is_alive_writes_the_first_layer_in_place() {
    use crate::nn::Sequential;
    manual_seed(3);
    let mut model = Sequential::new((Linear::<4, 3>::no_bias(), ReLU, Linear::<3, 2>::no_bias()));
    let x = Tensor::<Rank2<5, 4>>::randn();
    let zeros: Tensor<Rank2<5, 2>> = Tensor::zeros();
    let loss = MSELoss::new(Reduction::Sum).forward(&model.forward(&x), &zeros);
    loss.backward();
    // `nn.Linear` computes `x · Wᵀ`; the gradient reaching W through `t()` is dense.
    assert!(model.layers.0.weight.grad().unwrap().is_contiguous());
    assert!(model.layers.2.weight.grad().unwrap().is_contiguous());
    let (w1, w2) = (
        model.layers.0.weight.to_vec(),
        model.layers.2.weight.to_vec(),
    );
    let first = model.layers.0.weight.storage.as_ptr();
    // `loss` (and its graph) is still alive: the graph keeps what the gradients need, the
    // second layer's weight (for the first layer's input gradient) but not the first's,
    // whose input `x` needs no gradient.
    SGD::new(0.1).step(&mut model);
    assert_eq!(
        model.layers.0.weight.storage.as_ptr(),
        first,
        "written in place"
    );
    assert_ne!(model.layers.0.weight.to_vec(), w1);
    assert_ne!(model.layers.2.weight.to_vec(), w2);
    drop(loss); // alive until here
}
