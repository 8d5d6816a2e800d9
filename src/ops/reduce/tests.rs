//! Reductions against plain references on random data: `sum`, `mean`, `max`, `min`,
//! `argmax`, `argmin` over everything and along every axis, with and without `keepdim`, on
//! contiguous and permuted inputs; NaN handling, ties, integer wrap-around and empty tensors.
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::dtype::{NumDtype, SumDtype};
use crate::error::Error;
use crate::ops::test_support::{Elem, cfg, check, ravel, unravel};
use crate::shape::ConstShape;
use crate::{Rank0, Rank1, Rank2, Rank3, Rank4, Tensor, tensor};

/// An element type as the reference code sees it.
trait El: NumDtype + SumDtype + Elem {
    /// Random values from a small range (so ties are common), some extreme; floats
    /// sometimes NaN or infinite.
    fn arb() -> BoxedStrategy<Self>;
    /// Checks each `got[i]` against the plain sum of `groups[i]` (`scale` divides it, for
    /// means): wrapping and exact for integers, within a tolerance for floats.
    fn check_sum(
        what: &str,
        got: &[Self::Sum],
        groups: &[Vec<Self>],
        mean: bool,
    ) -> Result<(), TestCaseError>;
}

macro_rules! float_el {
    ($($t:ident, $rel:expr);*) => {$(
        impl El for $t {
            fn arb() -> BoxedStrategy<Self> {
                prop_oneof![
                    20 => (-4i8..4).prop_map(|v| v as $t),
                    20 => -100.0 as $t..100.0,
                    2 => -1.0e30 as $t..1.0e30,
                    1 => Just($t::NAN),
                    1 => Just($t::INFINITY),
                    1 => Just($t::NEG_INFINITY),
                ]
                .boxed()
            }
            fn check_sum(what: &str, got: &[$t], groups: &[Vec<Self>], mean: bool) -> Result<(), TestCaseError> {
                prop_assert_eq!(got.len(), groups.len(), "{}: length", what);
                for (i, (&g, grp)) in got.iter().zip(groups).enumerate() {
                    let n = if mean { grp.len() as f64 } else { 1.0 };
                    let want = grp.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
                    let mag = grp.iter().map(|&v| f64::from(v).abs()).sum::<f64>() / n;
                    let g = f64::from(g);
                    let ok = if want.is_nan() {
                        g.is_nan()
                    } else if want.is_infinite() {
                        g.to_bits() == want.to_bits()
                    } else {
                        (g - want).abs() <= $rel * mag
                    };
                    prop_assert!(ok, "{}: group {} {:?}: got {}, want {}", what, i, grp, g, want);
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
                prop_oneof![4 => -4 as $t..4, 1 => any::<$t>(), 1 => Just($t::MAX), 1 => Just($t::MIN)].boxed()
            }
            fn check_sum(what: &str, got: &[i64], groups: &[Vec<Self>], _mean: bool) -> Result<(), TestCaseError> {
                // PyTorch's promotion: summed as i64 (wrapping only at 64 bits).
                prop_assert_eq!(got.len(), groups.len(), "{}: length", what);
                for (i, (&g, grp)) in got.iter().zip(groups).enumerate() {
                    let want = grp.iter().fold(0i64, |acc, &v| acc.wrapping_add(i64::from(v)));
                    prop_assert_eq!(g, want, "{}: group {} {:?}", what, i, grp);
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

/// PyTorch's `max`: NaN if any element is NaN.
fn max_ref<E: El>(g: &[E]) -> E {
    let mut m = g[0];
    for &v in g {
        if m.is_nan_() {
            break;
        }
        if v.is_nan_() || v > m {
            m = v;
        }
    }
    m
}

/// PyTorch's `min`: NaN if any element is NaN.
fn min_ref<E: El>(g: &[E]) -> E {
    let mut m = g[0];
    for &v in g {
        if m.is_nan_() {
            break;
        }
        if v.is_nan_() || v < m {
            m = v;
        }
    }
    m
}

/// PyTorch's `argmax`: the first NaN if there is one, else the first largest element.
fn argmax_ref<E: El>(g: &[E]) -> i64 {
    if let Some(i) = g.iter().position(|v| v.is_nan_()) {
        return i as i64;
    }
    let m = max_ref(g);
    g.iter().position(|&v| v == m).unwrap() as i64
}

fn argmin_ref<E: El>(g: &[E]) -> i64 {
    if let Some(i) = g.iter().position(|v| v.is_nan_()) {
        return i as i64;
    }
    let m = min_ref(g);
    g.iter().position(|&v| v == m).unwrap() as i64
}

/// The runs of elements along `axis`, one per index of the other dims in row-major order.
fn groups<E: Copy>(v: &[E], dims: &[usize], axis: usize) -> Vec<Vec<E>> {
    let mut rest = dims.to_vec();
    rest.remove(axis);
    let n: usize = rest.iter().product();
    (0..n)
        .map(|f| {
            let r = unravel(f, &rest);
            (0..dims[axis])
                .map(|k| {
                    let mut idx = r.clone();
                    idx.insert(axis, k);
                    v[ravel(&idx, dims)]
                })
                .collect()
        })
        .collect()
}

/// Reductions over every element of a tensor holding `a` (row-major over `dims`).
fn check_all<S: crate::Shape, E: El>(x: &Tensor<S, E>, a: &[E]) -> Result<(), TestCaseError> {
    let all = vec![a.to_vec()];
    let s = x.sum();
    prop_assert_eq!(s.shape().as_slice().len(), 0);
    E::check_sum("sum", &s.to_vec(), &all, false)?;
    check("max", &[x.max().item()], &[max_ref(a)])?;
    check("min", &[x.min().item()], &[min_ref(a)])?;
    check("try_max", &x.try_max().unwrap().to_vec(), &[max_ref(a)])?;
    check("try_min", &x.try_min().unwrap().to_vec(), &[min_ref(a)])?;
    prop_assert_eq!(x.argmax().item(), argmax_ref(a), "argmax of {:?}", a);
    prop_assert_eq!(x.argmin().item(), argmin_ref(a), "argmin of {:?}", a);
    Ok(())
}

/// Every per-axis reduction along each listed axis.
macro_rules! axis_checks {
    ($x:expr, $a:expr, $dims:expr, $e:ty, [$($ax:literal),*]) => {$({
        let g = groups(&$a, &$dims, $ax);
        let mut kd = $dims.to_vec();
        kd[$ax] = 1;
        let mut rd = $dims.to_vec();
        rd.remove($ax);
        let ax = $ax;
        let s = $x.sum_dim::<$ax>();
        prop_assert_eq!(s.shape().as_slice().to_vec(), rd.clone());
        <$e>::check_sum(&format!("sum_dim::<{ax}>"), &s.to_vec(), &g, false)?;
        let s = $x.sum_dim_keepdim::<$ax>();
        prop_assert_eq!(s.shape().as_slice().to_vec(), kd.clone());
        <$e>::check_sum(&format!("sum_dim_keepdim::<{ax}>"), &s.to_vec(), &g, false)?;
        let maxes: Vec<$e> = g.iter().map(|v| max_ref(v)).collect();
        let mins: Vec<$e> = g.iter().map(|v| min_ref(v)).collect();
        let m = $x.max_dim::<$ax>();
        prop_assert_eq!(m.shape().as_slice().to_vec(), rd.clone());
        check(&format!("max_dim::<{ax}>"), &m.to_vec(), &maxes)?;
        let m = $x.max_dim_keepdim::<$ax>();
        prop_assert_eq!(m.shape().as_slice().to_vec(), kd.clone());
        check(&format!("max_dim_keepdim::<{ax}>"), &m.to_vec(), &maxes)?;
        check(&format!("min_dim::<{ax}>"), &$x.min_dim::<$ax>().to_vec(), &mins)?;
        let am = $x.argmax_dim::<$ax>();
        prop_assert_eq!(am.shape().as_slice().to_vec(), rd.clone());
        let want: Vec<i64> = g.iter().map(|v| argmax_ref(v)).collect();
        prop_assert_eq!(am.to_vec(), want, "argmax_dim::<{}> of {:?}", ax, g);
        let want: Vec<i64> = g.iter().map(|v| argmin_ref(v)).collect();
        prop_assert_eq!($x.argmin_dim::<$ax>().to_vec(), want, "argmin_dim::<{}> of {:?}", ax, g);
    })*};
}

/// `mean` over everything and along each listed axis (floats).
macro_rules! mean_checks {
    ($x:expr, $a:expr, $dims:expr, $e:ty, [$($ax:literal),*]) => {
        <$e>::check_sum("mean", &$x.mean().to_vec(), &[$a.to_vec()], true)?;
        $({
            let g = groups(&$a, &$dims, $ax);
            let ax = $ax;
            <$e>::check_sum(&format!("mean_dim::<{ax}>"), &$x.mean_dim::<$ax>().to_vec(), &g, true)?;
            let m = $x.mean_dim_keepdim::<$ax>();
            let mut kd = $dims.to_vec();
            kd[$ax] = 1;
            prop_assert_eq!(m.shape().as_slice().to_vec(), kd);
            <$e>::check_sum(&format!("mean_dim_keepdim::<{ax}>"), &m.to_vec(), &g, true)?;
        })*
    };
}

macro_rules! reduce_props {
    ($($name:ident: $e:ident, $s:ty, [$($ax:literal),*] $(, mean [$($mx:literal),*])?;)*) => {
        proptest! {
            #![proptest_config(cfg(64))]
            $(
                #[test]
                fn $name(a in vals::<$e>(<$s as ConstShape>::NUMEL)) {
                    let x = Tensor::<$s, $e>::from_vec(a.clone()).unwrap();
                    let dims = <$s as ConstShape>::DIMS;
                    check_all(&x, &a)?;
                    axis_checks!(x, a, dims, $e, [$($ax),*]);
                    $(mean_checks!(x, a, dims, $e, [$($mx),*]);)?
                }
            )*
        }
    };
}
reduce_props! {
    f32_rank1: f32, Rank1<7>, [0], mean [0];
    f32_rank2: f32, Rank2<3, 5>, [0, 1], mean [0, 1];
    f32_rank3: f32, Rank3<2, 3, 4>, [0, 1, 2], mean [0, 1, 2];
    f32_rank4: f32, Rank4<2, 1, 3, 2>, [0, 1, 2, 3], mean [0, 1, 2, 3];
    f64_rank2: f64, Rank2<3, 5>, [0, 1], mean [0, 1];
    f64_rank3: f64, Rank3<2, 3, 4>, [0, 1, 2], mean [0, 1, 2];
    i32_rank1: i32, Rank1<7>, [0];
    i32_rank3: i32, Rank3<2, 3, 4>, [0, 1, 2];
    i64_rank2: i64, Rank2<3, 5>, [0, 1];
    i64_rank4: i64, Rank4<2, 1, 3, 2>, [0, 1, 2, 3];
}

proptest! {
    #![proptest_config(cfg(64))]

    #[test]
    fn rank0_reductions(v in f32::arb()) {
        let x = tensor(v);
        check_all(&x, &[v])?;
        check("mean", &x.mean().to_vec(), &[v])?;
    }

    /// Reductions of transposed and permuted views see the view's values.
    #[test]
    fn non_contiguous_inputs(a in vals::<f32>(15), b in vals::<i64>(24)) {
        let x = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap().t(); // [3, 5]
        let at: Vec<f32> = (0..15).map(|i| a[(i % 5) * 3 + i / 5]).collect();
        let d = [3usize, 5];
        check_all(&x, &at)?;
        axis_checks!(x, at, d, f32, [0, 1]);
        mean_checks!(x, at, d, f32, [0, 1]);

        // p[i, j, k] = z[k, i, j]: dims [3, 4, 2].
        let p = Tensor::<Rank3<2, 3, 4>, i64>::from_vec(b.clone()).unwrap().permute::<1, 2, 0>();
        let pb: Vec<i64> = (0..24)
            .map(|f| {
                let (i, j, k) = (f / 8, (f / 2) % 4, f % 2);
                b[k * 12 + i * 4 + j]
            })
            .collect();
        let pd = [3usize, 4, 2];
        check_all(&p, &pb)?;
        axis_checks!(p, pb, pd, i64, [0, 1, 2]);

        // A narrowed view (non-zero offset, strided rows).
        let n = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap().narrow::<0, 1, 3>().narrow::<1, 1, 2>();
        let na: Vec<f32> = (1..4).flat_map(|r| [a[r * 3 + 1], a[r * 3 + 2]]).collect();
        let nd = [3usize, 2];
        check_all(&n, &na)?;
        axis_checks!(n, na, nd, f32, [0, 1]);

        // An expanded (stride-0) view: the column of rows repeated 4 times.
        let e = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap().narrow::<1, 0, 1>().expand_dim::<1, 4>();
        let ea: Vec<f32> = (0..5).flat_map(|r| [a[r * 3]; 4]).collect();
        let ed = [5usize, 4];
        check_all(&e, &ea)?;
        axis_checks!(e, ea, ed, f32, [0, 1]);
        mean_checks!(e, ea, ed, f32, [0, 1]);
    }
}

#[test]
fn nan_wins_max_min_and_arg_reductions() {
    let x = tensor([[1.0f32, f32::NAN, 5.0], [f32::NAN, 2.0, f32::NAN]]);
    assert!(x.max().item().is_nan());
    assert!(x.min().item().is_nan());
    // The index of the first NaN in row-major order, as PyTorch.
    assert_eq!(x.argmax().item(), 1);
    assert_eq!(x.argmin().item(), 1);
    assert_eq!(x.argmax_dim::<0>().to_vec(), vec![1, 0, 1]);
    assert_eq!(x.argmax_dim::<1>().to_vec(), vec![1, 0]);
    assert_eq!(x.argmin_dim::<1>().to_vec(), vec![1, 0]);
    let m = x.max_dim::<0>().to_vec();
    assert!(m[0].is_nan() && m[1].is_nan() && m[2].is_nan());
    let m = tensor([[3.0f64, -1.0], [f64::NAN, 0.0]])
        .min_dim::<1>()
        .to_vec();
    assert_eq!(m[..1], [-1.0]);
    assert!(m[1].is_nan());
    assert!(x.sum().item().is_nan());
    // NaN first, then a larger value: still the NaN.
    assert_eq!(tensor([f32::NAN, f32::INFINITY]).argmax().item(), 0);
    assert_eq!(tensor([f32::NEG_INFINITY, f32::NAN]).argmin().item(), 1);
}

#[test]
fn ties_pick_the_first_index() {
    let x = tensor([[2i32, 7, 7], [7, 2, 2]]);
    assert_eq!(x.argmax().item(), 1);
    assert_eq!(x.argmin().item(), 0);
    assert_eq!(x.argmax_dim::<0>().to_vec(), vec![1, 0, 0]);
    assert_eq!(x.argmin_dim::<1>().to_vec(), vec![0, 1]);
}

#[test]
fn integer_and_bool_sums_are_int64_as_pytorch() {
    // torch.tensor([2**31 - 1, 1], dtype=torch.int32).sum() is tensor(2147483648): int64.
    let s: Tensor<Rank0, i64> = tensor([i32::MAX, 1]).sum();
    assert_eq!(s.item(), 2_147_483_648);
    assert_eq!(s.dtype().torch_name(), "torch.int64");
    let x = Tensor::<Rank2<2, 3>, i32>::full(i32::MIN);
    let d: Tensor<Rank1<2>, i64> = x.sum_dim::<1>();
    assert_eq!(d.to_vec(), vec![3 * i64::from(i32::MIN); 2]);
    let k: Tensor<Rank2<1, 3>, i64> = x.sum_dim_keepdim::<0>();
    assert_eq!(k.to_vec(), vec![2 * i64::from(i32::MIN); 3]);
    // bool sums count the trues.
    let b = tensor([[true, false, true], [true, true, true]]);
    assert_eq!(b.sum().item(), 5i64);
    assert_eq!(b.sum_dim::<0>().to_vec(), vec![2i64, 1, 2]);
    assert_eq!(b.t().sum_dim::<1>().to_vec(), vec![2i64, 1, 2]);
    assert_eq!(Tensor::<Rank1<0>, bool>::zeros().sum().item(), 0i64);
    // i64 stays i64 and wraps, as PyTorch's does.
    let x = Tensor::<Rank2<3, 9>, i64>::full(i64::MAX);
    let want = (0..9).fold(0i64, |a, _| a.wrapping_add(i64::MAX));
    assert_eq!(x.sum_dim::<1>().to_vec(), vec![want; 3]);
    assert_eq!(
        x.sum().item(),
        (0..27).fold(0i64, |a, _| a.wrapping_add(i64::MAX))
    );
}

#[test]
fn empty_tensors() {
    let e = Tensor::<Rank2<0, 3>>::zeros();
    assert_eq!(e.sum().to_vec(), vec![0.0]);
    assert_eq!(e.sum_dim::<0>().to_vec(), vec![0.0; 3]);
    let s: Tensor<Rank2<1, 3>> = e.sum_dim_keepdim::<0>();
    assert_eq!(s.to_vec(), vec![0.0; 3]);
    let s: Tensor<Rank1<0>> = e.sum_dim::<1>();
    assert!(s.to_vec().is_empty());
    assert!(matches!(e.try_max(), Err(Error::EmptyReduction)));
    assert!(matches!(e.try_min(), Err(Error::EmptyReduction)));
    assert!(e.mean().item().is_nan());
    assert!(e.mean_dim::<0>().to_vec().iter().all(|v| v.is_nan()));
    // Reducing the non-empty axis of an empty tensor is an empty result, not an error.
    let m: Tensor<Rank1<0>> = e.max_dim::<1>();
    assert!(m.to_vec().is_empty());
    let a: Tensor<Rank1<0>, i64> = e.argmax_dim::<1>();
    assert!(a.to_vec().is_empty());
    let i = Tensor::<Rank3<2, 0, 4>, i32>::zeros();
    assert_eq!(i.sum().item(), 0);
    assert_eq!(i.sum_dim::<1>().to_vec(), vec![0; 8]);
    let t = Tensor::<Rank2<3, 0>, i64>::zeros().t();
    assert!(matches!(t.try_max(), Err(Error::EmptyReduction)));
    assert_eq!(t.sum_dim::<0>().to_vec(), vec![0; 3]);
}

#[test]
#[should_panic(expected = "cannot take the max")]
fn max_of_empty_panics() {
    let _ = Tensor::<Rank2<0, 3>>::zeros().max();
}

#[test]
#[should_panic(expected = "cannot take the max")]
fn max_dim_along_empty_axis_panics() {
    let _ = Tensor::<Rank2<0, 3>, i32>::zeros().max_dim::<0>();
}

#[test]
#[should_panic(expected = "cannot take the max")]
fn argmax_of_empty_panics() {
    let _ = Tensor::<Rank1<0>>::zeros().argmax();
}

#[test]
fn rank0_sum_is_the_value() {
    let x: Tensor<Rank0, i64> = tensor(-7i64);
    assert_eq!(x.sum().item(), -7);
    assert_eq!(x.argmax().item(), 0);
}

/// Reductions of broadcast views read the repeated element in place: a view of 2^40
/// elements (4 TiB if it were copied) is summed at the cost of one element.
#[test]
fn broadcast_views_are_reduced_in_place() {
    const N: usize = 1 << 40;
    let x = Tensor::<Rank2<1, 1>>::full(1.5).expand_dim::<0, N>();
    assert_eq!(x.sum().item(), 1.5 * N as f32);
    assert_eq!(x.sum_dim::<0>().to_vec(), vec![1.5 * N as f32]);
    assert_eq!(x.mean().item(), 1.5);
    assert_eq!(x.mean_dim::<0>().to_vec(), vec![1.5]);
    assert_eq!((x.max().item(), x.min().item()), (1.5, 1.5));
    assert_eq!((x.argmax().item(), x.argmin().item()), (0, 0));
    assert_eq!(x.max_dim::<0>().to_vec(), vec![1.5]);
    assert_eq!(x.argmax_dim::<0>().to_vec(), vec![0]);
    // Integer sums repeat exactly, as a sum of 2^40 terms would (i32 promoted to i64).
    let i = tensor([[3i32]]).expand_dim::<1, N>();
    assert_eq!(i.sum().item(), 3 * N as i64);
    assert_eq!(i.sum_dim::<1>().to_vec(), vec![3 * N as i64]);
    let w = tensor([[i64::MAX]]).expand_dim::<0, N>();
    let want = (i64::MAX as i128 * N as i128) as i64; // wrapping, as 2^40 additions
    assert_eq!(w.sum().item(), want);
}

/// Every reduction of small broadcast views (a stride-0 axis in each position, reduced or
/// not, NaN and ties included) equals the reduction of the same values copied densely.
#[test]
fn broadcast_views_reduce_as_their_dense_copies() {
    let base = tensor([[[1.0f32, f32::NAN, 3.0]], [[-2.0, 5.0, 5.0]]]); // [2, 1, 3]
    let views = [
        ("middle", base.expand_dim::<1, 4>()),
        ("middle, of a permuted base", {
            let t = tensor([[[1.0f32, -2.0]], [[f32::NAN, 5.0]], [[3.0, 5.0]]]); // [3, 1, 2]
            t.permute::<2, 1, 0>().expand_dim::<1, 4>()
        }),
    ];
    let row = tensor([[[2.0f32, -1.0, 2.0]]]); // [1, 1, 3]
    let twice = row.expand_dim::<0, 2>().expand_dim::<1, 4>();
    let nonan = tensor([[[1.0f32, 0.0, 3.0]], [[-2.0, 5.0, 5.0]]]).expand_dim::<1, 4>();
    let cases = views
        .into_iter()
        .chain([("two axes", twice), ("no NaN", nonan)]);
    let bits = |v: Vec<f32>| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    for (what, v) in cases {
        let d = v.contiguous();
        assert!(v.layout().strides().contains(&0) && d.is_contiguous());
        macro_rules! same {
            ($($e:ident $(::<$ax:literal>)?),*) => {$(
                assert_eq!(
                    format!("{:?}", v.$e$(::<$ax>)?().to_vec()),
                    format!("{:?}", d.$e$(::<$ax>)?().to_vec()),
                    "{what}: {}", stringify!($e$(::<$ax>)?)
                );
            )*};
        }
        same!(max, min, argmax, argmin);
        same!(
            max_dim::<0>,
            max_dim::<1>,
            max_dim::<2>,
            min_dim::<0>,
            min_dim::<1>,
            min_dim::<2>
        );
        same!(argmax_dim::<0>, argmax_dim::<1>, argmax_dim::<2>);
        same!(argmin_dim::<0>, argmin_dim::<1>, argmin_dim::<2>);
        // Small integers: every sum is exact either way.
        assert_eq!(
            bits(v.sum().to_vec()),
            bits(d.sum().to_vec()),
            "{what}: sum"
        );
        same!(sum_dim::<0>, sum_dim::<1>, sum_dim::<2>, mean_dim::<1>);
        same!(
            sum_dim_keepdim::<0>,
            sum_dim_keepdim::<1>,
            sum_dim_keepdim::<2>
        );
    }
    let i = tensor([[[1i32], [2]], [[3], [4]]]).expand_dim::<2, 3>(); // [2, 2, 3]
    let d = i.contiguous();
    assert_eq!(i.sum().item(), d.sum().item());
    for (a, b) in [
        (i.sum_dim::<0>(), d.sum_dim::<0>()),
        (i.sum_dim::<1>(), d.sum_dim::<1>()),
    ] {
        assert_eq!(a.to_vec(), b.to_vec());
    }
    assert_eq!(i.sum_dim::<2>().to_vec(), d.sum_dim::<2>().to_vec());
}
