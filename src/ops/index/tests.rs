//! Indexing against plain references on random data: `narrow` and `slice_from` along every
//! axis (on contiguous and transposed tensors), `cat` along every axis of Rank2 and Rank3,
//! and `index_select` with valid and out-of-range indices.
use proptest::prelude::*;

use crate::error::Error;
use crate::ops::test_support::{
    cfg, check, check_moved, moved_vals, ravel, transpose_ref, unravel,
};
use crate::{Rank1, Rank2, Rank3, Tensor, tensor};

/// Entries `pick` of dimension `axis`, by plain index arithmetic: narrow is
/// `pick = start..start + len`, index_select is `pick = indices`.
fn pick_ref<E: Copy>(v: &[E], dims: &[usize], axis: usize, pick: &[usize]) -> Vec<E> {
    let mut od = dims.to_vec();
    od[axis] = pick.len();
    let n: usize = od.iter().product();
    (0..n)
        .map(|f| {
            let mut idx = unravel(f, &od);
            idx[axis] = pick[idx[axis]];
            v[ravel(&idx, dims)]
        })
        .collect()
}

/// `a` then `b` along `axis`, by plain index arithmetic.
fn cat_ref<E: Copy>(a: &[E], da: &[usize], b: &[E], db: &[usize], axis: usize) -> Vec<E> {
    let mut od = da.to_vec();
    od[axis] += db[axis];
    let n: usize = od.iter().product();
    (0..n)
        .map(|f| {
            let mut idx = unravel(f, &od);
            if idx[axis] < da[axis] {
                a[ravel(&idx, da)]
            } else {
                idx[axis] -= da[axis];
                b[ravel(&idx, db)]
            }
        })
        .collect()
}

/// `x.narrow::<AX, START, LEN>()` against the reference, with the shape checked.
macro_rules! narrow_case {
    ($x:expr, $a:expr, $dims:expr, $ax:literal, $start:literal, $len:literal) => {{
        let got = $x.narrow::<$ax, $start, $len>();
        let want = pick_ref(
            &$a,
            &$dims,
            $ax,
            &($start..$start + $len).collect::<Vec<_>>(),
        );
        let mut od = $dims.to_vec();
        od[$ax] = $len;
        prop_assert_eq!(got.shape().as_slice().to_vec(), od);
        check_moved(
            concat!("narrow::<", $ax, ", ", $start, ", ", $len, ">"),
            &got.to_vec(),
            &want,
        )?;
    }};
}

proptest! {
    #![proptest_config(cfg(48))]

    #[test]
    fn narrow_rank2(a in moved_vals::<f32>(15)) {
        let x = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap();
        let d = [5usize, 3];
        narrow_case!(x, a, d, 0, 0, 5);
        narrow_case!(x, a, d, 0, 1, 2);
        narrow_case!(x, a, d, 0, 4, 1);
        narrow_case!(x, a, d, 0, 5, 0);
        narrow_case!(x, a, d, 1, 0, 1);
        narrow_case!(x, a, d, 1, 1, 2);
        narrow_case!(x, a, d, 1, 2, 1);
        narrow_case!(x, a, d, 1, 3, 0);
        // On the transpose: a strided view.
        let xt = x.t();
        let at = transpose_ref(&a, 5, 3);
        let dt = [3usize, 5];
        narrow_case!(xt, at, dt, 0, 1, 2);
        narrow_case!(xt, at, dt, 1, 2, 3);
        narrow_case!(xt, at, dt, 1, 4, 1);
        // Narrow of a narrow: x[1:4][:, 1:3] then [1:3].
        let nn = x.narrow::<0, 1, 3>().narrow::<1, 1, 2>().narrow::<0, 1, 2>();
        let want = pick_ref(&pick_ref(&a, &d, 0, &[2, 3]), &[2, 3], 1, &[1, 2]);
        check_moved("narrow chain", &nn.to_vec(), &want)?;
        check_moved("x unchanged", &x.to_vec(), &a)?;
    }

    #[test]
    fn narrow_rank3(a in moved_vals::<i64>(24)) {
        let x = Tensor::<Rank3<2, 3, 4>, i64>::from_vec(a.clone()).unwrap();
        let d = [2usize, 3, 4];
        narrow_case!(x, a, d, 0, 1, 1);
        narrow_case!(x, a, d, 0, 0, 2);
        narrow_case!(x, a, d, 1, 1, 2);
        narrow_case!(x, a, d, 1, 0, 0);
        narrow_case!(x, a, d, 2, 1, 2);
        narrow_case!(x, a, d, 2, 3, 1);
        narrow_case!(x, a, d, 2, 4, 0);
        // On a permuted view: p[i, j, k] = x[j, k, i], dims [4, 2, 3].
        let p = x.permute::<2, 0, 1>();
        let pa: Vec<i64> = (0..24).map(|f| a[((f / 3) % 2) * 12 + (f % 3) * 4 + f / 6]).collect();
        let pd = [4usize, 2, 3];
        narrow_case!(p, pa, pd, 0, 1, 3);
        narrow_case!(p, pa, pd, 2, 1, 1);
    }

    #[test]
    fn slice_from_views(a in moved_vals::<f32>(15), b in moved_vals::<i64>(24)) {
        let x = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap();
        // The lesson's x[1:, 1:].
        let y: Tensor<Rank2<4, 2>> = x.slice_from::<0, 1>().slice_from::<1, 1>();
        let want: Vec<f32> = (1..5).flat_map(|r| [a[r * 3 + 1], a[r * 3 + 2]]).collect();
        check_moved("x[1:, 1:]", &y.to_vec(), &want)?;
        let y: Tensor<Rank2<5, 3>> = x.slice_from::<0, 0>();
        check_moved("x[0:]", &y.to_vec(), &a)?;
        let y: Tensor<Rank2<0, 3>> = x.slice_from::<0, 5>();
        prop_assert!(y.to_vec().is_empty());
        let y: Tensor<Rank2<5, 0>> = x.slice_from::<1, 3>();
        prop_assert!(y.to_vec().is_empty());
        let y: Tensor<Rank2<2, 5>> = x.t().slice_from::<0, 1>();
        check_moved("x.t()[1:]", &y.to_vec(), &transpose_ref(&a, 5, 3)[5..])?;
        let y: Tensor<Rank2<3, 2>> = x.t().slice_from::<1, 3>();
        check_moved("x.t()[:, 3:]", &y.to_vec(), &pick_ref(&transpose_ref(&a, 5, 3), &[3, 5], 1, &[3, 4]))?;

        let z = Tensor::<Rank3<2, 3, 4>, i64>::from_vec(b.clone()).unwrap();
        let d = [2usize, 3, 4];
        let y: Tensor<Rank3<1, 3, 4>, i64> = z.slice_from::<0, 1>();
        check_moved("z[1:]", &y.to_vec(), &b[12..])?;
        let y: Tensor<Rank3<2, 1, 4>, i64> = z.slice_from::<1, 2>();
        check_moved("z[:, 2:]", &y.to_vec(), &pick_ref(&b, &d, 1, &[2]))?;
        let y: Tensor<Rank3<2, 3, 1>, i64> = z.slice_from::<2, 3>();
        check_moved("z[:, :, 3:]", &y.to_vec(), &pick_ref(&b, &d, 2, &[3]))?;
        let y: Tensor<Rank3<1, 2, 3>, i64> = z.slice_from::<0, 1>().slice_from::<1, 1>().slice_from::<2, 1>();
        let want = pick_ref(&pick_ref(&pick_ref(&b, &d, 0, &[1]), &[1, 3, 4], 1, &[1, 2]), &[1, 2, 4], 2, &[1, 2, 3]);
        check_moved("z[1:, 1:, 1:]", &y.to_vec(), &want)?;
    }

    #[test]
    fn cat_rank2(a in moved_vals::<f32>(6), b in moved_vals::<f32>(12), c in moved_vals::<f32>(6), d in moved_vals::<f32>(12)) {
        let x = Tensor::<Rank2<2, 3>>::from_vec(a.clone()).unwrap();
        let y = Tensor::<Rank2<4, 3>>::from_vec(b.clone()).unwrap();
        let z: Tensor<Rank2<6, 3>> = x.cat::<0, _>(&y);
        check_moved("cat 0", &z.to_vec(), &cat_ref(&a, &[2, 3], &b, &[4, 3], 0))?;
        let z: Tensor<Rank2<6, 3>> = y.cat::<0, _>(&x);
        check_moved("cat 0 swapped", &z.to_vec(), &cat_ref(&b, &[4, 3], &a, &[2, 3], 0))?;
        let p = Tensor::<Rank2<3, 2>>::from_vec(c.clone()).unwrap();
        let q = Tensor::<Rank2<3, 4>>::from_vec(d.clone()).unwrap();
        let z: Tensor<Rank2<3, 6>> = p.cat::<1, _>(&q);
        check_moved("cat 1", &z.to_vec(), &cat_ref(&c, &[3, 2], &d, &[3, 4], 1))?;
        let z = q.try_cat::<1, _>(&p).unwrap();
        check_moved("try_cat 1 swapped", &z.to_vec(), &cat_ref(&d, &[3, 4], &c, &[3, 2], 1))?;
        // Transposed operands: x.t() is [3, 2], y.t() is [3, 4].
        let z: Tensor<Rank2<3, 6>> = x.t().cat::<1, _>(&y.t());
        let want = cat_ref(&transpose_ref(&a, 2, 3), &[3, 2], &transpose_ref(&b, 4, 3), &[3, 4], 1);
        check_moved("cat t() 1", &z.to_vec(), &want)?;
        let z: Tensor<Rank2<5, 3>> = p.t().cat::<0, _>(&y.narrow::<0, 1, 3>());
        let want = cat_ref(&transpose_ref(&c, 3, 2), &[2, 3], &b[3..12], &[3, 3], 0);
        check_moved("cat t() narrow 0", &z.to_vec(), &want)?;
        // Zero-size operands.
        let e = Tensor::<Rank2<0, 3>>::zeros();
        let z: Tensor<Rank2<2, 3>> = e.cat::<0, _>(&x);
        check_moved("cat empty first", &z.to_vec(), &a)?;
        let z: Tensor<Rank2<2, 3>> = x.cat::<0, _>(&e);
        check_moved("cat empty second", &z.to_vec(), &a)?;
        let e = Tensor::<Rank2<3, 0>>::zeros();
        let z: Tensor<Rank2<3, 2>> = e.cat::<1, _>(&p);
        check_moved("cat empty columns", &z.to_vec(), &c)?;
    }

    #[test]
    fn cat_rank3(a in moved_vals::<i64>(24), b in moved_vals::<i64>(12), c in moved_vals::<i64>(8), d in moved_vals::<i64>(12)) {
        let x = Tensor::<Rank3<2, 3, 4>, i64>::from_vec(a.clone()).unwrap();
        let dx = [2usize, 3, 4];
        let y = Tensor::<Rank3<1, 3, 4>, i64>::from_vec(b.clone()).unwrap();
        let z: Tensor<Rank3<3, 3, 4>, i64> = x.cat::<0, _>(&y);
        check_moved("cat 0", &z.to_vec(), &cat_ref(&a, &dx, &b, &[1, 3, 4], 0))?;
        let y = Tensor::<Rank3<2, 1, 4>, i64>::from_vec(c.clone()).unwrap();
        let z: Tensor<Rank3<2, 4, 4>, i64> = y.cat::<1, _>(&x);
        check_moved("cat 1", &z.to_vec(), &cat_ref(&c, &[2, 1, 4], &a, &dx, 1))?;
        let y = Tensor::<Rank3<2, 3, 2>, i64>::from_vec(d.clone()).unwrap();
        let z: Tensor<Rank3<2, 3, 6>, i64> = x.cat::<2, _>(&y);
        check_moved("cat 2", &z.to_vec(), &cat_ref(&a, &dx, &d, &[2, 3, 2], 2))?;
        // A permuted operand: p[i, j, k] = y[j, k, i], y of dims [3, 2, 2] from d.
        let p = Tensor::<Rank3<3, 2, 2>, i64>::from_vec(d.clone()).unwrap().permute::<1, 2, 0>(); // [2, 2, 3]
        let pa: Vec<i64> = (0..12)
            .map(|f| {
                let (i, j, k) = (f / 6, (f / 3) % 2, f % 3);
                d[k * 4 + i * 2 + j]
            })
            .collect();
        let z: Tensor<Rank3<2, 5, 3>, i64> = p.cat::<1, _>(&x.narrow::<2, 1, 3>());
        let want = cat_ref(&pa, &[2, 2, 3], &pick_ref(&a, &dx, 2, &[1, 2, 3]), &[2, 3, 3], 1);
        check_moved("cat permuted 1", &z.to_vec(), &want)?;
        let e = Tensor::<Rank3<2, 3, 0>, i64>::zeros();
        let z: Tensor<Rank3<2, 3, 4>, i64> = x.cat::<2, _>(&e);
        check_moved("cat empty 2", &z.to_vec(), &a)?;
    }

    #[test]
    fn index_select_valid(
        a in moved_vals::<f32>(15),
        b in moved_vals::<i64>(24),
        r in prop::collection::vec(0i64..5, 4),
        c in prop::collection::vec(0i64..3, 5),
        k in prop::collection::vec(0i64..4, 3),
    ) {
        let x = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap();
        let u = |v: &[i64]| v.iter().map(|&i| i as usize).collect::<Vec<_>>();
        let rows: Tensor<Rank2<4, 3>> = x.index_select::<0, 4>(&Tensor::from_vec(r.clone()).unwrap()).unwrap();
        check_moved("rows", &rows.to_vec(), &pick_ref(&a, &[5, 3], 0, &u(&r)))?;
        let cols: Tensor<Rank2<5, 5>> = x.index_select::<1, 5>(&Tensor::from_vec(c.clone()).unwrap()).unwrap();
        check_moved("cols", &cols.to_vec(), &pick_ref(&a, &[5, 3], 1, &u(&c)))?;
        // A transposed input, and an index that is a view (a transposed column).
        let xt = x.t(); // [3, 5]
        let sel: Tensor<Rank2<3, 4>> = xt.index_select::<1, 4>(&Tensor::from_vec(r.clone()).unwrap()).unwrap();
        check_moved("t() cols", &sel.to_vec(), &pick_ref(&transpose_ref(&a, 5, 3), &[3, 5], 1, &u(&r)))?;
        let idx2 = Tensor::<Rank2<5, 1>, i64>::from_vec(c.clone()).unwrap().t().view::<Rank1<5>>();
        let sel: Tensor<Rank2<5, 5>> = xt.index_select::<0, 5>(&idx2).unwrap();
        check_moved("t() rows, view index", &sel.to_vec(), &pick_ref(&transpose_ref(&a, 5, 3), &[3, 5], 0, &u(&c)))?;
        let narrow_idx = Tensor::<Rank1<4>, i64>::from_vec(r.clone()).unwrap().narrow::<0, 1, 3>();
        let sel: Tensor<Rank2<3, 3>> = x.index_select::<0, 3>(&narrow_idx).unwrap();
        check_moved("narrowed index", &sel.to_vec(), &pick_ref(&a, &[5, 3], 0, &u(&r[1..])))?;
        let none: Tensor<Rank2<0, 3>> = x.index_select::<0, 0>(&Tensor::from_vec(vec![]).unwrap()).unwrap();
        prop_assert!(none.to_vec().is_empty());

        let z = Tensor::<Rank3<2, 3, 4>, i64>::from_vec(b.clone()).unwrap();
        let d = [2usize, 3, 4];
        let s: Tensor<Rank3<3, 3, 4>, i64> = z.index_select::<0, 3>(&Tensor::from_vec(k.iter().map(|&i| i % 2).collect()).unwrap()).unwrap();
        check_moved("rank3 axis 0", &s.to_vec(), &pick_ref(&b, &d, 0, &k.iter().map(|&i| (i % 2) as usize).collect::<Vec<_>>()))?;
        let s: Tensor<Rank3<2, 3, 4>, i64> = z.index_select::<1, 3>(&Tensor::from_vec(k.iter().map(|&i| i % 3).collect()).unwrap()).unwrap();
        check_moved("rank3 axis 1", &s.to_vec(), &pick_ref(&b, &d, 1, &k.iter().map(|&i| (i % 3) as usize).collect::<Vec<_>>()))?;
        let s: Tensor<Rank3<2, 3, 3>, i64> = z.index_select::<2, 3>(&Tensor::from_vec(k.clone()).unwrap()).unwrap();
        check_moved("rank3 axis 2", &s.to_vec(), &pick_ref(&b, &d, 2, &u(&k)))?;
        let v = Tensor::<Rank1<5>>::from_vec(a[..5].to_vec()).unwrap();
        let s: Tensor<Rank1<4>> = v.index_select::<0, 4>(&Tensor::from_vec(r.clone()).unwrap()).unwrap();
        check_moved("rank1", &s.to_vec(), &pick_ref(&a[..5], &[5], 0, &u(&r)))?;
        // An expanded (stride-0) input: row 1 of x repeated 4 times, columns picked.
        let e = x.narrow::<0, 1, 1>().expand_dim::<0, 4>();
        let s: Tensor<Rank2<4, 5>> = e.index_select::<1, 5>(&Tensor::from_vec(c.clone()).unwrap()).unwrap();
        check_moved("expanded", &s.to_vec(), &pick_ref(&a[3..6].repeat(4), &[4, 3], 1, &u(&c)))?;
        let p = z.permute::<2, 1, 0>(); // [4, 3, 2]
        let pa: Vec<i64> = (0..24).map(|f| b[(f % 2) * 12 + ((f / 2) % 3) * 4 + f / 6]).collect();
        let s: Tensor<Rank3<3, 3, 2>, i64> = p.index_select::<0, 3>(&Tensor::from_vec(k.clone()).unwrap()).unwrap();
        check_moved("permuted axis 0", &s.to_vec(), &pick_ref(&pa, &[4, 3, 2], 0, &u(&k)))?;
    }

    #[test]
    fn index_select_out_of_range(bad in prop_oneof![Just(-1i64), Just(5), Just(i64::MIN), Just(i64::MAX), 5i64..1000, i64::MIN..0], at in 0usize..3) {
        let x = Tensor::<Rank2<5, 3>>::zeros();
        let mut idx = vec![0i64, 4, 2];
        idx[at] = bad;
        let r = x.index_select::<0, 3>(&Tensor::from_vec(idx).unwrap());
        prop_assert!(
            matches!(r, Err(Error::IndexOutOfRange { index, size: 5 }) if index == bad),
            "{:?}",
            r.map(|t| t.to_vec())
        );
    }
}

#[test]
fn index_select_errors_name_index_and_size() {
    let x = tensor([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    for (bad, size, axis1) in [
        (-1i64, 2, false),
        (2, 2, false),
        (-1, 3, true),
        (3, 3, true),
    ] {
        let idx = tensor([0i64, bad]);
        let r = if axis1 {
            x.index_select::<1, 2>(&idx).map(|t| t.to_vec())
        } else {
            x.index_select::<0, 2>(&idx).map(|t| t.to_vec())
        };
        match r {
            Err(Error::IndexOutOfRange { index, size: s }) => {
                assert_eq!((index, s), (bad, size));
            }
            other => panic!("index {bad}: expected IndexOutOfRange, got {other:?}"),
        }
    }
    let e = x.index_select::<1, 1>(&tensor([3i64])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "index 3 is out of range for a dimension of size 3"
    );
    // A zero-size dimension has no valid index at all.
    let empty = Tensor::<Rank2<0, 3>>::zeros();
    assert!(matches!(
        empty.index_select::<0, 1>(&tensor([0i64])),
        Err(Error::IndexOutOfRange { index: 0, size: 0 })
    ));
    // ... but selecting along the other axis of an empty tensor is fine.
    let ok: Tensor<Rank2<0, 2>> = empty.index_select::<1, 2>(&tensor([2i64, 0])).unwrap();
    assert!(ok.to_vec().is_empty());
}

/// `gather` along each axis of a `Rank3<2, 3, 4>` against the definition, written out.
fn gather_ref(x: &[f32], idx: &[i64], axis: usize, idims: [usize; 3]) -> Vec<f32> {
    let xd = [2, 3, 4];
    (0..idx.len())
        .map(|i| {
            let mut c = unravel(i, &idims);
            c[axis] = idx[i] as usize;
            x[(c[0] * xd[1] + c[1]) * xd[2] + c[2]]
        })
        .collect()
}

fn scatter_add_ref(
    x: &[f32],
    idx: &[i64],
    src: &[f32],
    axis: usize,
    idims: [usize; 3],
) -> Vec<f32> {
    let xd = [2, 3, 4];
    let mut out = x.to_vec();
    for i in 0..idx.len() {
        let mut c = unravel(i, &idims);
        c[axis] = idx[i] as usize;
        out[(c[0] * xd[1] + c[1]) * xd[2] + c[2]] += src[i];
    }
    out
}

proptest! {
    #![proptest_config(cfg(48))]

    #[test]
    fn gather_and_scatter_add_along_every_axis(
        x in prop::collection::vec(-10.0f32..10.0, 24),
        // Five entries along the axis, each in range for the axis (taken modulo its size).
        raw in prop::collection::vec(0i64..1000, 60),
        src in prop::collection::vec(-4i32..4, 60),
    ) {
        let xt = Tensor::<Rank3<2, 3, 4>>::from_vec(x.clone()).unwrap();
        let src: Vec<f32> = src.into_iter().map(|v| v as f32).collect();
        // Axis 0: index [5, 3, 4].
        let i0: Vec<i64> = raw[..60].iter().map(|v| v % 2).collect();
        let it0 = Tensor::<Rank3<5, 3, 4>, i64>::from_vec(i0.clone()).unwrap();
        let s0 = Tensor::<Rank3<5, 3, 4>>::from_vec(src[..60].to_vec()).unwrap();
        check("gather axis 0", &xt.gather::<0, _>(&it0).to_vec(), &gather_ref(&x, &i0, 0, [5, 3, 4]))?;
        check(
            "scatter_add axis 0",
            &xt.scatter_add::<0, _>(&it0, &s0).to_vec(),
            &scatter_add_ref(&x, &i0, &src[..60], 0, [5, 3, 4]),
        )?;
        // Axis 1: index [2, 5, 4].
        let i1: Vec<i64> = raw[..40].iter().map(|v| v % 3).collect();
        let it1 = Tensor::<Rank3<2, 5, 4>, i64>::from_vec(i1.clone()).unwrap();
        let s1 = Tensor::<Rank3<2, 5, 4>>::from_vec(src[..40].to_vec()).unwrap();
        check("gather axis 1", &xt.gather::<1, _>(&it1).to_vec(), &gather_ref(&x, &i1, 1, [2, 5, 4]))?;
        check(
            "scatter_add axis 1",
            &xt.scatter_add::<1, _>(&it1, &s1).to_vec(),
            &scatter_add_ref(&x, &i1, &src[..40], 1, [2, 5, 4]),
        )?;
        // Axis 2 of a transposed input (strided reads): index [2, 3, 5].
        let i2: Vec<i64> = raw[..30].iter().map(|v| v % 4).collect();
        let it2 = Tensor::<Rank3<2, 3, 5>, i64>::from_vec(i2.clone()).unwrap();
        let xt_t = xt.transpose::<0, 2>().contiguous().transpose::<0, 2>();
        check("gather axis 2", &xt_t.gather::<2, _>(&it2).to_vec(), &gather_ref(&x, &i2, 2, [2, 3, 5]))?;
    }
}

#[test]
fn gather_and_scatter_add_refuse_indices_out_of_range() {
    let x = tensor([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    for bad in [-1i64, 3, i64::MAX, i64::MIN] {
        let idx = tensor([[0i64], [bad]]);
        match x.try_gather::<1, _>(&idx) {
            Err(Error::IndexOutOfRange { index, size }) => assert_eq!((index, size), (bad, 3)),
            other => panic!("gather index {bad}: {other:?}"),
        }
        let src = tensor([[1.0f32], [1.0]]);
        assert!(matches!(
            x.try_scatter_add::<1, _>(&idx, &src),
            Err(Error::IndexOutOfRange { .. })
        ));
    }
    let picked: Tensor<Rank2<2, 1>> = x.gather::<1, _>(&tensor([[2i64], [0]]));
    assert_eq!(picked.to_vec(), vec![3.0, 4.0]);
}
