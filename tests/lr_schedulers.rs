//! The learning-rate schedulers against PyTorch's sequences, bit for bit
//! (`scripts/lr_scheduler_goldens.py` made `tests/goldens/lr_schedulers.txt`).
use std::collections::HashMap;

use typetensor::optim::lr_scheduler::{
    CosineAnnealingLR, ExponentialLR, LRScheduler, LambdaLR, MultiStepLR, StepLR,
};
use typetensor::optim::{Optimizer, SGD};

/// A scheduler of any kind (`step` is generic, so the trait is not object safe).
enum Any {
    Step(StepLR),
    MultiStep(MultiStepLR),
    Exponential(ExponentialLR),
    Cosine(CosineAnnealingLR),
    Lambda(LambdaLR),
}

impl Any {
    fn step(&mut self, o: &mut SGD) {
        match self {
            Any::Step(s) => s.step(o),
            Any::MultiStep(s) => s.step(o),
            Any::Exponential(s) => s.step(o),
            Any::Cosine(s) => s.step(o),
            Any::Lambda(s) => s.step(o),
        }
    }
    fn last(&self) -> f64 {
        match self {
            Any::Step(s) => s.get_last_lr(),
            Any::MultiStep(s) => s.get_last_lr(),
            Any::Exponential(s) => s.get_last_lr(),
            Any::Cosine(s) => s.get_last_lr(),
            Any::Lambda(s) => s.get_last_lr(),
        }
    }
}

/// The lambdas of the script's `LAMBDAS`, written out again.
fn lambda(name: &str) -> fn(usize) -> f64 {
    match name {
        "pow095" => |e| 0.95f64.powf(std::hint::black_box(e as f64)),
        "inverse" => |e| 1.0 / (e as f64 + 1.0),
        "warmup10" => |e| (1.0f64).min((e as f64 + 1.0) / 10.0),
        other => panic!("unknown lambda {other}"),
    }
}

#[test]
fn schedulers_match_pytorch_bit_for_bit() {
    let text = include_str!("goldens/lr_schedulers.txt");
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let mut cases = 0;
    while let Some(case) = lines.next() {
        let t: Vec<&str> = case.split(' ').collect();
        assert_eq!(t[0], "case");
        let (name, kind) = (t[1], t[2]);
        let kv: HashMap<&str, &str> = t[3..].iter().map(|p| p.split_once('=').unwrap()).collect();
        let f = |k: &str| kv[k].parse::<f64>().unwrap();
        let u = |k: &str| kv[k].parse::<usize>().unwrap();
        let mut opt = SGD::new(f("lr"));
        let mut s = match kind {
            "StepLR" => Any::Step(StepLR::new(&mut opt, u("step_size"), f("gamma"))),
            "MultiStepLR" => {
                let m: Vec<usize> = kv["milestones"]
                    .split(',')
                    .map(|x| x.parse().unwrap())
                    .collect();
                Any::MultiStep(MultiStepLR::new(&mut opt, &m, f("gamma")))
            }
            "ExponentialLR" => Any::Exponential(ExponentialLR::new(&mut opt, f("gamma"))),
            "CosineAnnealingLR" => {
                Any::Cosine(CosineAnnealingLR::new(&mut opt, u("T_max"), f("eta_min")))
            }
            "LambdaLR" => Any::Lambda(LambdaLR::new(
                &mut opt,
                lambda(kv["lambda"].trim_matches('\'')),
            )),
            other => panic!("unknown scheduler {other}"),
        };
        let lrs = lines.next().unwrap();
        let gold: Vec<f64> = lrs.split(' ').skip(1).map(|v| v.parse().unwrap()).collect();
        let mut ours = vec![s.last()];
        assert_eq!(opt.lr(), s.last());
        for _ in 1..gold.len() {
            s.step(&mut opt);
            assert_eq!(opt.lr(), s.last());
            ours.push(s.last());
        }
        for (epoch, (a, b)) in ours.iter().zip(&gold).enumerate() {
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "{name}, epoch {epoch}: {a} vs PyTorch {b}"
            );
        }
        cases += 1;
    }
    assert_eq!(cases, 9);
}
