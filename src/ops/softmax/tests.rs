//! The softmax family against plain `f64` references on random data along every axis of a
//! rank-3 tensor, and its numerical edges: logits of 1e4, `-inf`, NaN, empty axes.
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::ops::test_support::{cfg, unravel};
use crate::{Rank1, Rank2, Rank3, Tensor, tensor};

const DIMS: [usize; 3] = [2, 3, 4];

/// The elements of the line along `axis` through row-major element `i` of `DIMS`, as
/// (element index, value) pairs.
fn line(v: &[f64], i: usize, axis: usize) -> Vec<(usize, f64)> {
    let mut c = unravel(i, &DIMS);
    (0..DIMS[axis])
        .map(|j| {
            c[axis] = j;
            let k = (c[0] * DIMS[1] + c[1]) * DIMS[2] + c[2];
            (k, v[k])
        })
        .collect()
}

/// log(sum(exp(x))) by the textbook shift (in f64: no overflow for these inputs).
fn lse_ref(vals: &[f64]) -> f64 {
    let m = vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    vals.iter().map(|v| (v - m).exp()).sum::<f64>().ln() + m
}

fn close(what: &str, got: &[f64], want: &[f64], tol: f64) -> Result<(), TestCaseError> {
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        prop_assert!(
            (g - w).abs() <= tol * (1.0 + w.abs()),
            "{}: element {}: got {}, want {}",
            what,
            i,
            g,
            w
        );
    }
    Ok(())
}

fn check_axis<const AX: usize>(v: &[f64], scale: f64) -> Result<(), TestCaseError>
where
    Rank3<2, 3, 4>: crate::shape::axis::RemoveDim<AX> + crate::shape::axis::DimAt<AX>,
{
    // Values an f32 holds exactly, so both precisions start from the same numbers.
    let x64: Vec<f64> = v.iter().map(|x| f64::from((x * scale) as f32)).collect();
    let x = Tensor::<Rank3<2, 3, 4>, f64>::from_vec(x64.clone()).unwrap();
    let x32 = x.float();
    let (mut sm, mut lsm) = (vec![0.0; 24], vec![0.0; 24]);
    for i in 0..24 {
        let l = line(&x64, i, AX);
        let vals: Vec<f64> = l.iter().map(|p| p.1).collect();
        // (x - max) - log(sum): exact where lse's rounding at 1e4 would not be.
        let m = vals.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let log_sum = vals.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
        sm[i] = (x64[i] - m).exp() / log_sum.exp();
        lsm[i] = (x64[i] - m) - log_sum;
    }
    let lse: Vec<f64> = (0..24)
        .filter(|&i| unravel(i, &DIMS)[AX] == 0)
        .map(|i| lse_ref(&line(&x64, i, AX).iter().map(|p| p.1).collect::<Vec<_>>()))
        .collect();
    close("softmax f64", &x.softmax::<AX>().to_vec(), &sm, 1e-14)?;
    close(
        "log_softmax f64",
        &x.log_softmax::<AX>().to_vec(),
        &lsm,
        1e-14,
    )?;
    close("logsumexp f64", &x.logsumexp::<AX>().to_vec(), &lse, 1e-14)?;
    let f = |t: Vec<f32>| t.into_iter().map(f64::from).collect::<Vec<_>>();
    close("softmax f32", &f(x32.softmax::<AX>().to_vec()), &sm, 1e-6)?;
    close(
        "log_softmax f32",
        &f(x32.log_softmax::<AX>().to_vec()),
        &lsm,
        1e-6,
    )?;
    close(
        "logsumexp f32",
        &f(x32.logsumexp::<AX>().to_vec()),
        &lse,
        1e-6,
    )?;
    // A transposed view gives the same result as its contiguous copy.
    let t = x.transpose::<0, 2>();
    prop_assert_eq!(
        t.softmax::<1>().to_vec(),
        t.contiguous().softmax::<1>().to_vec()
    );
    Ok(())
}

proptest! {
    #![proptest_config(cfg(48))]

    #[test]
    fn every_axis_against_a_reference(
        v in prop::collection::vec(-5.0f64..5.0, 24),
        scale in prop_oneof![Just(1.0), Just(30.0), Just(1e4)],
    ) {
        check_axis::<0>(&v, scale)?;
        check_axis::<1>(&v, scale)?;
        check_axis::<2>(&v, scale)?;
    }
}

#[test]
fn large_logits_do_not_overflow() {
    let x = tensor([[1e4f32, 1e4 - 1.0, -1e4], [1e4, 0.0, 0.0]]);
    let p = x.softmax::<1>().to_vec();
    assert!(p.iter().all(|v| v.is_finite()), "{p:?}");
    let e = (-1.0f32).exp();
    assert!((p[0] - 1.0 / (1.0 + e)).abs() < 1e-6 && p[2] == 0.0);
    let l = x.log_softmax::<1>().to_vec();
    assert!(l.iter().all(|v| v.is_finite()), "{l:?}");
    assert_eq!(l[5], -1e4);
    let s = x.logsumexp::<1>().to_vec();
    assert!((s[0] - (1e4 + (1.0 + e).ln())).abs() < 1e-3, "{s:?}");
}

#[test]
fn infinities_and_nan_follow_pytorch() {
    let x = tensor([
        [f32::NEG_INFINITY, f32::NEG_INFINITY],
        [f32::NEG_INFINITY, 0.0],
        [f32::INFINITY, 0.0],
        [f32::NAN, 0.0],
    ]);
    let lse = x.logsumexp::<1>().to_vec();
    assert_eq!(lse[0], f32::NEG_INFINITY);
    assert_eq!(lse[1], 0.0);
    assert_eq!(lse[2], f32::INFINITY);
    assert!(lse[3].is_nan());
    let p = x.softmax::<1>().to_vec();
    assert!(p[0].is_nan() && p[1].is_nan(), "all -inf: 0/0, as PyTorch");
    assert_eq!(&p[2..4], &[0.0, 1.0]);
    assert!(p[4].is_nan(), "+inf: inf - inf");
    assert!(p[6].is_nan() && p[7].is_nan());
}

#[test]
fn empty_axis() {
    let x = Tensor::<Rank2<3, 0>>::zeros();
    assert_eq!(x.softmax::<1>().numel(), 0);
    let l: Tensor<Rank1<3>> = x.logsumexp::<1>();
    assert_eq!(l.to_vec(), vec![f32::NEG_INFINITY; 3]);
}
