//! Copies and conversions against plain references on random data: `contiguous` of views,
//! `copy_` with broadcasting, every dtype cast against Rust's `as` (and `!= 0` for bool),
//! and `item` on one-element tensors and views.
use proptest::prelude::*;

use crate::ops::test_support::{Elem, Int, cfg, check, map, transpose_ref};
use crate::{Rank0, Rank1, Rank2, Rank3, Rank4, Tensor, tensor};

/// An element type as the reference code sees it.
trait El: Elem {
    /// Random values: for floats moderate and fractional of both signs, sometimes past
    /// every integer range, zero, infinite or NaN; for integers the whole range.
    fn arb() -> BoxedStrategy<Self>;
}

macro_rules! float_el {
    ($($t:ident),*) => {$(
        impl El for $t {
            fn arb() -> BoxedStrategy<Self> {
                prop_oneof![
                    10 => -100.0 as $t..100.0,
                    2 => -1.0e30 as $t..1.0e30,
                    1 => -1.0e10 as $t..1.0e10,
                    1 => Just(0.0 as $t),
                    1 => Just(-0.0 as $t),
                    1 => Just($t::NAN),
                    1 => Just($t::INFINITY),
                    1 => Just($t::NEG_INFINITY),
                ]
                .boxed()
            }
        }
    )*};
}
float_el!(f32, f64);

macro_rules! int_el {
    ($($t:ident),*) => {$(
        impl El for $t {
            fn arb() -> BoxedStrategy<Self> {
                Self::wide(3)
            }
        }
    )*};
}
int_el!(i32, i64);

impl El for bool {
    fn arb() -> BoxedStrategy<Self> {
        any::<bool>().boxed()
    }
}

fn vals<E: El>(n: usize) -> impl Strategy<Value = Vec<E>> {
    prop::collection::vec(E::arb(), n)
}

proptest! {
    #![proptest_config(cfg(48))]

    #[test]
    fn contiguous_of_views(a in vals::<f32>(24), b in vals::<i64>(15)) {
        let x = Tensor::<Rank3<2, 3, 4>>::from_vec(a.clone()).unwrap();
        let c = x.contiguous();
        prop_assert!(c.is_contiguous());
        check("contiguous of contiguous", &c.to_vec(), &a)?;

        // permute::<2, 0, 1>: out[i, j, k] = a[j, k, i].
        let p = x.permute::<2, 0, 1>();
        prop_assert!(!p.is_contiguous());
        let pc = p.contiguous();
        prop_assert!(pc.is_contiguous());
        prop_assert_eq!(pc.shape().as_slice().to_vec(), vec![4, 2, 3]);
        let want: Vec<f32> = (0..24).map(|f| a[((f / 3) % 2) * 12 + (f % 3) * 4 + f / 6]).collect();
        check("permute().contiguous()", &pc.to_vec(), &want)?;

        // narrow::<2, 1, 2>: the middle two of each innermost row.
        let n = x.narrow::<2, 1, 2>().contiguous();
        prop_assert!(n.is_contiguous());
        let want: Vec<f32> = (0..6).flat_map(|r| [a[r * 4 + 1], a[r * 4 + 2]]).collect();
        check("narrow().contiguous()", &n.to_vec(), &want)?;
        // A contiguous view at a non-zero offset (rows 1.. of dim 0) stays right.
        let o = x.narrow::<0, 1, 1>().contiguous();
        check("offset view contiguous()", &o.to_vec(), &a[12..])?;

        let m = Tensor::<Rank2<5, 3>, i64>::from_vec(b.clone()).unwrap();
        let t = m.t().contiguous();
        prop_assert!(t.is_contiguous());
        check("t().contiguous()", &t.to_vec(), &transpose_ref(&b, 5, 3))?;
        // An expanded (stride-0) view materialises its repeats.
        let e = m.narrow::<0, 2, 1>().expand_dim::<0, 4>().contiguous();
        prop_assert!(e.is_contiguous());
        let row = b[6..9].to_vec();
        check("expand_dim().contiguous()", &e.to_vec(), &row.repeat(4))?;
        check("source unchanged", &m.to_vec(), &b)?;
    }

    #[test]
    fn copy_broadcasts_and_reads_views(
        a in vals::<f64>(15),
        row in vals::<f64>(5),
        s in f64::arb(),
        src in vals::<f64>(15),
        m in vals::<i32>(12),
    ) {
        let x = Tensor::<Rank2<3, 5>, f64>::from_vec(a.clone()).unwrap();
        let mut t = x.clone();
        t.copy_(&Tensor::<Rank2<3, 5>, f64>::from_vec(src.clone()).unwrap());
        check("copy_ same shape", &t.to_vec(), &src)?;
        let mut t = x.clone();
        t.copy_(&Tensor::<Rank1<5>, f64>::from_vec(row.clone()).unwrap());
        check("copy_ row", &t.to_vec(), &row.repeat(3))?;
        let mut t = x.clone();
        t.copy_(&tensor(s));
        check("copy_ scalar", &t.to_vec(), &[s; 15])?;
        // A transposed source.
        let mut t = x.clone();
        t.copy_(&Tensor::<Rank2<5, 3>, f64>::from_vec(src.clone()).unwrap().t());
        check("copy_ from t()", &t.to_vec(), &transpose_ref(&src, 5, 3))?;
        // A transposed destination keeps its shape; the values are the source's.
        let mut v = Tensor::<Rank2<5, 3>, f64>::from_vec(a.clone()).unwrap().t();
        v.copy_(&Tensor::<Rank1<5>, f64>::from_vec(row.clone()).unwrap());
        prop_assert_eq!(v.shape().as_slice().to_vec(), vec![3, 5]);
        check("view.copy_(row)", &v.to_vec(), &row.repeat(3))?;
        check("x after copy_ into clones", &x.to_vec(), &a)?;

        // Rank2 onto Rank3, integer.
        let mut r3 = Tensor::<Rank3<2, 3, 4>, i32>::zeros();
        r3.copy_(&Tensor::<Rank2<3, 4>, i32>::from_vec(m.clone()).unwrap());
        check("copy_ Rank2 onto Rank3", &r3.to_vec(), &m.repeat(2))?;
        // From a permuted Rank2 view of the same data.
        let mut r3 = Tensor::<Rank3<2, 3, 4>, i32>::zeros();
        r3.copy_(&Tensor::<Rank2<4, 3>, i32>::from_vec(m.clone()).unwrap().permute::<1, 0>());
        check("copy_ from permute", &r3.to_vec(), &transpose_ref(&m, 4, 3).repeat(2))?;
    }
}

/// Every cast out of one element type, against `as` (and `!= 0` / `0 or 1` for bool), on
/// a contiguous and a transposed tensor.
macro_rules! cast_props {
    ($name:ident, $from:ident, to_bool: $to_bool:expr, f32: $f32:expr, f64: $f64:expr, i32: $i32:expr, i64: $i64:expr) => {
        proptest! {
            #![proptest_config(cfg(64))]
            #[test]
            fn $name(a in vals::<$from>(15)) {
                let x = Tensor::<Rank2<3, 5>, $from>::from_vec(a.clone()).unwrap();
                let xt = Tensor::<Rank2<5, 3>, $from>::from_vec(a.clone()).unwrap().t();
                let at = transpose_ref(&a, 5, 3);
                let (f32_, f64_, i32_, i64_, bool_): (fn($from) -> f32, fn($from) -> f64, fn($from) -> i32, fn($from) -> i64, fn($from) -> bool) = ($f32, $f64, $i32, $i64, $to_bool);

                check("to_dtype::<f32>", &x.to_dtype::<f32>().to_vec(), &map(&a, f32_))?;
                check("float", &x.float().to_vec(), &map(&a, f32_))?;
                check("t().float", &xt.float().to_vec(), &map(&at, f32_))?;
                check("to_dtype::<f64>", &x.to_dtype::<f64>().to_vec(), &map(&a, f64_))?;
                check("double", &x.double().to_vec(), &map(&a, f64_))?;
                check("t().double", &xt.double().to_vec(), &map(&at, f64_))?;
                check("to_dtype::<i32>", &x.to_dtype::<i32>().to_vec(), &map(&a, i32_))?;
                check("int", &x.int().to_vec(), &map(&a, i32_))?;
                check("t().int", &xt.int().to_vec(), &map(&at, i32_))?;
                check("to_dtype::<i64>", &x.to_dtype::<i64>().to_vec(), &map(&a, i64_))?;
                check("long", &x.long().to_vec(), &map(&a, i64_))?;
                check("t().long", &xt.long().to_vec(), &map(&at, i64_))?;
                check("to_dtype::<bool>", &x.to_dtype::<bool>().to_vec(), &map(&a, bool_))?;
                check("bool", &x.bool().to_vec(), &map(&a, bool_))?;
                check("t().bool", &xt.bool().to_vec(), &map(&at, bool_))?;
                let y = x.try_to_dtype::<i64>().unwrap();
                prop_assert_eq!(y.shape().as_slice().to_vec(), vec![3, 5]);
                prop_assert_eq!(y.dtype(), crate::DType::I64);
            }
        }
    };
}
cast_props!(casts_from_f32, f32,
    to_bool: |v| v != 0.0, f32: |v| v, f64: f64::from, i32: |v| v as i32, i64: |v| v as i64);
cast_props!(casts_from_f64, f64,
    to_bool: |v| v != 0.0, f32: |v| v as f32, f64: |v| v, i32: |v| v as i32, i64: |v| v as i64);
cast_props!(casts_from_i32, i32,
    to_bool: |v| v != 0, f32: |v| v as f32, f64: f64::from, i32: |v| v, i64: i64::from);
cast_props!(casts_from_i64, i64,
    to_bool: |v| v != 0, f32: |v| v as f32, f64: |v| v as f64, i32: |v| v as i32, i64: |v| v);
cast_props!(casts_from_bool, bool,
    to_bool: |v| v, f32: |v| f32::from(u8::from(v)), f64: |v| f64::from(u8::from(v)),
    i32: i32::from, i64: i64::from);

#[test]
fn cast_edges() {
    let x = tensor([
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        -2.9,
        2.9,
        -0.0,
        3e9,
    ]);
    assert_eq!(
        x.int().to_vec(),
        vec![0, i32::MAX, i32::MIN, -2, 2, 0, i32::MAX]
    );
    assert_eq!(
        x.long().to_vec(),
        vec![0, i64::MAX, i64::MIN, -2, 2, 0, 3_000_000_000]
    );
    // NaN is not zero, so it is true, as in PyTorch; -0.0 is zero.
    assert_eq!(
        x.bool().to_vec(),
        vec![true, true, true, true, true, false, true]
    );
    assert_eq!(tensor([i64::MAX, -1]).int().to_vec(), vec![-1, -1]);
    assert_eq!(tensor([true, false]).double().to_vec(), vec![1.0, 0.0]);
    // f64 -> f32 rounds to nearest and overflows to infinity.
    let d = tensor([1.0e300f64, 0.1]).float().to_vec();
    assert_eq!(d[..1], [f32::INFINITY]);
    assert_eq!(d[1].to_bits(), 0.1f32.to_bits());
}

proptest! {
    #![proptest_config(cfg(48))]

    #[test]
    fn item_of_one_element_tensors(a in vals::<f32>(15), v in f64::arb(), i in any::<i64>(), b in any::<bool>()) {
        prop_assert!(tensor(v).item().same(v));
        prop_assert!(tensor(v).try_item().unwrap().same(v));
        prop_assert_eq!(tensor([i]).item(), i);
        prop_assert_eq!(tensor([[b]]).item(), b);
        prop_assert_eq!(tensor([[[i as i32]]]).item(), i as i32);
        prop_assert!(tensor([[[[v]]]]).item().same(v));
        let x = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap();
        // x[3, 2] through views: narrowed, transposed, narrowed again.
        let e: Tensor<Rank2<1, 1>> = x.narrow::<0, 3, 1>().narrow::<1, 2, 1>();
        prop_assert!(e.item().same(a[3 * 3 + 2]));
        let e: Tensor<Rank2<1, 1>> = x.t().narrow::<0, 2, 1>().narrow::<1, 4, 1>();
        prop_assert!(e.item().same(a[4 * 3 + 2]));
        let e: Tensor<Rank1<1>> = x.t().narrow::<0, 1, 1>().narrow::<1, 0, 1>().view::<Rank1<1>>();
        prop_assert!(e.item().same(a[1]));
        let s: Tensor<Rank0> = x.narrow::<0, 4, 1>().narrow::<1, 1, 1>().view::<Rank0>();
        prop_assert!(s.item().same(a[13]));
        let r4: Tensor<Rank4<1, 1, 1, 1>, f32> = x.narrow::<0, 2, 1>().narrow::<1, 0, 1>().view::<Rank4<1, 1, 1, 1>>();
        prop_assert!(r4.item().same(a[6]));
    }
}
