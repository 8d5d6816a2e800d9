//! Dimension reordering against a naive index permutation on random data: `t`,
//! `transpose::<A, B>` and `permute` for every rank and permutation, chains of views, and
//! views feeding other ops (`t` then `narrow` then `matmul`).
use proptest::prelude::*;

use crate::ops::test_support::{cfg, check, check_moved, moved_vals, ravel, unravel};
use crate::{Rank1, Rank2, Rank3, Rank4, Tensor};

/// `x.permute(perm)` by index arithmetic: output dim `i` is input dim `perm[i]`, so output
/// element `idx` is input element `src` with `src[perm[i]] = idx[i]`. Returns (dims, values).
fn permute_ref<E: Copy>(v: &[E], dims: &[usize], perm: &[usize]) -> (Vec<usize>, Vec<E>) {
    let od: Vec<usize> = perm.iter().map(|&p| dims[p]).collect();
    let n: usize = od.iter().product();
    let vals = (0..n)
        .map(|f| {
            let idx = unravel(f, &od);
            let mut src = vec![0; dims.len()];
            for (i, &p) in perm.iter().enumerate() {
                src[p] = idx[i];
            }
            v[ravel(&src, dims)]
        })
        .collect();
    (od, vals)
}

/// The permutation that swaps `a` and `b` among `rank` dims.
fn swap_perm(rank: usize, a: usize, b: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..rank).collect();
    p.swap(a, b);
    p
}

/// Checks a view's shape and values against `permute_ref`.
macro_rules! perm_case {
    ($what:expr, $t:expr, $a:expr, $dims:expr, $perm:expr) => {{
        let t = $t;
        let (od, want) = permute_ref(&$a, &$dims, &$perm);
        prop_assert_eq!(t.shape().as_slice().to_vec(), od, "{}", $what);
        check_moved(&$what, &t.to_vec(), &want)?;
    }};
}

macro_rules! transposes {
    ($x:expr, $a:expr, $dims:expr, $rank:literal, [$(($p:literal, $q:literal)),*]) => {$(
        perm_case!(
            format!("transpose::<{}, {}>", $p, $q),
            $x.transpose::<$p, $q>(),
            $a,
            $dims,
            swap_perm($rank, $p, $q)
        );
    )*};
}

macro_rules! permutes {
    ($x:expr, $a:expr, $dims:expr, [$([$($p:literal),*]),*]) => {$(
        perm_case!(
            format!("permute::<{:?}>", [$($p),*]),
            $x.permute::<$($p),*>(),
            $a,
            $dims,
            [$($p),*]
        );
    )*};
}

proptest! {
    #![proptest_config(cfg(32))]

    #[test]
    fn rank2_t_transpose_permute(a in moved_vals::<f64>(15), b in moved_vals::<i64>(4)) {
        let x = Tensor::<Rank2<5, 3>, f64>::from_vec(a.clone()).unwrap();
        let d = [5usize, 3];
        perm_case!("t()", x.t(), a, d, [1, 0]);
        perm_case!("t().t()", x.t().t(), a, d, [0, 1]);
        transposes!(x, a, d, 2, [(0, 1), (1, 0), (0, 0), (1, 1)]);
        permutes!(x, a, d, [[0, 1], [1, 0]]);
        prop_assert!(!x.t().is_contiguous());
        prop_assert!(x.t().t().is_contiguous());
        let row = Tensor::<Rank2<1, 4>, i64>::from_vec(b.clone()).unwrap();
        perm_case!("row.t()", row.t(), b, [1usize, 4], [1, 0]);
        let empty = Tensor::<Rank2<0, 3>, i64>::zeros();
        let et: Tensor<Rank2<3, 0>, i64> = empty.t();
        prop_assert!(et.to_vec().is_empty());
    }

    #[test]
    fn rank3_transpose_permute(a in moved_vals::<i64>(24)) {
        let x = Tensor::<Rank3<2, 3, 4>, i64>::from_vec(a.clone()).unwrap();
        let d = [2usize, 3, 4];
        transposes!(x, a, d, 3, [(0, 1), (0, 2), (1, 2), (1, 0), (2, 0), (2, 1), (1, 1)]);
        permutes!(x, a, d, [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]);
        // Chains compose: permute then transpose then permute.
        let (d1, a1) = permute_ref(&a, &d, &[2, 0, 1]);
        let (d2, a2) = permute_ref(&a1, &d1, &[0, 2, 1]);
        perm_case!("permute(2,0,1).transpose(1,2).permute(1,0,2)", x.permute::<2, 0, 1>().transpose::<1, 2>().permute::<1, 0, 2>(), a2, d2, [1, 0, 2]);
        check_moved("x unchanged", &x.to_vec(), &a)?;
    }

    #[test]
    fn rank4_transpose_permute(a in moved_vals::<f64>(48)) {
        let x = Tensor::<Rank4<2, 1, 4, 6>, f64>::from_vec(a.clone()).unwrap();
        let d = [2usize, 1, 4, 6];
        transposes!(x, a, d, 4, [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3), (3, 0), (2, 2)]);
        permutes!(x, a, d, [
            [0, 1, 2, 3], [0, 1, 3, 2], [0, 2, 1, 3], [0, 2, 3, 1], [0, 3, 1, 2], [0, 3, 2, 1],
            [1, 0, 2, 3], [1, 0, 3, 2], [1, 2, 0, 3], [1, 2, 3, 0], [1, 3, 0, 2], [1, 3, 2, 0],
            [2, 0, 1, 3], [2, 0, 3, 1], [2, 1, 0, 3], [2, 1, 3, 0], [2, 3, 0, 1], [2, 3, 1, 0],
            [3, 0, 1, 2], [3, 0, 2, 1], [3, 1, 0, 2], [3, 1, 2, 0], [3, 2, 0, 1], [3, 2, 1, 0]
        ]);
        // A permutation and its inverse give back the original, contiguous again.
        let back = x.permute::<2, 0, 3, 1>().permute::<1, 3, 0, 2>();
        prop_assert!(back.is_contiguous());
        check_moved("permute then inverse", &back.to_vec(), &a)?;
    }

    /// Views of views feeding other ops: t, narrow, matmul, transpose of narrowed tensors.
    #[test]
    fn chained_views(a in moved_vals::<i64>(24), b in moved_vals::<i64>(20), c in moved_vals::<f64>(24)) {
        let x = Tensor::<Rank2<4, 6>, i64>::from_vec(a.clone()).unwrap();
        let y = Tensor::<Rank2<4, 5>, i64>::from_vec(b.clone()).unwrap();
        // x.t()[1:4] is 3×4; times y (4×5).
        let xt = transpose_ref_i64(&a, 4, 6);
        let lhs: Vec<i64> = xt[4..16].to_vec();
        let got = x.t().narrow::<0, 1, 3>().mm(&y);
        let want: Vec<i64> = (0..15)
            .map(|f| {
                let (i, j) = (f / 5, f % 5);
                (0..4).fold(0i64, |acc, p| acc.wrapping_add(lhs[i * 4 + p].wrapping_mul(b[p * 5 + j])))
            })
            .collect();
        check("t().narrow().mm()", &got.to_vec(), &want)?;
        // Transpose of a narrowed tensor: x[:, 2:5].t() is 3×4.
        let n = x.narrow::<1, 2, 3>();
        let na: Vec<i64> = (0..4).flat_map(|r| a[r * 6 + 2..r * 6 + 5].to_vec()).collect();
        perm_case!("narrow().t()", n.t(), na, [4usize, 3], [1, 0]);
        perm_case!("narrow().permute(1, 0)", n.permute::<1, 0>(), na, [4usize, 3], [1, 0]);
        // A Rank3 transpose, narrowed, then flattened (a copy of a strided view).
        let z = Tensor::<Rank3<2, 3, 4>, f64>::from_vec(c.clone()).unwrap();
        let (td, ta) = permute_ref(&c, &[2, 3, 4], &[2, 1, 0]); // [4, 3, 2]
        let tn = z.transpose::<0, 2>().narrow::<0, 1, 2>(); // [2, 3, 2]
        let want: Vec<f64> = ta[td[1] * td[2]..3 * td[1] * td[2]].to_vec();
        check_moved("transpose().narrow()", &tn.to_vec(), &want)?;
        let flat: Tensor<Rank1<12>, f64> = tn.flatten();
        check_moved("transpose().narrow().flatten()", &flat.to_vec(), &want)?;
        // The transposed view in arithmetic with its own transpose: x.t() + x.t() == 2 * x.t().
        let s = &x.t() + &x.t();
        let twice: Vec<i64> = xt.iter().map(|v| v.wrapping_mul(2)).collect();
        check("t() + t()", &s.to_vec(), &twice)?;
    }
}

fn transpose_ref_i64(v: &[i64], m: usize, n: usize) -> Vec<i64> {
    permute_ref(v, &[m, n], &[1, 0]).1
}
