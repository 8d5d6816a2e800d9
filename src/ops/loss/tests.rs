//! The losses of `nn::functional` (built on this module) against plain `f64` references on
//! random data, every reduction and option; dropout's statistics and mask reuse; `linspace`;
//! and the `Err`s for targets out of range and bad arguments.
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::error::Error;
use crate::nn::Reduction;
use crate::nn::functional::{self as F, ClassOpts};
use crate::ops::test_support::cfg;
use crate::{Rank0, Rank1, Rank2, Rank3, Tensor, manual_seed, tensor};

const N: usize = 5;
const C: usize = 4;

fn close(what: &str, got: &[f64], want: &[f64]) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = (g.is_nan() && w.is_nan()) || (g - w).abs() <= 1e-12 * (1.0 + w.abs());
        prop_assert!(ok, "{}: element {}: got {}, want {}", what, i, g, w);
    }
    Ok(())
}

/// log_softmax of row `i` of an `[N, C]` matrix.
fn logp_row(x: &[f64], i: usize) -> Vec<f64> {
    let row = &x[i * C..(i + 1) * C];
    let m = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let lse = row.iter().map(|v| (v - m).exp()).sum::<f64>().ln() + m;
    row.iter().map(|v| v - lse).collect()
}

/// Per-row cross-entropy with PyTorch's label smoothing and ignore_index, and the counts.
fn ce_ref(x: &[f64], t: &[i64], ignore: i64, eps: f64) -> (Vec<f64>, f64) {
    let mut per = vec![0.0; N];
    let mut count = 0.0;
    for i in 0..N {
        if t[i] == ignore {
            continue;
        }
        count += 1.0;
        let lp = logp_row(x, i);
        let nll = -lp[t[i] as usize];
        let smooth = -lp.iter().sum::<f64>();
        per[i] = (1.0 - eps) * nll + eps / C as f64 * smooth;
    }
    (per, count)
}

fn targets() -> impl Strategy<Value = Vec<i64>> {
    prop::collection::vec(prop_oneof![4 => 0i64..C as i64, 1 => Just(-100i64)], N)
}

proptest! {
    #![proptest_config(cfg(48))]

    #[test]
    fn cross_entropy_and_nll_against_a_reference(
        x in prop::collection::vec(-8.0f64..8.0, N * C),
        t in targets(),
        eps in prop_oneof![Just(0.0), 0.0f64..1.0],
    ) {
        let logits = Tensor::<Rank2<N, C>, f64>::from_vec(x.clone()).unwrap();
        let target = Tensor::<Rank1<N>, i64>::from_vec(t.clone()).unwrap();
        let opts = ClassOpts::new().label_smoothing(eps);
        let (per, count) = ce_ref(&x, &t, -100, eps);
        let sum: f64 = per.iter().sum();
        close("none", &F::cross_entropy_none(&logits, &target, opts).to_vec(), &per)?;
        close("sum", &[F::cross_entropy_with(&logits, &target, Reduction::Sum, opts).item()], &[sum])?;
        close("mean", &[F::cross_entropy_with(&logits, &target, Reduction::Mean, opts).item()], &[sum / count])?;
        // nll_loss of log_softmax is cross_entropy without smoothing.
        let (per0, _) = ce_ref(&x, &t, -100, 0.0);
        let logp = logits.log_softmax::<1>();
        close("nll none", &F::nll_loss_none(&logp, &target, -100).to_vec(), &per0)?;
        close(
            "nll mean",
            &[F::nll_loss(&logp, &target).item()],
            &[per0.iter().sum::<f64>() / count],
        )?;
        // Another ignore_index: class 0 targets are ignored, -100 would be out of range.
        let t2: Vec<i64> = t.iter().map(|&v| if v < 0 { 0 } else { v }).collect();
        let target2 = Tensor::<Rank1<N>, i64>::from_vec(t2.clone()).unwrap();
        let (per2, count2) = ce_ref(&x, &t2, 0, eps);
        close(
            "ignore_index=0",
            &[F::cross_entropy_with(&logits, &target2, Reduction::Mean, opts.ignore_index(0)).item()],
            &[per2.iter().sum::<f64>() / count2],
        )?;
    }

    #[test]
    fn probability_targets_against_a_reference(
        x in prop::collection::vec(-8.0f64..8.0, N * C),
        p in prop::collection::vec(0.0f64..1.0, N * C),
        eps in prop_oneof![Just(0.0), 0.0f64..1.0],
    ) {
        let logits = Tensor::<Rank2<N, C>, f64>::from_vec(x.clone()).unwrap();
        let probs = Tensor::<Rank2<N, C>, f64>::from_vec(p.clone()).unwrap();
        let per: Vec<f64> = (0..N)
            .map(|i| {
                let lp = logp_row(&x, i);
                -(0..C).map(|c| ((1.0 - eps) * p[i * C + c] + eps / C as f64) * lp[c]).sum::<f64>()
            })
            .collect();
        close("none", &F::cross_entropy_probs_none(&logits, &probs, eps).to_vec(), &per)?;
        let mean = per.iter().sum::<f64>() / N as f64;
        close("mean", &[F::cross_entropy_probs_with(&logits, &probs, Reduction::Mean, eps).item()], &[mean])?;
    }

    #[test]
    fn bce_and_regression_losses_against_references(
        x in prop::collection::vec(-30.0f64..30.0, 6),
        y in prop::collection::vec(0.0f64..1.0, 6),
        w in prop::collection::vec(0.1f64..4.0, 3),
        beta in 0.0f64..3.0,
    ) {
        let xt = Tensor::<Rank2<2, 3>, f64>::from_vec(x.clone()).unwrap();
        let yt = Tensor::<Rank2<2, 3>, f64>::from_vec(y.clone()).unwrap();
        let wt = Tensor::<Rank1<3>, f64>::from_vec(w.clone()).unwrap();
        // log σ(v), written two ways by sign so neither branch overflows or cancels.
        let log_sig = |v: f64| if v > 0.0 { -(-v).exp().ln_1p() } else { v - v.exp().ln_1p() };
        let bce: Vec<f64> = (0..6)
            .map(|i| -(w[i % 3] * y[i] * log_sig(x[i]) + (1.0 - y[i]) * log_sig(-x[i])))
            .collect();
        let got = F::binary_cross_entropy_with_logits_none(&xt, &yt, Some(&wt)).to_vec();
        for (g, b) in got.iter().zip(&bce) {
            prop_assert!((g - b).abs() <= 1e-9 * (1.0 + b.abs()), "bce {} vs {}", g, b);
        }
        let d: Vec<f64> = x.iter().zip(&y).map(|(a, b)| a - b).collect();
        let l1: Vec<f64> = d.iter().map(|v| v.abs()).collect();
        let smooth: Vec<f64> = d.iter().map(|v| if v.abs() < beta { 0.5 * v * v / beta } else { v.abs() - 0.5 * beta }).collect();
        let huber: Vec<f64> = d.iter().map(|v| if v.abs() < beta { 0.5 * v * v } else { beta * (v.abs() - 0.5 * beta) }).collect();
        close("l1", &F::l1_loss_none(&xt, &yt).to_vec(), &l1)?;
        close("smooth_l1", &F::smooth_l1_loss_none(&xt, &yt, beta).to_vec(), &smooth)?;
        close("huber", &F::huber_loss_none(&xt, &yt, beta).to_vec(), &huber)?;
        close(
            "huber sum",
            &[F::huber_loss_with(&xt, &yt, Reduction::Sum, beta).item()],
            &[huber.iter().sum()],
        )?;
    }
}

#[test]
fn other_target_shapes() {
    // Unbatched [C] with a scalar target; [N, C, d1] with [N, d1].
    let x = tensor([1.0f64, 2.0, 3.0]);
    let lse = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln();
    let l = F::cross_entropy(&x, &tensor(0i64));
    assert!((l.item() - (lse - 1.0)).abs() < 1e-12);
    let x3 = Tensor::<Rank3<2, 3, 2>, f64>::from_fn(|i| i as f64 * 0.3);
    let t3 = tensor([[0i64, 2], [1, 1]]);
    let per = F::cross_entropy_none(&x3, &t3, ClassOpts::new());
    // Element (n, d) reads class t[n][d] along dimension 1.
    let xs = x3.to_vec();
    for (k, (n, d)) in [(0, 0), (0, 1), (1, 0), (1, 1)].into_iter().enumerate() {
        let col: Vec<f64> = (0..3).map(|c| xs[n * 6 + c * 2 + d]).collect();
        let lse = col.iter().map(|v| v.exp()).sum::<f64>().ln();
        let t = t3.to_vec()[k] as usize;
        assert!((per.to_vec()[k] - (lse - col[t])).abs() < 1e-12);
    }
    let _: Tensor<Rank0, f64> = F::cross_entropy(&x3, &t3);
}

#[test]
fn targets_out_of_range_and_bad_arguments_are_errors() {
    let x = Tensor::<Rank2<2, 3>>::zeros();
    for bad in [3i64, -1, -101, i64::MAX] {
        let t = tensor([0i64, bad]);
        match F::try_cross_entropy(&x, &t) {
            Err(Error::IndexOutOfRange { index, size }) => assert_eq!((index, size), (bad, 3)),
            other => panic!("target {bad}: {other:?}"),
        }
        assert!(F::try_nll_loss_with(&x, &t, Reduction::Sum, -100).is_err());
    }
    let t = tensor([0i64, 1]);
    let bad = ClassOpts::new().label_smoothing(1.5);
    assert!(matches!(
        F::try_cross_entropy_with(&x, &t, Reduction::Mean, bad),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        F::try_dropout(&x, -0.1, true),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        F::try_smooth_l1_loss_with(&x, &x, Reduction::Mean, -1.0),
        Err(Error::InvalidArgument(_))
    ));
    // Every target ignored: the mean is 0/0 = NaN, the sum 0 (PyTorch's values).
    let all = tensor([-100i64, -100]);
    assert!(F::cross_entropy(&x, &all).item().is_nan());
    let s = F::cross_entropy_with(&x, &all, Reduction::Sum, ClassOpts::new());
    assert_eq!(s.item(), 0.0);
}

#[test]
fn large_logits_give_finite_losses() {
    let x = tensor([[1e4f32, 0.0, -1e4], [0.0, 1e4, 0.0]]);
    let l = F::cross_entropy_none(&x, &tensor([2i64, 1]), ClassOpts::new()).to_vec();
    assert_eq!(l, vec![2e4, 0.0]);
    let b = F::binary_cross_entropy_with_logits_none::<_, Rank0, _, _>(
        &tensor([1e4f32, -1e4]),
        &tensor([0.0f32, 1.0]),
        None,
    );
    assert_eq!(b.to_vec(), vec![1e4, 1e4]);
}

#[test]
fn dropout_is_seeded_scaled_and_reuses_its_mask() {
    manual_seed(5);
    let x = Tensor::<Rank1<4000>, f64>::ones().requires_grad_();
    let y = F::dropout(&x, 0.25, true);
    let v = y.to_vec();
    let kept = v.iter().filter(|&&e| e != 0.0).count();
    assert!(
        v.iter()
            .all(|&e| e == 0.0 || (e - 1.0 / 0.75).abs() < 1e-15)
    );
    assert!(
        (2850..3150).contains(&kept),
        "kept {kept} of 4000 with p = 0.25"
    );
    // The gradient is the same mask: zero where dropped, 1/(1-p) where kept.
    y.sum().backward();
    assert_eq!(x.grad().unwrap().to_vec(), v);
    assert_eq!(y.grad_fn(), Some("MulBackward0"));
    // Reproducible from the seed.
    manual_seed(5);
    assert_eq!(F::dropout(&x.detach(), 0.25, true).to_vec(), v);
    // p = 1 drops everything; p = 0 and eval mode return the input.
    assert!(F::dropout(&x, 1.0, true).to_vec().iter().all(|&e| e == 0.0));
    assert_eq!(F::dropout(&x, 0.0, true).to_vec(), x.to_vec());
    assert_eq!(F::dropout(&x, 0.9, false).to_vec(), x.to_vec());
}

#[test]
fn linspace_matches_pytorch() {
    // torch.linspace(0, 1, 7) and torch.linspace(-3, 10, 5, dtype=torch.float64)
    let a = Tensor::<Rank1<7>>::linspace(0.0, 1.0).to_vec();
    let want: [f32; 7] = [
        0.0,
        0.166_666_67,
        0.333_333_34,
        0.5,
        0.666_666_6,
        0.833_333_3,
        1.0,
    ];
    assert_eq!(a, want.to_vec());
    assert_eq!(
        Tensor::<Rank1<5>, f64>::linspace(-3.0, 10.0).to_vec(),
        vec![-3.0, 0.25, 3.5, 6.75, 10.0]
    );
    assert_eq!(Tensor::<Rank1<1>>::linspace(2.0, 5.0).to_vec(), vec![2.0]);
    assert!(Tensor::<Rank1<0>>::linspace(2.0, 5.0).to_vec().is_empty());
}
