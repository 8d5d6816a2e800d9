// The classification ops in their valid forms, and a batch-generic loss without where-clauses
// beyond the rule the types need.
use typetensor::nn::functional::{self as F, ClassOpts, GeluApproximate};
use typetensor::nn::Reduction;
use typetensor::{Rank0, Rank1, Rank2, Rank3, Tensor, tensor};

/// A batch-generic classifier loss: N unifies between logits and targets.
fn loss<const N: usize>(logits: &Tensor<Rank2<N, 3>>, target: &Tensor<Rank1<N>, i64>) -> Tensor<Rank0> {
    F::cross_entropy(logits, target)
}

fn main() {
    let x = Tensor::<Rank2<4, 3>>::randn().requires_grad_();
    let t = tensor([0i64, 2, 1, -100]);
    let l = loss(&x, &t);
    l.backward();
    assert!(x.grad().is_some());
    let _: Tensor<Rank2<4, 3>> = x.softmax::<1>();
    let _: Tensor<Rank2<4, 3>> = x.log_softmax::<0>();
    let _: Tensor<Rank1<4>> = x.logsumexp::<1>();
    let opts = ClassOpts::new().ignore_index(-100).label_smoothing(0.1);
    let _: Tensor<Rank0> = F::cross_entropy_with(&x, &t, Reduction::Sum, opts);
    let _: Tensor<Rank1<4>> = F::cross_entropy_none(&x, &t, opts);
    let _: Tensor<Rank0> = F::cross_entropy(&tensor([1.0f32, 2.0]), &tensor(1i64));
    let x3 = Tensor::<Rank3<2, 5, 7>>::randn();
    let _: Tensor<Rank2<2, 7>> = F::nll_loss_none(&x3.log_softmax::<1>(), &Tensor::<Rank2<2, 7>, i64>::zeros(), -100);
    let p = Tensor::<Rank2<4, 3>>::rand().softmax::<1>();
    let _: Tensor<Rank1<4>> = F::cross_entropy_probs_none(&x, &p, 0.0);
    let w = Tensor::<Rank1<3>>::ones();
    let _: Tensor<Rank0> = F::binary_cross_entropy_with_logits_with(&x, &p, Reduction::Mean, Some(&w));
    let _ = F::l1_loss(&x, &p);
    let _ = F::smooth_l1_loss(&x, &p, 1.0);
    let _ = F::huber_loss(&x, &p, 1.0);
    let _ = F::gelu_with(&x, GeluApproximate::Tanh);
    let _ = F::leaky_relu(&x, 0.01);
    let _ = F::dropout(&x, 0.5, true);
    let g: Tensor<Rank2<4, 2>> = x.gather::<1, _>(&Tensor::<Rank2<4, 2>, i64>::zeros());
    let _: Tensor<Rank2<4, 3>> = x.scatter_add::<1, _>(&Tensor::<Rank2<4, 2>, i64>::zeros(), &g);
    let _ = (x.sin(), x.cos(), x.exp2(), x.log1p(), x.expm1(), x.rsqrt(), x.sign(), x.floor(), x.round());
    let _: Tensor<Rank1<5>> = Tensor::linspace(0.0, 1.0);
}
