// The classification modules in their valid forms: a batch-generic training step without
// where-clauses, run-time (DYN) batches, and a Sequential holding them.
use typetensor::nn::{
    BCEWithLogitsLoss, CrossEntropyLoss, Dropout, GELU, L1Loss, LeakyReLU, Linear, LogSoftmax,
    Module, NLLLoss, Sequential, Softmax, Training,
};
use typetensor::{DYN, Rank1, Rank2, Rank3, Tensor};

fn loss_of<const N: usize>(logits: &Tensor<Rank2<N, 10>>, target: &Tensor<Rank1<N>, i64>) -> f32 {
    let loss_fn = CrossEntropyLoss::new().label_smoothing(0.1);
    loss_fn.forward(logits, target).item()
}

fn main() {
    let mut model = Sequential::new((
        Linear::<64, 32>::new(),
        GELU::new(),
        Dropout::new(0.2),
        LeakyReLU::default(),
        Linear::<32, 10>::new(),
    ));
    let x = Tensor::<Rank2<8, 64>>::randn();
    let t = Tensor::<Rank1<8>, i64>::from_vec(vec![0, 1, 2, 3, 4, 5, 6, 7]).unwrap();
    assert!(loss_of(&model.forward(&x), &t) > 0.0);
    model.eval();
    let xd = Tensor::<Rank2<DYN, 64>>::randn_dims(&[5, 64]).unwrap();
    let td = Tensor::<Rank1<DYN>, i64>::from_vec(vec![1, 2, 3, 4, 5]).unwrap();
    let logits: Tensor<Rank2<DYN, 10>> = model.forward(&xd);
    let _ = CrossEntropyLoss::new().forward(&logits, &td);
    let logp: Tensor<Rank2<DYN, 10>> = LogSoftmax::<1>.forward(&logits);
    let _ = NLLLoss::new().forward_none(&logp, &td);
    let p: Tensor<Rank3<2, 3, 4>> = Softmax::<2>.forward(Tensor::<Rank3<2, 3, 4>>::randn());
    let _ = CrossEntropyLoss::new().forward_probs(&Tensor::<Rank3<2, 3, 4>>::randn(), &p);
    let _ = BCEWithLogitsLoss::new().forward(&logits, &logits.sigmoid());
    let _ = L1Loss::new().forward_none(&logits, &logits);
}
