//! Matrix products against a naive triple loop on random data: `mm` for every numeric
//! dtype with transposed, sliced and expanded operands; `matmul` for every rank pairing the
//! rule allows; zero-size dimensions; NaN propagation.
use std::fmt::Debug;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::dtype::NumDtype;
use crate::ops::test_support::{cfg, transpose_ref};
use crate::{Rank0, Rank1, Rank2, Rank3, Rank4, Tensor, tensor};

/// An element type as the reference code sees it.
trait El: NumDtype + Debug {
    fn arb() -> BoxedStrategy<Self>;
    /// Checks `got` (dense `m×n`) against the naive product of dense `a` (`m×k`) and
    /// `b` (`k×n`): exact (wrapping) for integers, within a relative tolerance for floats.
    fn check_product(
        what: &str,
        got: &[Self],
        a: &[Self],
        b: &[Self],
        mkn: (usize, usize, usize),
    ) -> Result<(), TestCaseError>;
}

macro_rules! float_el {
    ($($t:ident, $rel:expr);*) => {$(
        impl El for $t {
            fn arb() -> BoxedStrategy<Self> {
                prop_oneof![8 => -10.0 as $t..10.0, 1 => Just(0.0 as $t), 1 => -1.0e3 as $t..1.0e3].boxed()
            }
            fn check_product(
                what: &str,
                got: &[Self],
                a: &[Self],
                b: &[Self],
                (m, k, n): (usize, usize, usize),
            ) -> Result<(), TestCaseError> {
                prop_assert_eq!(got.len(), m * n, "{}: length", what);
                for i in 0..m {
                    for j in 0..n {
                        let (mut want, mut mag) = (0.0f64, 0.0f64);
                        for p in 0..k {
                            let t = f64::from(a[i * k + p]) * f64::from(b[p * n + j]);
                            want += t;
                            mag += t.abs();
                        }
                        let g = f64::from(got[i * n + j]);
                        prop_assert!(
                            (g - want).abs() <= $rel * mag + 1e-30,
                            "{}: element [{}, {}]: got {}, want {} (sum |terms| {})",
                            what, i, j, g, want, mag
                        );
                    }
                }
                Ok(())
            }
        }
    )*};
}
float_el!(f32, 1e-5; f64, 1e-13);

macro_rules! int_el {
    ($($t:ident),*) => {$(
        impl El for $t {
            fn arb() -> BoxedStrategy<Self> {
                prop_oneof![any::<$t>(), -100 as $t..100].boxed()
            }
            fn check_product(
                what: &str,
                got: &[Self],
                a: &[Self],
                b: &[Self],
                (m, k, n): (usize, usize, usize),
            ) -> Result<(), TestCaseError> {
                prop_assert_eq!(got.len(), m * n, "{}: length", what);
                for i in 0..m {
                    for j in 0..n {
                        let want = (0..k).fold(0 as $t, |acc, p| {
                            acc.wrapping_add(a[i * k + p].wrapping_mul(b[p * n + j]))
                        });
                        prop_assert_eq!(got[i * n + j], want, "{}: element [{}, {}]", what, i, j);
                    }
                }
                Ok(())
            }
        }
    )*};
}
int_el!(i32, i64);

fn vals<E: El>(n: usize) -> impl Strategy<Value = Vec<E>> {
    prop::collection::vec(E::arb(), n)
}

/// `mm` and `matmul` of `M×K` by `K×N`, dense and through transposed views.
fn check_mm<const M: usize, const K: usize, const N: usize, E: El>(
    a: Vec<E>,
    b: Vec<E>,
) -> Result<(), TestCaseError> {
    let mkn = (M, K, N);
    let x = Tensor::<Rank2<M, K>, E>::from_vec(a.clone()).unwrap();
    let y = Tensor::<Rank2<K, N>, E>::from_vec(b.clone()).unwrap();
    let got = x.mm(&y);
    prop_assert_eq!(got.shape().as_slice().to_vec(), vec![M, N]);
    E::check_product("mm", &got.to_vec(), &a, &b, mkn)?;
    E::check_product("matmul", &x.matmul(&y).to_vec(), &a, &b, mkn)?;
    E::check_product("try_mm", &x.try_mm(&y).unwrap().to_vec(), &a, &b, mkn)?;
    // The same operands stored transposed and viewed back with t().
    let xt = Tensor::<Rank2<K, M>, E>::from_vec(transpose_ref(&a, M, K))
        .unwrap()
        .t();
    let yt = Tensor::<Rank2<N, K>, E>::from_vec(transpose_ref(&b, K, N))
        .unwrap()
        .t();
    E::check_product("t().mm", &xt.mm(&y).to_vec(), &a, &b, mkn)?;
    E::check_product("mm(t())", &x.mm(&yt).to_vec(), &a, &b, mkn)?;
    E::check_product("t().mm(t())", &xt.mm(&yt).to_vec(), &a, &b, mkn)?;
    E::check_product("t().matmul(t())", &xt.matmul(&yt).to_vec(), &a, &b, mkn)?;
    // (x y)^T = y^T x^T, with the transposes as views.
    let yx = y.t().mm(&x.t());
    E::check_product(
        "y.t().mm(x.t())",
        &yx.to_vec(),
        &transpose_ref(&b, K, N),
        &transpose_ref(&a, M, K),
        (N, K, M),
    )?;
    Ok(())
}

macro_rules! mm_props {
    ($($name:ident: $e:ident, $m:literal, $k:literal, $n:literal;)*) => {
        proptest! {
            #![proptest_config(cfg(24))]
            $(
                #[test]
                fn $name(a in vals::<$e>($m * $k), b in vals::<$e>($k * $n)) {
                    check_mm::<$m, $k, $n, $e>(a, b)?;
                }
            )*
        }
    };
}
mm_props! {
    mm_f32_1x1x1: f32, 1, 1, 1;
    mm_f32_3x4x5: f32, 3, 4, 5;
    mm_f32_7x1x3: f32, 7, 1, 3;
    mm_f32_17x33x9: f32, 17, 33, 9;
    mm_f64_3x4x5: f64, 3, 4, 5;
    mm_f64_9x16x10: f64, 9, 16, 10;
    mm_i32_3x4x5: i32, 3, 4, 5;
    mm_i32_5x7x1: i32, 5, 7, 1;
    mm_i64_4x3x6: i64, 4, 3, 6;
    mm_i64_1x9x2: i64, 1, 9, 2;
}

/// Dense row-major values of a Rank3 permuted by `perm` (output dim `i` is input dim
/// `perm[i]`).
fn permute3<E: Copy>(v: &[E], d: [usize; 3], perm: [usize; 3]) -> Vec<E> {
    let od = [d[perm[0]], d[perm[1]], d[perm[2]]];
    let mut out = Vec::with_capacity(v.len());
    for i in 0..od[0] {
        for j in 0..od[1] {
            for k in 0..od[2] {
                let mut src = [0; 3];
                src[perm[0]] = i;
                src[perm[1]] = j;
                src[perm[2]] = k;
                out.push(v[(src[0] * d[1] + src[1]) * d[2] + src[2]]);
            }
        }
    }
    out
}

/// Checks a batched product: `got` holds `batch` dense `m×n` blocks, block `i` the product
/// of `a_blocks[i]` and `b_blocks[i]`.
fn check_batches<E: El>(
    what: &str,
    got: &[E],
    a_blocks: &[&[E]],
    b_blocks: &[&[E]],
    mkn: (usize, usize, usize),
) -> Result<(), TestCaseError> {
    let (m, _, n) = mkn;
    prop_assert_eq!(got.len(), a_blocks.len() * m * n, "{}: length", what);
    for (i, (a, b)) in a_blocks.iter().zip(b_blocks).enumerate() {
        E::check_product(
            &format!("{what} batch {i}"),
            &got[i * m * n..(i + 1) * m * n],
            a,
            b,
            mkn,
        )?;
    }
    Ok(())
}

fn blocks<E>(v: &[E], size: usize) -> Vec<&[E]> {
    v.chunks(size).collect()
}

fn check_matmul_ranks<E: El>(
    a: Vec<E>,
    b: Vec<E>,
    c: Vec<E>,
    d: Vec<E>,
) -> Result<(), TestCaseError> {
    // a: 2·3·4 = 24, b: 2·4·5 = 40, c: 4, d: 2·2·3·4 = 48
    let v4 = Tensor::<Rank1<4>, E>::from_vec(c.clone()).unwrap();
    let w4 = Tensor::<Rank1<4>, E>::from_vec(a[..4].to_vec()).unwrap();
    let s: Tensor<Rank0, E> = v4.matmul(&w4);
    E::check_product("vec·vec", &s.to_vec(), &c, &a[..4], (1, 4, 1))?;

    let m45 = Tensor::<Rank2<4, 5>, E>::from_vec(b[..20].to_vec()).unwrap();
    let r: Tensor<Rank1<5>, E> = v4.matmul(&m45);
    E::check_product("vec·mat", &r.to_vec(), &c, &b[..20], (1, 4, 5))?;

    let m34 = Tensor::<Rank2<3, 4>, E>::from_vec(a[..12].to_vec()).unwrap();
    let r: Tensor<Rank1<3>, E> = m34.matmul(&v4);
    E::check_product("mat·vec", &r.to_vec(), &a[..12], &c, (3, 4, 1))?;

    let x = Tensor::<Rank3<2, 3, 4>, E>::from_vec(a.clone()).unwrap();
    let y = Tensor::<Rank3<2, 4, 5>, E>::from_vec(b.clone()).unwrap();
    let r: Tensor<Rank3<2, 3, 5>, E> = x.matmul(&y);
    check_batches(
        "rank3·rank3",
        &r.to_vec(),
        &blocks(&a, 12),
        &blocks(&b, 20),
        (3, 4, 5),
    )?;

    let r: Tensor<Rank3<2, 3, 5>, E> = x.matmul(&m45);
    check_batches(
        "rank3·rank2",
        &r.to_vec(),
        &blocks(&a, 12),
        &[&b[..20], &b[..20]],
        (3, 4, 5),
    )?;

    let r: Tensor<Rank3<2, 3, 5>, E> = m34.matmul(&y);
    check_batches(
        "rank2·rank3",
        &r.to_vec(),
        &[&a[..12], &a[..12]],
        &blocks(&b, 20),
        (3, 4, 5),
    )?;

    let r: Tensor<Rank2<2, 3>, E> = x.matmul(&v4);
    check_batches(
        "rank3·vec",
        &r.to_vec(),
        &blocks(&a, 12),
        &[&c[..], &c[..]],
        (3, 4, 1),
    )?;

    // Permuted batch operands: x stored as [4, 2, 3] and y as [5, 2, 4], permuted back.
    let xp = Tensor::<Rank3<4, 2, 3>, E>::from_vec(permute3(&a, [2, 3, 4], [2, 0, 1]))
        .unwrap()
        .permute::<1, 2, 0>();
    let yp = Tensor::<Rank3<5, 2, 4>, E>::from_vec(permute3(&b, [2, 4, 5], [2, 0, 1]))
        .unwrap()
        .permute::<1, 2, 0>();
    prop_assert!(!xp.is_contiguous() && !yp.is_contiguous());
    let r: Tensor<Rank3<2, 3, 5>, E> = xp.matmul(&yp);
    check_batches(
        "permuted rank3·rank3",
        &r.to_vec(),
        &blocks(&a, 12),
        &blocks(&b, 20),
        (3, 4, 5),
    )?;
    // Batch dim swapped to the middle: transpose::<0, 1> gives [3, 2, 4]; batch 3 of 2×4.
    let xs = x.transpose::<0, 1>();
    let xs_vals = permute3(&a, [2, 3, 4], [1, 0, 2]);
    let w42 = Tensor::<Rank2<4, 2>, E>::from_vec(b[..8].to_vec()).unwrap();
    let r: Tensor<Rank3<3, 2, 2>, E> = xs.matmul(&w42);
    check_batches(
        "transposed batch·rank2",
        &r.to_vec(),
        &blocks(&xs_vals, 8),
        &[&b[..8], &b[..8], &b[..8]],
        (2, 4, 2),
    )?;

    // Rank4 × Rank4 and Rank4 × Rank2.
    let p = Tensor::<Rank4<2, 2, 3, 4>, E>::from_vec(d.clone()).unwrap();
    let q_vals: Vec<E> = b.iter().chain(&b).copied().take(2 * 2 * 4 * 5).collect();
    let q = Tensor::<Rank4<2, 2, 4, 5>, E>::from_vec(q_vals.clone()).unwrap();
    let r: Tensor<Rank4<2, 2, 3, 5>, E> = p.matmul(&q);
    check_batches(
        "rank4·rank4",
        &r.to_vec(),
        &blocks(&d, 12),
        &blocks(&q_vals, 20),
        (3, 4, 5),
    )?;
    let r: Tensor<Rank4<2, 2, 3, 5>, E> = p.matmul(&m45);
    check_batches(
        "rank4·rank2",
        &r.to_vec(),
        &blocks(&d, 12),
        &[&b[..20]; 4],
        (3, 4, 5),
    )?;
    Ok(())
}

proptest! {
    #![proptest_config(cfg(24))]

    #[test]
    fn matmul_ranks_f32(a in vals::<f32>(24), b in vals::<f32>(40), c in vals::<f32>(4), d in vals::<f32>(48)) {
        check_matmul_ranks(a, b, c, d)?;
    }

    #[test]
    fn matmul_ranks_f64(a in vals::<f64>(24), b in vals::<f64>(40), c in vals::<f64>(4), d in vals::<f64>(48)) {
        check_matmul_ranks(a, b, c, d)?;
    }

    #[test]
    fn matmul_ranks_i32(a in vals::<i32>(24), b in vals::<i32>(40), c in vals::<i32>(4), d in vals::<i32>(48)) {
        check_matmul_ranks(a, b, c, d)?;
    }

    #[test]
    fn matmul_ranks_i64(a in vals::<i64>(24), b in vals::<i64>(40), c in vals::<i64>(4), d in vals::<i64>(48)) {
        check_matmul_ranks(a, b, c, d)?;
    }

    /// Operands that are narrowed, sliced, transposed-then-narrowed and expanded views.
    #[test]
    fn mm_of_sliced_views(a in vals::<f32>(42), b in vals::<f32>(24), r in vals::<f32>(4), ia in vals::<i64>(42), ib in vals::<i64>(24)) {
        // x = big[1:5, 2:7] (4×5), y = other[3:8] (5×3).
        let sub = |v: &[f32], cols: usize, rows: std::ops::Range<usize>, cs: std::ops::Range<usize>| -> Vec<f32> {
            rows.flat_map(|i| cs.clone().map(move |j| (i, j))).map(|(i, j)| v[i * cols + j]).collect()
        };
        let big = Tensor::<Rank2<6, 7>>::from_vec(a.clone()).unwrap();
        let x: Tensor<Rank2<4, 5>> = big.narrow::<0, 1, 4>().slice_from::<1, 2>();
        let other = Tensor::<Rank2<8, 3>>::from_vec(b.clone()).unwrap();
        let y: Tensor<Rank2<5, 3>> = other.slice_from::<0, 3>();
        let (xa, ya) = (sub(&a, 7, 1..5, 2..7), sub(&b, 3, 3..8, 0..3));
        f32::check_product("narrow·slice", &x.mm(&y).to_vec(), &xa, &ya, (4, 5, 3))?;
        // Transposed then narrowed: big.t() is 7×6; rows 2..5, cols 1..5 → 3×4.
        let xt: Tensor<Rank2<3, 4>> = big.t().narrow::<0, 2, 3>().narrow::<1, 1, 4>();
        let xta = sub(&transpose_ref(&a, 6, 7), 6, 2..5, 1..5);
        let y2: Tensor<Rank2<4, 3>> = other.narrow::<0, 4, 4>();
        f32::check_product("t().narrow·narrow", &xt.mm(&y2).to_vec(), &xta, &b[12..24], (3, 4, 3))?;
        // An expanded row (stride 0) times a matrix: every output row is the same.
        let e: Tensor<Rank2<3, 4>> = Tensor::<Rank2<1, 4>>::from_vec(r.clone()).unwrap().expand_dim::<0, 3>();
        f32::check_product("expanded·mat", &e.mm(&y2).to_vec(), &r.repeat(3), &b[12..24], (3, 4, 3))?;
        // The same with integers (the plain-loop kernel).
        let ibig = Tensor::<Rank2<6, 7>, i64>::from_vec(ia.clone()).unwrap();
        let ix: Tensor<Rank2<4, 5>, i64> = ibig.narrow::<0, 1, 4>().slice_from::<1, 2>();
        let iy: Tensor<Rank2<5, 3>, i64> = Tensor::<Rank2<8, 3>, i64>::from_vec(ib.clone()).unwrap().slice_from::<0, 3>();
        let isub = |v: &[i64], cols: usize, rows: std::ops::Range<usize>, cs: std::ops::Range<usize>| -> Vec<i64> {
            rows.flat_map(|i| cs.clone().map(move |j| (i, j))).map(|(i, j)| v[i * cols + j]).collect()
        };
        i64::check_product("i64 narrow·slice", &ix.mm(&iy).to_vec(), &isub(&ia, 7, 1..5, 2..7), &isub(&ib, 3, 3..8, 0..3), (4, 5, 3))?;
        let ixt: Tensor<Rank2<5, 4>, i64> = ix.t();
        let iyt: Tensor<Rank2<4, 5>, i64> = ibig.t().narrow::<0, 3, 4>().narrow::<1, 1, 5>();
        i64::check_product(
            "i64 t()·t().narrow",
            &ixt.mm(&iyt).to_vec(),
            &transpose_ref(&isub(&ia, 7, 1..5, 2..7), 4, 5),
            &isub(&transpose_ref(&ia, 6, 7), 6, 3..7, 1..6),
            (5, 4, 5),
        )?;
    }
}

#[test]
fn zero_size_inner_dimension_gives_zeros() {
    let a = Tensor::<Rank2<3, 0>>::zeros();
    let b = Tensor::<Rank2<0, 4>>::zeros();
    let c: Tensor<Rank2<3, 4>> = a.mm(&b);
    assert_eq!(c.to_vec(), vec![0.0; 12]);
    assert_eq!(a.matmul(&b).to_vec(), vec![0.0; 12]);
    assert_eq!(
        Tensor::<Rank2<3, 0>, f64>::zeros()
            .mm(&Tensor::<Rank2<0, 4>, f64>::zeros())
            .to_vec(),
        vec![0.0; 12]
    );
    assert_eq!(
        Tensor::<Rank2<3, 0>, i32>::zeros()
            .mm(&Tensor::<Rank2<0, 4>, i32>::zeros())
            .to_vec(),
        vec![0; 12]
    );
    assert_eq!(
        Tensor::<Rank2<3, 0>, i64>::zeros()
            .matmul(&Tensor::<Rank2<0, 4>, i64>::zeros())
            .to_vec(),
        vec![0; 12]
    );
    // Transposed zero-K operands.
    let at = Tensor::<Rank2<0, 3>>::zeros().t();
    let bt = Tensor::<Rank2<4, 0>>::zeros().t();
    assert_eq!(at.mm(&bt).to_vec(), vec![0.0; 12]);
    let dot: Tensor<Rank0> = Tensor::<Rank1<0>>::zeros().matmul(&Tensor::<Rank1<0>>::zeros());
    assert_eq!(dot.to_vec(), vec![0.0]);
    let batched: Tensor<Rank3<2, 3, 4>, i64> =
        Tensor::<Rank3<2, 3, 0>, i64>::zeros().matmul(&Tensor::<Rank3<2, 0, 4>, i64>::zeros());
    assert_eq!(batched.to_vec(), vec![0; 24]);
}

#[test]
fn zero_size_outer_dimensions_give_empty_products() {
    let x = Tensor::<Rank2<3, 4>>::ones();
    let e: Tensor<Rank2<0, 4>> = Tensor::<Rank2<0, 3>>::zeros().mm(&x);
    assert!(e.to_vec().is_empty());
    let e: Tensor<Rank2<3, 0>> = x.mm(&Tensor::<Rank2<4, 0>>::zeros());
    assert!(e.to_vec().is_empty());
    let e: Tensor<Rank3<0, 3, 5>, i32> =
        Tensor::<Rank3<0, 3, 4>, i32>::zeros().matmul(&Tensor::<Rank3<0, 4, 5>, i32>::zeros());
    assert!(e.to_vec().is_empty());
    let e: Tensor<Rank1<0>> = Tensor::<Rank2<0, 4>>::zeros().matmul(&Tensor::<Rank1<4>>::ones());
    assert!(e.to_vec().is_empty());
}

#[test]
fn nan_and_inf_propagate_through_products() {
    let a = tensor([[1.0f32, f32::NAN], [2.0, 3.0]]);
    let b = tensor([[1.0f32, 0.0], [0.0, 1.0]]);
    let c = a.mm(&b).to_vec();
    assert!(c[0].is_nan() && c[1].is_nan(), "{c:?}");
    assert_eq!(&c[2..], &[2.0, 3.0]);
    // inf · 0 is NaN; inf · 1 stays inf.
    let a = tensor([[f64::INFINITY, 0.0]]);
    let b = tensor([[0.0f64], [1.0]]);
    assert!(a.mm(&b).to_vec()[0].is_nan());
    let b = tensor([[1.0f64], [1.0]]);
    assert_eq!(a.mm(&b).to_vec(), vec![f64::INFINITY]);
}

#[test]
fn integer_products_wrap() {
    let a = tensor([[i32::MAX, 1]]);
    let b = tensor([[2i32], [i32::MAX]]);
    // MAX·2 + MAX wraps like PyTorch's int32 arithmetic.
    let want = i32::MAX.wrapping_mul(2).wrapping_add(i32::MAX);
    assert_eq!(a.mm(&b).to_vec(), vec![want]);
    let v = tensor([i64::MIN, 1]);
    assert_eq!(v.matmul(&tensor([-1i64, 0])).item(), i64::MIN);
}

#[test]
fn lesson_two_layer_shapes() {
    // h = x.mm(w1); h_relu = h.clamp(min=0); y_pred = h_relu.mm(w2); grad_w2 = h_relu.t().mm(g)
    let x = Tensor::<Rank2<4, 6>>::from_fn(|i| (i % 5) as f32 - 2.0);
    let w1 = Tensor::<Rank2<6, 3>>::from_fn(|i| (i % 3) as f32 * 0.5 - 0.5);
    let h = x.mm(&w1);
    let h_relu = h.clamp(Some(0.0), None);
    let g = Tensor::<Rank2<4, 2>>::ones();
    let grad_w2: Tensor<Rank2<3, 2>> = h_relu.t().mm(&g);
    let hr = h_relu.to_vec();
    let want: Vec<f32> = (0..6)
        .map(|f| (0..4).map(|i| hr[i * 3 + f / 2]).sum())
        .collect();
    assert_eq!(grad_w2.to_vec(), want);
}

/// The run-time operand check every backend's kernel starts with: the typed API never
/// fails it, but the kernel trait is public and takes any layouts.
#[test]
fn gemm_dims_accepts_fitting_layouts_and_rejects_the_rest() {
    use super::{GemmDims, gemm_dims};
    use crate::error::Error;
    use crate::layout::Layout;
    use crate::shape::Dims;
    let l = |d: &[usize]| Layout::contiguous(Dims::new(d).expect("rank <= 4"));
    assert_eq!(
        gemm_dims(&l(&[2, 3, 5, 4]), &l(&[2, 3, 4, 7])).expect("fits"),
        GemmDims {
            rank: 4,
            batch: 6,
            m: 5,
            k: 4,
            n: 7
        }
    );
    // A transposed right operand is read through its strides.
    let bt = l(&[7, 4]).transpose(0, 1);
    assert_eq!(
        gemm_dims(&l(&[5, 4]), &bt).expect("fits"),
        GemmDims {
            rank: 2,
            batch: 1,
            m: 5,
            k: 4,
            n: 7
        }
    );
    assert_eq!(
        gemm_dims(&l(&[0, 3]), &l(&[3, 0]))
            .expect("empty fits")
            .batch,
        1
    );
    for (a, b) in [
        (&[5, 4][..], &[3, 7][..]),       // inner dims differ
        (&[2, 5, 4][..], &[3, 4, 7][..]), // batch dims differ
        (&[5, 4][..], &[2, 4, 7][..]),    // ranks differ
        (&[4][..], &[4][..]),             // vectors: the typed API reshapes them first
    ] {
        let err = gemm_dims(&l(a), &l(b)).expect_err("must not fit");
        assert!(matches!(err, Error::Device(_)), "{a:?} x {b:?}: {err}");
    }
}
