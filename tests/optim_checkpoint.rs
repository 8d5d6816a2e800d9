//! Checkpointing a training run and resuming it bit for bit (model weights with
//! `nn::to_bytes`, optimizer state with `Optimizer::state_to_bytes`), the errors a wrong
//! checkpoint gives, and optimizers over plain tensors.
use typetensor::nn::{self, Linear, MSELoss, Module, Parameters, ReLU, Reduction, Sequential};
use typetensor::optim::{Adam, AdamW, Optimizer, RMSprop, SGD};
use typetensor::{Cpu, Rank2, Tensor, manual_seed};

type Net = Sequential<(Linear<8, 16>, ReLU, Linear<16, 4>)>;

fn net() -> Net {
    Sequential::new((Linear::new(), ReLU, Linear::new()))
}

fn data() -> (Tensor<Rank2<32, 8>>, Tensor<Rank2<32, 4>>) {
    manual_seed(5);
    (Tensor::randn(), Tensor::randn())
}

fn train(model: &mut Net, optimizer: &mut impl Optimizer, steps: usize) {
    let (x, y) = data();
    let loss_fn = MSELoss::new(Reduction::Mean);
    for _ in 0..steps {
        let loss = loss_fn.forward(&model.forward(&x), &y);
        optimizer.zero_grad(model);
        loss.backward();
        optimizer.step(model);
    }
}

/// All parameter values, as bits, in order.
fn all_bits(model: &Net) -> Vec<u32> {
    let (l0, l2) = (&model.layers.0, &model.layers.2);
    [
        l0.weight.to_vec(),
        l0.bias.as_ref().unwrap().to_vec(),
        l2.weight.to_vec(),
        l2.bias.as_ref().unwrap().to_vec(),
    ]
    .concat()
    .iter()
    .map(|v| v.to_bits())
    .collect()
}

/// Trains 4 + 6 steps uninterrupted, and 4 steps, a checkpoint, and 6 steps on a fresh
/// model and optimizer loaded from it: the weights must agree bit for bit.
fn resumes_bit_for_bit<O: Optimizer>(make: impl Fn() -> O) {
    manual_seed(1);
    let init = net();
    let init_bytes = nn::to_bytes(&init).unwrap();
    let fresh = |bytes: &[u8]| {
        let mut m = net();
        nn::from_bytes(&mut m, bytes).unwrap();
        m
    };

    let mut straight = fresh(&init_bytes);
    let mut opt = make();
    train(&mut straight, &mut opt, 10);

    let mut first = fresh(&init_bytes);
    let mut opt = make();
    train(&mut first, &mut opt, 4);
    opt.set_lr(opt.lr() * 0.5); // as a scheduler would: the checkpoint keeps it
    let (model_ckpt, opt_ckpt) = (nn::to_bytes(&first).unwrap(), opt.state_to_bytes().unwrap());
    drop((first, opt));

    manual_seed(99); // another initialisation, overwritten by the checkpoint
    let mut resumed = net();
    nn::from_bytes(&mut resumed, &model_ckpt).unwrap();
    let mut opt = make();
    opt.load_state_from_bytes(&opt_ckpt, &Cpu).unwrap();
    let mut straight_opt_lr = make();
    straight_opt_lr.set_lr(straight_opt_lr.lr() * 0.5);
    assert_eq!(opt.lr(), straight_opt_lr.lr());
    opt.set_lr(opt.lr() * 2.0);
    train(&mut resumed, &mut opt, 6);
    assert_eq!(all_bits(&resumed), all_bits(&straight));
}

#[test]
fn adam_resumes_bit_for_bit() {
    resumes_bit_for_bit(|| Adam::new(1e-2));
}

#[test]
fn adam_amsgrad_resumes_bit_for_bit() {
    resumes_bit_for_bit(|| Adam::new(1e-2).amsgrad(true).weight_decay(0.01));
}

#[test]
fn adamw_resumes_bit_for_bit() {
    resumes_bit_for_bit(|| AdamW::new(1e-2));
}

#[test]
fn sgd_momentum_resumes_bit_for_bit() {
    resumes_bit_for_bit(|| SGD::new(1e-2).momentum(0.9).nesterov(true));
}

#[test]
fn rmsprop_resumes_bit_for_bit() {
    resumes_bit_for_bit(|| RMSprop::new(1e-3).momentum(0.5).centered(true));
}

#[test]
fn state_uses_pytorch_names() {
    let mut model = net();
    let mut opt = Adam::new(1e-3);
    train(&mut model, &mut opt, 1);
    let bytes = opt.state_to_bytes().unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names = file.names();
    names.sort();
    assert_eq!(
        names[..3],
        ["state.0.exp_avg", "state.0.exp_avg_sq", "state.0.step"]
    );
    assert_eq!(names.len(), 12);
    let step = file.tensor("state.0.step").unwrap();
    assert_eq!(step.shape(), &[] as &[usize]);
    assert_eq!(step.data(), 1.0f32.to_le_bytes());
}

#[test]
fn a_wrong_checkpoint_is_an_error_and_changes_nothing() {
    let mut model = net();
    let mut opt = Adam::new(1e-3);
    train(&mut model, &mut opt, 2);
    let bytes = opt.state_to_bytes().unwrap();

    let mut other = Adam::<f32>::new(1e-3).betas(0.8, 0.99);
    assert!(other.load_state_from_bytes(&bytes, &Cpu).is_err());
    let mut sgd = SGD::<f32>::new(1e-3);
    assert!(sgd.load_state_from_bytes(&bytes, &Cpu).is_err());
    let mut adam = Adam::<f32>::new(5.0);
    assert!(
        adam.load_state_from_bytes(&bytes[..bytes.len() - 3], &Cpu)
            .is_err()
    );
    assert!(adam.load_state_from_bytes(b"not a file", &Cpu).is_err());
    assert_eq!(adam.lr(), 5.0);

    // A state bound to another model's parameters refuses to step this one.
    adam.load_state_from_bytes(&bytes, &Cpu).unwrap();
    let mut small = Sequential::new((Linear::<8, 4>::new(),));
    let (x, _) = data();
    small.forward(&x).sum().backward();
    assert!(adam.try_step(&mut small).is_err());
}

#[test]
fn optimizers_take_plain_tensors() {
    // w1 = torch.randn(8, 16, requires_grad=True); optimizer = torch.optim.Adam([w1, w2])
    manual_seed(3);
    let (x, y) = data();
    let w1 = Tensor::<Rank2<8, 16>>::randn().requires_grad_();
    let w2 = Tensor::<Rank2<16, 4>>::randn().requires_grad_();
    let mut params = (w1, w2);
    let names: Vec<String> = params.parameters().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["0", "1"]);
    let mut optimizer = Adam::new(1e-2);
    let mut losses = Vec::new();
    for _ in 0..30 {
        let loss = (&x.mm(&params.0).relu().mm(&params.1) - &y).pow(2.0).mean();
        losses.push(loss.item());
        optimizer.zero_grad(&params);
        loss.backward();
        optimizer.step(&mut params);
    }
    assert!(losses[29] < losses[0] * 0.8);

    // Tensors that stay in their own variables: a tuple of borrows.
    let (mut a, mut b) = params;
    let before = a.to_vec();
    x.mm(&a).relu().mm(&b).sum().backward();
    optimizer.step(&mut (&mut a, &mut b));
    assert_ne!(a.to_vec(), before);
}
