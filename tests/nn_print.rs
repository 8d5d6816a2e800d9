//! `print(model)`: every module's `{:?}` against PyTorch's `repr(model)`, custom modules
//! (`#[derive(Module)]`) included (`scripts/nn_goldens.py` made `tests/goldens/nn_print.txt`).
use std::collections::HashMap;
use std::fmt::Debug;

use typetensor::nn::functional::GeluApproximate;
use typetensor::nn::{
    BCEWithLogitsLoss, BatchNorm1d, CrossEntropyLoss, Dropout, Embedding, Flatten, GELU, L1Loss,
    LayerNorm, LeakyReLU, Linear, LogSoftmax, MSELoss, Module, NLLLoss, ReLU, Reduction,
    Sequential, Softmax,
};
use typetensor::{Cpu, Device};

fn goldens() -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut lines = include_str!("goldens/nn_print.txt")
        .lines()
        .filter(|l| !l.starts_with('#'));
    while let Some(header) = lines.next() {
        let mut parts = header.split(' ');
        assert_eq!(parts.next(), Some("case"));
        let name = parts.next().unwrap().to_string();
        let count: usize = parts.next().unwrap().parse().unwrap();
        let text: Vec<&str> = (0..count).map(|_| lines.next().unwrap()).collect();
        out.insert(name, text.join("\n"));
    }
    out
}

#[derive(Module)]
struct TwoLayerNet<const D_IN: usize, const H: usize, const D_OUT: usize, Dev: Device = Cpu> {
    linear1: Linear<D_IN, H, f32, Dev>,
    linear2: Linear<H, D_OUT, f32, Dev>,
}

type Body = Sequential<(Linear<16, 32>, BatchNorm1d<32>, ReLU, Linear<32, 4>)>;

#[derive(Module)]
struct Classifier {
    embed: Embedding<100, 16>,
    norm: LayerNorm<16>,
    body: Body,
}

#[derive(Module)]
struct Empty;

#[derive(Module)]
struct DigitNet {
    hidden: Linear<64, 128>,
    act: GELU,
    drop: Dropout,
    out: Linear<128, 10>,
    log_softmax: LogSoftmax<1>,
    loss_fn: NLLLoss,
}

#[test]
fn every_module_prints_as_pytorch() {
    let gold = goldens();
    let cases: Vec<(&str, Box<dyn Debug>)> = vec![
        ("linear", Box::new(Linear::<1000, 100>::no_bias())),
        ("layernorm", Box::new(LayerNorm::<10>::new())),
        (
            "layernorm_options",
            Box::new(LayerNorm::<8>::new().eps(1e-3).no_affine()),
        ),
        (
            "layernorm_no_bias",
            Box::new(LayerNorm::<8>::new().no_bias()),
        ),
        ("batchnorm", Box::new(BatchNorm1d::<3>::new())),
        (
            "batchnorm_options",
            Box::new(
                BatchNorm1d::<5>::new()
                    .eps(0.001)
                    .momentum(None)
                    .no_affine()
                    .no_running_stats(),
            ),
        ),
        (
            "batchnorm_momentum",
            Box::new(BatchNorm1d::<4>::new().momentum(Some(0.01))),
        ),
        ("embedding", Box::new(Embedding::<10, 3>::new())),
        (
            "embedding_padding",
            Box::new(Embedding::<10, 3>::with_padding_idx(0).unwrap()),
        ),
        ("flatten", Box::new(Flatten)),
        (
            "sequential",
            Box::new(Sequential::new((
                Flatten,
                Linear::<64, 32>::new(),
                BatchNorm1d::<32>::new(),
                ReLU,
                Linear::<32, 10>::new(),
            ))),
        ),
        (
            "two_layer_net",
            Box::new(TwoLayerNet::<1000, 100, 10> {
                linear1: Linear::no_bias(),
                linear2: Linear::no_bias(),
            }),
        ),
        (
            "classifier",
            Box::new(Classifier {
                embed: Embedding::with_padding_idx(0).unwrap(),
                norm: LayerNorm::new(),
                body: Sequential::new((Linear::new(), BatchNorm1d::new(), ReLU, Linear::new())),
            }),
        ),
        ("empty", Box::new(Empty)),
        ("dropout", Box::new(Dropout::new(0.2))),
        ("dropout_default", Box::new(Dropout::default())),
        ("gelu", Box::new(GELU::new())),
        (
            "gelu_tanh",
            Box::new(GELU::approximate(GeluApproximate::Tanh)),
        ),
        ("leaky_relu", Box::new(LeakyReLU::default())),
        ("leaky_relu_slope", Box::new(LeakyReLU::new(0.2))),
        ("softmax", Box::new(Softmax::<1>)),
        ("log_softmax", Box::new(LogSoftmax::<2>)),
        (
            "cross_entropy_loss",
            Box::new(
                CrossEntropyLoss::new()
                    .reduction(Reduction::Sum)
                    .ignore_index(3)
                    .label_smoothing(0.1),
            ),
        ),
        ("nll_loss", Box::new(NLLLoss::new())),
        ("bce_with_logits_loss", Box::new(BCEWithLogitsLoss::new())),
        ("l1_loss", Box::new(L1Loss::new())),
        ("mse_loss", Box::new(MSELoss::default())),
        (
            "mlp",
            Box::new(Sequential::new((
                Linear::<64, 128>::new(),
                ReLU,
                Dropout::new(0.2),
                Linear::<128, 10>::new(),
            ))),
        ),
        (
            "digit_net",
            Box::new(DigitNet {
                hidden: Linear::new(),
                act: GELU::new(),
                drop: Dropout::new(0.1),
                out: Linear::new(),
                log_softmax: LogSoftmax,
                loss_fn: NLLLoss::new(),
            }),
        ),
    ];
    assert_eq!(cases.len(), gold.len(), "every golden has a case");
    for (name, model) in cases {
        assert_eq!(format!("{model:?}"), gold[name], "case {name}");
    }
}
