//! The classification modules and `13_classifier` against PyTorch
//! (`scripts/classifier_goldens.py` made `tests/goldens/nn_classifier.txt` and
//! `tests/data/classifier/`):
//!
//! - `GELU`, `LeakyReLU`, `Softmax`, `LogSoftmax`, `CrossEntropyLoss` (class indices and
//!   probabilities, every option), `NLLLoss`, `BCEWithLogitsLoss` and `L1Loss`: forward in
//!   training and in evaluation mode, and the inputs' gradients, float32 and float64;
//! - a `Sequential` with `Dropout(0.5)` in evaluation mode (the identity): forward and every
//!   gradient;
//! - `13_classifier`'s own training loop from PyTorch's initial weights, batches in file
//!   order and Dropout off: the loss of every batch of the first epochs, and the test
//!   accuracy after each.
//!
//! `--nocapture` prints the largest relative difference per case.
use typetensor::nn::functional::GeluApproximate;
use typetensor::nn::{
    BCEWithLogitsLoss, CrossEntropyLoss, Dropout, GELU, L1Loss, LeakyReLU, Linear, LogSoftmax,
    Module, NLLLoss, ReLU, Reduction, Sequential, Softmax, Training,
};
use typetensor::optim::Adam;
use typetensor::optim::lr_scheduler::{LRScheduler, StepLR};
use typetensor::{ConstShape, Cpu, FloatDtype, Rank0, Rank1, Rank2, Rank3, Tensor};

#[path = "common/goldens.rs"]
mod goldens;
use goldens::Golden;

#[allow(dead_code)]
#[path = "../examples/13_classifier.rs"]
mod classifier;

/// Case `name` (for `E`) of `tests/goldens/nn_classifier.txt`.
fn golden<E: FloatDtype>(name: &str) -> Golden {
    let dtype = format!("{}", E::DTYPE);
    let case = format!("{name}_{}", dtype.trim_start_matches("torch."));
    Golden::new::<E>(include_str!("goldens/nn_classifier.txt"), &case)
}

/// `loss.backward()` for a scalar, `(y * g).sum().backward()` where the case has a `g`.
fn backward<S: ConstShape, E: FloatDtype>(gold: &Golden, y: &Tensor<S, E>) {
    if gold.has("g") {
        y.mul(&gold.input::<S, E>("g")).sum().backward();
    } else {
        y.sum().backward();
    }
}

/// A shape-preserving module: `y_train`, `y_eval` and `x0.grad`.
fn activation<S, E, M>(name: &str, mut module: M)
where
    S: ConstShape,
    E: FloatDtype,
    M: for<'a> Module<&'a Tensor<S, E>, Output = Tensor<S, E>> + Training,
{
    let mut gold = golden::<E>(name);
    let x = gold.input::<S, E>("x0").requires_grad_();
    module.train();
    let y = module.forward(&x);
    gold.check("y_train", &y);
    backward(&gold, &y);
    module.eval();
    gold.check("y_eval", &module.forward(&x));
    gold.check("x0.grad", &x.grad().unwrap());
}

fn activations<E: FloatDtype>() {
    type X = Rank2<4, 6>;
    activation::<X, E, _>("gelu", GELU::new());
    activation::<X, E, _>("gelu_tanh", GELU::approximate(GeluApproximate::Tanh));
    activation::<X, E, _>("leaky_relu", LeakyReLU::default());
    activation::<X, E, _>("leaky_relu_0.2", LeakyReLU::new(0.2));
    activation::<X, E, _>("softmax_dim1", Softmax::<1>);
    activation::<X, E, _>("softmax_dim0", Softmax::<0>);
    activation::<X, E, _>("log_softmax_dim1", LogSoftmax::<1>);
    activation::<Rank3<2, 3, 4>, E, _>("log_softmax_dim2", LogSoftmax::<2>);
}

#[test]
fn activation_modules_match_pytorch_f32() {
    activations::<f32>();
}

#[test]
fn activation_modules_match_pytorch_f64() {
    activations::<f64>();
}

type Logits = Rank2<6, 5>;
type Targets = Rank1<6>;

/// A loss module `loss` applied by `apply` to the case's `x0` and `target`/`x1`: `y_train`,
/// `y_eval`, and the float inputs' gradients.
fn loss_case<L, T, O, E>(
    name: &str,
    mut loss: L,
    target: impl Fn(&Golden) -> T,
    apply: impl Fn(&L, &Tensor<Logits, E>, &T) -> Tensor<O, E>,
) where
    L: Training,
    O: ConstShape,
    E: FloatDtype,
{
    let mut gold = golden::<E>(name);
    let x = gold.input::<Logits, E>("x0").requires_grad_();
    let t = target(&gold);
    loss.train();
    let y = apply(&loss, &x, &t);
    gold.check("y_train", &y);
    backward(&gold, &y);
    loss.eval();
    gold.check("y_eval", &apply(&loss, &x, &t));
    gold.check("x0.grad", &x.grad().unwrap());
}

fn indices(gold: &Golden) -> Tensor<Targets, i64> {
    gold.indices("target")
}

fn class_index_losses<E: FloatDtype>() {
    let ce = CrossEntropyLoss::new();
    loss_case::<_, _, _, E>("cross_entropy", ce, indices, |l, x, t| l.forward(x, t));
    let ce = CrossEntropyLoss::new()
        .reduction(Reduction::Sum)
        .ignore_index(3)
        .label_smoothing(0.1);
    loss_case::<_, _, _, E>("cross_entropy_options", ce, indices, |l, x, t| {
        l.forward(x, t)
    });
    let ce = CrossEntropyLoss::new().ignore_index(3).label_smoothing(0.2);
    loss_case::<_, _, _, E>("cross_entropy_none", ce, indices, |l, x, t| {
        l.forward_none(x, t)
    });
    loss_case::<_, _, _, E>("nll", NLLLoss::new(), indices, |l, x, t| l.forward(x, t));
    let nll = NLLLoss::new().reduction(Reduction::Sum).ignore_index(3);
    loss_case::<_, _, _, E>("nll_options", nll, indices, |l, x, t| l.forward(x, t));
    let nll = NLLLoss::new().ignore_index(3);
    loss_case::<_, _, _, E>("nll_none", nll, indices, |l, x, t| l.forward_none(x, t));
    let probs = |g: &Golden| g.input::<Logits, E>("target");
    let ce = CrossEntropyLoss::new();
    loss_case::<_, _, _, E>("cross_entropy_probs", ce, probs, |l, x, p| {
        l.forward_probs(x, p)
    });
    let ce = CrossEntropyLoss::new()
        .reduction(Reduction::Sum)
        .label_smoothing(0.1);
    loss_case::<_, _, _, E>("cross_entropy_probs_options", ce, probs, |l, x, p| {
        l.forward_probs(x, p)
    });
}

/// Losses of two float tensors of one shape: also the target's gradient.
fn pair_case<L, O, E>(
    name: &str,
    loss: L,
    apply: impl Fn(&L, &Tensor<Logits, E>, &Tensor<Logits, E>) -> Tensor<O, E>,
) where
    L: Training,
    O: ConstShape,
    E: FloatDtype,
{
    let y = golden::<E>(name).input::<Logits, E>("x1").requires_grad_();
    let target = y.clone();
    loss_case(name, loss, move |_| target.clone(), apply);
    let mut gold = golden::<E>(name);
    gold.check("x1.grad", &y.grad().unwrap());
}

fn pair_losses<E: FloatDtype>() {
    let bce = BCEWithLogitsLoss::new();
    pair_case::<_, Rank0, E>("bce_with_logits", bce, |l, x, y| l.forward(x, y));
    let bce = BCEWithLogitsLoss::new().reduction(Reduction::Sum);
    pair_case::<_, Rank0, E>("bce_with_logits_sum", bce, |l, x, y| l.forward(x, y));
    let bce = BCEWithLogitsLoss::new();
    pair_case::<_, Logits, E>("bce_with_logits_none", bce, |l, x, y| l.forward_none(x, y));
    pair_case::<_, Rank0, E>("l1", L1Loss::new(), |l, x, y| l.forward(x, y));
    let l1 = L1Loss::new().reduction(Reduction::Sum);
    pair_case::<_, Rank0, E>("l1_sum", l1, |l, x, y| l.forward(x, y));
    pair_case::<_, Logits, E>("l1_none", L1Loss::new(), |l, x, y| l.forward_none(x, y));
}

#[test]
fn loss_modules_match_pytorch_f32() {
    class_index_losses::<f32>();
    pair_losses::<f32>();
}

#[test]
fn loss_modules_match_pytorch_f64() {
    class_index_losses::<f64>();
    pair_losses::<f64>();
}

fn sequential_eval<E: FloatDtype>() {
    let mut gold = golden::<E>("sequential_eval");
    let (w0, b0) = (gold.input("0.weight"), gold.input("0.bias"));
    let (w4, b4) = (gold.input("4.weight"), gold.input("4.bias"));
    let mut model = Sequential::new((
        Linear::<6, 8, E>::from_weights(w0, Some(b0)),
        GELU::new(),
        Dropout::new(0.5),
        LeakyReLU::new(0.1),
        Linear::<8, 5, E>::from_weights(w4, Some(b4)),
        LogSoftmax::<1>,
    ));
    let x = gold.input::<Rank2<3, 6>, E>("x0").requires_grad_();
    // In training mode Dropout(0.5) changes the output (12 of 24 hidden values on average).
    assert_ne!(model.forward(&x).to_vec(), model.forward(&x).to_vec());
    model.eval(); // model.eval(): Dropout is the identity
    let y = model.forward(&x);
    gold.check("y_eval", &y);
    backward(&gold, &y);
    gold.check("x0.grad", &x.grad().unwrap());
    let (first, last) = (&model.layers.0, &model.layers.4);
    gold.check("0.weight.grad", &first.weight.grad().unwrap());
    gold.check("0.bias.grad", &first.bias.as_ref().unwrap().grad().unwrap());
    gold.check("4.weight.grad", &last.weight.grad().unwrap());
    gold.check("4.bias.grad", &last.bias.as_ref().unwrap().grad().unwrap());
}

#[test]
fn sequential_with_dropout_in_eval_mode_matches_pytorch() {
    sequential_eval::<f32>();
    sequential_eval::<f64>();
}

/// 13_classifier's loop (its `train_epoch` and `accuracy`) from PyTorch's initial weights,
/// in file order with Dropout off: every batch's loss of the first epochs, and the number of
/// test images classified right after each epoch.
#[test]
fn classifier_curve_matches_pytorch() {
    let gold = golden::<f32>("classifier_curve");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/classifier");
    let w1 = Tensor::<Rank2<128, 64>>::read_npy(dir.join("w1.npy"), &Cpu).unwrap();
    let b1 = Tensor::<Rank1<128>>::read_npy(dir.join("b1.npy"), &Cpu).unwrap();
    let w2 = Tensor::<Rank2<10, 128>>::read_npy(dir.join("w2.npy"), &Cpu).unwrap();
    let b2 = Tensor::<Rank1<10>>::read_npy(dir.join("b2.npy"), &Cpu).unwrap();
    let mut model: classifier::Mlp<128, Cpu> = Sequential::new((
        Linear::from_weights(w1, Some(b1)),
        ReLU,
        Dropout::new(0.2),
        Linear::from_weights(w2, Some(b2)),
    ));
    let (x, y) = classifier::load("train", &Cpu).unwrap();
    let (x_test, y_test) = classifier::load("test", &Cpu).unwrap();
    let train = typetensor::data::TensorDataset::new((x, y)).unwrap();
    let loader = classifier::Loader::new(&train); // no shuffle
    let mut optimizer = Adam::new(1e-2);
    let mut scheduler = StepLR::new(&mut optimizer, 5, 0.5);
    let mut worst = 0f64;
    for epoch in 0.. {
        let name = format!("losses{epoch}");
        if !gold.has(&name) {
            assert!(epoch >= 3, "the golden covers a few epochs");
            break;
        }
        model.layers.2.eval(); // Dropout off
        let losses = classifier::train_epoch(&mut model, &mut optimizer, &loader, epoch).unwrap();
        scheduler.step(&mut optimizer);
        let want = &gold.raw(&name).1;
        assert_eq!(losses.len(), want.len());
        for (i, (&a, &b)) in losses.iter().zip(want).enumerate() {
            let rel = (a as f64 - b).abs() / b.abs();
            worst = worst.max(rel);
            assert!(
                rel < 1e-4,
                "epoch {epoch} batch {i}: loss {a} vs PyTorch {b}"
            );
        }
        let acc = classifier::accuracy(&mut model, &x_test, &y_test).unwrap();
        let correct = (acc * 360.0).round();
        let want = gold.raw(&format!("correct{epoch}")).1[0] as f32;
        assert_eq!(correct, want, "epoch {epoch}: test images right");
    }
    println!("classifier curve: largest relative difference {worst:.2e}");
}
