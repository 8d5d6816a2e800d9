//! `#[derive(Module)]`: parameters and their names, `#[module(param)]` and
//! `#[module(skip)]` fields, `zero_grad`, `train()`/`eval()` reaching nested modules,
//! device moves of a module generic over its device, and a forward/backward through it.
use typetensor::nn::{
    BatchNorm1d, Linear, Module, Parameters, ReLU, Sequential, ToDevice, Training,
};
use typetensor::optim::{Adam, Optimizer};
use typetensor::{Cpu, Device, Rank1, Rank2, Tensor, manual_seed};

type Body<const I: usize, const O: usize, Dev> =
    Sequential<(Linear<I, O, f32, Dev>, BatchNorm1d<O, f32, Dev>, ReLU)>;

/// A block generic over its sizes and device, with a parameter of its own and a plain flag.
#[derive(Module)]
struct Block<const I: usize, const O: usize, Dev: Device = Cpu> {
    body: Body<I, O, Dev>,
    #[module(param)]
    scale: Tensor<Rank1<O>, f32, Dev>,
    #[module(skip)]
    residual: bool,
}

#[derive(Module)]
struct Net<Dev: Device = Cpu> {
    first: Block<4, 8, Dev>,
    second: Block<8, 2, Dev>,
}

impl<const N: usize, const I: usize, const O: usize, Dev: Device>
    Module<&Tensor<Rank2<N, I>, f32, Dev>> for Block<I, O, Dev>
{
    type Output = Tensor<Rank2<N, O>, f32, Dev>;
    fn forward(&self, x: &Tensor<Rank2<N, I>, f32, Dev>) -> Self::Output {
        let y = self.body.forward(x).mul(&self.scale);
        if self.residual { y.relu() } else { y }
    }
}

impl<const N: usize, Dev: Device> Module<&Tensor<Rank2<N, 4>, f32, Dev>> for Net<Dev> {
    type Output = Tensor<Rank2<N, 2>, f32, Dev>;
    fn forward(&self, x: &Tensor<Rank2<N, 4>, f32, Dev>) -> Self::Output {
        self.second.forward(&self.first.forward(x))
    }
}

fn block<const I: usize, const O: usize>() -> Block<I, O> {
    Block {
        body: Sequential::new((Linear::new(), BatchNorm1d::new(), ReLU)),
        scale: Tensor::ones().requires_grad_(),
        residual: true,
    }
}

fn net() -> Net {
    manual_seed(8);
    Net {
        first: block(),
        second: block(),
    }
}

#[test]
fn parameters_have_pytorch_names() {
    let model = net();
    let names: Vec<String> = model.parameters().into_iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        [
            "first.body.0.weight",
            "first.body.0.bias",
            "first.body.1.weight",
            "first.body.1.bias",
            "first.scale",
            "second.body.0.weight",
            "second.body.0.bias",
            "second.body.1.weight",
            "second.body.1.bias",
            "second.scale",
        ]
    );
    assert_eq!(model.num_parameters(), (32 + 8 + 16 + 8) + (16 + 2 + 4 + 2));
}

#[test]
fn train_and_eval_reach_nested_modules() {
    let mut model = net();
    assert!(model.first.body.layers.1.training);
    model.eval();
    assert!(!model.first.body.layers.1.training && !model.second.body.layers.1.training);
    model.train();
    assert!(model.second.body.layers.1.training);
}

#[test]
fn trains_moves_and_prints() {
    let mut model = net();
    let x = Tensor::<Rank2<6, 4>>::randn();
    let mut optimizer = Adam::new(1e-2);
    let before = model.first.scale.to_vec();
    let loss = model.forward(&x).pow(2.0).sum();
    optimizer.zero_grad(&model);
    loss.backward();
    assert!(model.first.scale.grad().is_some());
    optimizer.step(&mut model);
    assert_ne!(model.first.scale.to_vec(), before);
    model.zero_grad();
    assert!(model.first.scale.grad().is_none());

    let moved: Net<Cpu> = model.to_device(&Cpu);
    assert!(moved.first.scale.requires_grad() && moved.first.scale.is_leaf());
    assert!(moved.first.residual);
    assert_eq!(moved.first.scale.to_vec(), model.first.scale.to_vec());
    assert_eq!(
        format!("{moved:?}"),
        "Net(\n  (first): Block(\n    (body): Sequential(\n      \
         (0): Linear(in_features=4, out_features=8, bias=True)\n      \
         (1): BatchNorm1d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n      \
         (2): ReLU()\n    )\n  )\n  (second): Block(\n    (body): Sequential(\n      \
         (0): Linear(in_features=8, out_features=2, bias=True)\n      \
         (1): BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n      \
         (2): ReLU()\n    )\n  )\n)"
    );
}

#[test]
fn buffers_are_named_saved_and_loaded() {
    let model = net();
    let x = Tensor::<Rank2<6, 4>>::randn();
    let _ = model.forward(&x); // training: updates the running statistics
    let names: Vec<String> = model.buffers().into_iter().map(|b| b.name).collect();
    assert_eq!(
        names[..3],
        [
            "first.body.1.running_mean",
            "first.body.1.running_var",
            "first.body.1.num_batches_tracked"
        ]
    );
    assert_eq!(names.len(), 6);
    let bytes = typetensor::nn::to_bytes(&model).unwrap();
    let mut fresh = net();
    typetensor::nn::from_bytes(&mut fresh, &bytes).unwrap();
    assert_eq!(fresh.second.body.layers.1.num_batches_tracked(), Some(1));
    assert_eq!(
        fresh.first.body.layers.1.running_var().unwrap().to_vec(),
        model.first.body.layers.1.running_var().unwrap().to_vec()
    );
}

/// A classifier whose fields are the classification modules, a loss among them, generic
/// over its device.
#[derive(Module)]
struct DigitNet<Dev: Device = Cpu> {
    hidden: Linear<64, 32, f32, Dev>,
    act: typetensor::nn::GELU,
    drop: typetensor::nn::Dropout,
    out: Linear<32, 10, f32, Dev>,
    loss_fn: typetensor::nn::CrossEntropyLoss,
}

impl<const N: usize, Dev: Device> Module<&Tensor<Rank2<N, 64>, f32, Dev>> for DigitNet<Dev> {
    type Output = Tensor<Rank2<N, 10>, f32, Dev>;
    fn forward(&self, x: &Tensor<Rank2<N, 64>, f32, Dev>) -> Self::Output {
        let h = self.drop.forward(self.act.forward(self.hidden.forward(x)));
        self.out.forward(&h)
    }
}

#[test]
fn classification_modules_as_fields_train_eval_move_and_name_as_pytorch() {
    use typetensor::nn::{CrossEntropyLoss, Dropout, GELU};
    manual_seed(13);
    let mut model = DigitNet {
        hidden: Linear::new(),
        act: GELU::new(),
        drop: Dropout::new(0.5),
        out: Linear::new(),
        loss_fn: CrossEntropyLoss::new().label_smoothing(0.1),
    }
    .to_device(&Cpu);
    let names: Vec<String> = model.parameters().into_iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    );
    assert!(model.drop.training);
    let x = Tensor::<Rank2<8, 64>>::randn();
    // Training mode: dropout draws a new mask per call.
    assert_ne!(model.forward(&x).to_vec(), model.forward(&x).to_vec());
    model.eval(); // model.eval() reaches the Dropout field
    assert!(!model.drop.training);
    assert_eq!(model.forward(&x).to_vec(), model.forward(&x).to_vec());
    model.train();
    assert!(model.drop.training);
    let target = Tensor::<Rank1<8>, i64>::from_vec(vec![0, 1, 2, 3, 4, 5, 6, 7]).unwrap();
    let loss = model.loss_fn.forward(&model.forward(&x), &target);
    let mut optimizer = Adam::new(1e-3);
    optimizer.zero_grad(&model);
    loss.backward();
    optimizer.step(&mut model);
    assert!(model.out.weight.grad().is_some());
}
