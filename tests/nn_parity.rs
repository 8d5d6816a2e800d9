//! `LayerNorm`, `BatchNorm1d`, `Embedding` and gradient clipping against PyTorch: forward values, input and
//! parameter gradients, and running statistics, in training and evaluation mode, float32
//! and float64 (`scripts/nn_goldens.py` made `tests/goldens/nn_modules.txt`). Each gradient
//! is that of `(y * g).sum()` for the recorded `g`. `--nocapture` prints the largest
//! relative difference per case.
use std::collections::HashMap;

use typetensor::nn::{
    BatchNorm1d, BatchNormInput, Embedding, LastDim, LayerNorm, Module, Training,
};
use typetensor::{ConstShape, FloatDtype, Rank2, Rank3, Tensor};

struct Case {
    dtype: String,
    tensors: HashMap<String, (Vec<usize>, Vec<f64>)>,
}

fn cases() -> HashMap<String, Case> {
    let mut out: HashMap<String, Case> = HashMap::new();
    let mut current = String::new();
    for line in include_str!("goldens/nn_modules.txt").lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut parts = line.split(' ');
        match parts.next() {
            Some("case") => {
                current = parts.next().unwrap().to_string();
                let dtype = parts.next().unwrap().to_string();
                out.insert(
                    current.clone(),
                    Case {
                        dtype,
                        tensors: HashMap::new(),
                    },
                );
            }
            Some("in" | "out") => {
                let name = parts.next().unwrap().to_string();
                let dims = parts.next().unwrap();
                let dims = dims.split(',').map(|d| d.parse().unwrap()).collect();
                let values = parts.map(|v| v.parse().unwrap()).collect();
                let case = out.get_mut(&current).unwrap();
                case.tensors.insert(name, (dims, values));
            }
            other => panic!("unexpected line start {other:?}"),
        }
    }
    out
}

/// One case's tensors, and the largest relative difference seen.
struct Golden {
    name: String,
    case: Case,
    worst: f64,
}

impl Golden {
    fn new<E: FloatDtype>(name: &str) -> Golden {
        let case = cases()
            .remove(name)
            .unwrap_or_else(|| panic!("no case {name}"));
        assert_eq!(
            case.dtype,
            format!("{}", E::DTYPE).trim_start_matches("torch.")
        );
        Golden {
            name: name.into(),
            case,
            worst: 0.0,
        }
    }

    fn raw(&self, t: &str) -> &(Vec<usize>, Vec<f64>) {
        self.case
            .tensors
            .get(t)
            .unwrap_or_else(|| panic!("{}: no tensor {t}", self.name))
    }

    fn input<S: ConstShape, E: FloatDtype>(&self, t: &str) -> Tensor<S, E> {
        let (dims, values) = self.raw(t);
        assert_eq!(dims.as_slice(), S::DIMS, "{}: {t}", self.name);
        Tensor::from_vec(values.iter().map(|&v| E::from_f64(v)).collect()).unwrap()
    }

    /// Compares `ours` with PyTorch's `t`: float32 within 2e-5 relative (1e-5 absolute near
    /// zero), float64 within 1e-10.
    fn check<S: ConstShape, E: FloatDtype>(&mut self, t: &str, ours: &Tensor<S, E>) {
        let (dims, values) = self.raw(t).clone();
        assert_eq!(dims.as_slice(), S::DIMS, "{}: {t}", self.name);
        let (rtol, atol) = match E::DTYPE {
            typetensor::DType::F64 => (1e-10, 1e-12),
            _ => (2e-5, 1e-5),
        };
        for (i, (a, b)) in ours.to_vec().iter().zip(&values).enumerate() {
            let a = typetensor::NumDtype::to_f64(*a);
            let diff = (a - b).abs();
            assert!(
                diff <= atol + rtol * b.abs(),
                "{} {t}[{i}]: {a} vs PyTorch {b}",
                self.name
            );
            self.worst = self.worst.max(diff / b.abs().max(1e-3));
        }
    }
}

impl Drop for Golden {
    fn drop(&mut self) {
        println!(
            "{}: largest relative difference {:.2e}",
            self.name, self.worst
        );
    }
}

/// `(y * g).sum().backward()`.
fn backward<S: ConstShape, E: FloatDtype>(y: &Tensor<S, E>, g: &Tensor<S, E>) {
    y.mul(g).sum().backward();
}

fn layer_norm<const H: usize, S: ConstShape + LastDim<H>, E: FloatDtype>(name: &str, affine: bool) {
    let mut gold = Golden::new::<E>(name);
    let mut ln = LayerNorm::<H, E>::new();
    if affine {
        ln.weight = Some(gold.input::<_, E>("weight").requires_grad_());
        ln.bias = Some(gold.input::<_, E>("bias").requires_grad_());
    } else {
        ln = ln.no_affine();
    }
    let x = gold.input::<S, E>("x").requires_grad_();
    let y = ln.forward(&x);
    gold.check("y", &y);
    backward(&y, &gold.input("g"));
    gold.check("x.grad", &x.grad().unwrap());
    if let (Some(w), Some(b)) = (&ln.weight, &ln.bias) {
        gold.check("weight.grad", &w.grad().unwrap());
        gold.check("bias.grad", &b.grad().unwrap());
    }
}

#[derive(Clone, Copy)]
enum Bn {
    Default,
    Cumulative,
    NoAffine,
    Untracked,
}

fn batch_norm<const C: usize, S: ConstShape + BatchNormInput<C>, E: FloatDtype>(
    name: &str,
    kind: Bn,
) {
    let mut gold = Golden::new::<E>(name);
    let mut bn = BatchNorm1d::<C, E>::new();
    match kind {
        Bn::Cumulative => bn = bn.momentum(None),
        Bn::NoAffine => bn = bn.no_affine(),
        Bn::Untracked => bn = bn.no_running_stats(),
        Bn::Default => {}
    }
    if bn.weight.is_some() {
        bn.weight = Some(gold.input::<_, E>("weight").requires_grad_());
        bn.bias = Some(gold.input::<_, E>("bias").requires_grad_());
    }
    let g: Tensor<S, E> = gold.input("g");
    let step = |gold: &mut Golden, bn: &BatchNorm1d<C, E>, x: &str, suffix: &str| {
        let x = gold.input::<S, E>(x).requires_grad_();
        let y = bn.forward(&x);
        gold.check(&format!("y{suffix}"), &y);
        backward(&y, &g);
        gold.check(&format!("x.grad{suffix}"), &x.grad().unwrap());
        if let (Some(w), Some(b)) = (&bn.weight, &bn.bias) {
            gold.check(&format!("weight.grad{suffix}"), &w.grad().unwrap());
            gold.check(&format!("bias.grad{suffix}"), &b.grad().unwrap());
            w.zero_grad();
            b.zero_grad();
        }
    };
    for i in 1..=2 {
        step(&mut gold, &bn, &format!("x{i}"), &format!("_train{i}"));
        if let (Some(mean), Some(var)) = (bn.running_mean(), bn.running_var()) {
            gold.check(&format!("running_mean_after{i}"), &mean);
            gold.check(&format!("running_var_after{i}"), &var);
            assert_eq!(bn.num_batches_tracked(), Some(i));
        }
    }
    bn.eval();
    step(&mut gold, &bn, "x3", "_eval");
    // Evaluation leaves the statistics as they were.
    assert_eq!(bn.num_batches_tracked().unwrap_or(2), 2);
}

fn embedding<E: FloatDtype>(name: &str, padding_idx: Option<usize>) {
    let mut gold = Golden::new::<E>(name);
    let mut emb = Embedding::<10, 3, E>::from_weights(gold.input("weight"));
    emb.padding_idx = padding_idx;
    let idx_f: Tensor<Rank2<2, 4>, f64> = gold.input("idx");
    let idx = idx_f.long();
    let y: Tensor<Rank3<2, 4, 3>, E> = emb.forward(&idx);
    gold.check("y", &y);
    backward(&y, &gold.input("g"));
    gold.check("weight.grad", &emb.weight.grad().unwrap());
}

/// `clip_grad_norm_` (`norm_type` 2, inf, 3) or `clip_grad_value_` (`None`) over two
/// tensors handed over as a tuple.
fn clipping<E: FloatDtype>(name: &str, norm_type: Option<f64>) {
    use typetensor::nn::utils::{clip_grad_norm_, clip_grad_value_};
    let mut gold = Golden::new::<E>(name);
    let a = Tensor::<Rank2<3, 4>, E>::zeros().requires_grad_();
    let b = Tensor::<typetensor::Rank1<5>, E>::zeros().requires_grad_();
    a.set_grad(Some(&gold.input("a.grad")));
    b.set_grad(Some(&gold.input("b.grad")));
    let params = (a, b);
    match norm_type {
        Some(p) => {
            let total = clip_grad_norm_(&params, 1.5, p).unwrap();
            gold.check(
                "total_norm",
                &Tensor::<typetensor::Rank1<1>, E>::from_vec(vec![total]).unwrap(),
            );
        }
        None => clip_grad_value_(&params, 0.8).unwrap(),
    }
    gold.check("a.grad_clipped", &params.0.grad().unwrap());
    gold.check("b.grad_clipped", &params.1.grad().unwrap());
}

macro_rules! per_dtype {
    ($($test:ident => $body:expr;)*) => {
        mod float32 {
            use super::*;
            $(#[test] fn $test() { type E = f32; const DT: &str = "float32"; $body(DT, std::marker::PhantomData::<E>) })*
        }
        mod float64 {
            use super::*;
            $(#[test] fn $test() { type E = f64; const DT: &str = "float64"; $body(DT, std::marker::PhantomData::<E>) })*
        }
    };
}

type P<E> = std::marker::PhantomData<E>;

per_dtype! {
    layernorm_rank3 => |dt, _: P<E>| layer_norm::<5, Rank3<3, 4, 5>, E>(&format!("layernorm_rank3_{dt}"), true);
    layernorm_rank2 => |dt, _: P<E>| layer_norm::<7, Rank2<6, 7>, E>(&format!("layernorm_rank2_{dt}"), true);
    layernorm_no_affine => |dt, _: P<E>| layer_norm::<6, Rank2<4, 6>, E>(&format!("layernorm_noaffine_{dt}"), false);
    batchnorm_nc => |dt, _: P<E>| batch_norm::<4, Rank2<6, 4>, E>(&format!("batchnorm_nc_{dt}"), Bn::Default);
    batchnorm_ncl => |dt, _: P<E>| batch_norm::<4, Rank3<3, 4, 5>, E>(&format!("batchnorm_ncl_{dt}"), Bn::Default);
    batchnorm_cumulative => |dt, _: P<E>| batch_norm::<3, Rank2<5, 3>, E>(&format!("batchnorm_cumulative_{dt}"), Bn::Cumulative);
    batchnorm_no_affine => |dt, _: P<E>| batch_norm::<3, Rank2<5, 3>, E>(&format!("batchnorm_noaffine_{dt}"), Bn::NoAffine);
    batchnorm_untracked => |dt, _: P<E>| batch_norm::<3, Rank2<5, 3>, E>(&format!("batchnorm_untracked_{dt}"), Bn::Untracked);
    embedding_plain => |dt, _: P<E>| embedding::<E>(&format!("embedding_plain_{dt}"), None);
    embedding_padding => |dt, _: P<E>| embedding::<E>(&format!("embedding_padding_{dt}"), Some(4));
    clip_grad_norm_2 => |dt, _: P<E>| clipping::<E>(&format!("clip_norm2_{dt}"), Some(2.0));
    clip_grad_norm_inf => |dt, _: P<E>| clipping::<E>(&format!("clip_norminf_{dt}"), Some(f64::INFINITY));
    clip_grad_norm_3 => |dt, _: P<E>| clipping::<E>(&format!("clip_norm3_{dt}"), Some(3.0));
    clip_grad_value => |dt, _: P<E>| clipping::<E>(&format!("clip_value_{dt}"), None);
}

#[test]
fn batchnorm_training_needs_two_values_per_channel() {
    let bn = BatchNorm1d::<3>::new();
    let one = Tensor::<Rank2<1, 3>>::ones();
    assert!(bn.try_forward(&one).is_err());
    let mut bn = bn;
    bn.eval();
    assert!(bn.try_forward(&one).is_ok());
}

#[test]
fn embedding_index_out_of_range_is_an_error() {
    let emb = Embedding::<10, 3>::new();
    assert!(emb.try_forward(&typetensor::tensor([0i64, 10])).is_err());
    assert!(emb.try_forward(&typetensor::tensor([-1i64])).is_err());
    assert!(Embedding::<10, 3>::with_padding_idx(10).is_err());
    let padded = Embedding::<10, 3>::with_padding_idx(2).unwrap();
    assert_eq!(padded.weight.to_vec()[6..9], [0.0; 3]);
}

/// A PyTorch `state_dict` with BatchNorm's buffers (`running_mean`, `running_var`,
/// `num_batches_tracked`) loads with `nn::load`, gives PyTorch's eval output, and saves back
/// with the same names and values.
#[test]
fn pytorch_state_dict_with_running_statistics() {
    use typetensor::nn::{self, Linear, Parameters, Sequential};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/safetensors/linear_bn_3_4.safetensors"
    );
    let mut model = Sequential::new((Linear::<3, 4>::new(), BatchNorm1d::<4>::new()));
    nn::load(&mut model, path).unwrap();
    assert_eq!(model.layers.1.num_batches_tracked(), Some(2));
    model.eval();
    let mut gold = Golden::new::<f32>("statedict_linear_bn");
    let y = model.forward(&gold.input::<Rank2<5, 3>, f32>("x"));
    gold.check("y_eval", &y);

    let names: Vec<String> = model.buffers().into_iter().map(|b| b.name).collect();
    assert_eq!(
        names,
        ["1.running_mean", "1.running_var", "1.num_batches_tracked"]
    );
    let bytes = nn::to_bytes(&model).unwrap();
    let (ours, theirs) = (
        safetensors::SafeTensors::deserialize(&bytes).unwrap(),
        std::fs::read(path).unwrap(),
    );
    let theirs = safetensors::SafeTensors::deserialize(&theirs).unwrap();
    let mut keys = ours.names();
    keys.sort();
    let mut their_keys = theirs.names();
    their_keys.sort();
    assert_eq!(keys, their_keys);
    for k in keys {
        let (a, b) = (ours.tensor(k).unwrap(), theirs.tensor(k).unwrap());
        assert_eq!(
            (a.dtype(), a.shape(), a.data()),
            (b.dtype(), b.shape(), b.data()),
            "{k}"
        );
    }
    // A model without the buffers refuses the file (strict, as load_state_dict).
    let mut untracked = Sequential::new((
        Linear::<3, 4>::new(),
        BatchNorm1d::<4>::new().no_running_stats(),
    ));
    assert!(nn::load(&mut untracked, path).is_err());
}
