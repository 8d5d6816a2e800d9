//! Comparisons and mask selection against plain references on random data: the six
//! comparisons against tensors (broadcast both ways) and scalars, for every dtype including
//! bool and NaN-holding floats; `masked_fill`, `masked_fill_` and `where_` with broadcast
//! masks and operands.
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::dtype::Dtype;
use crate::ops::arith::Broadcast;
use crate::ops::test_support::{Elem, bcast, cfg, check, out_dims, source, transpose_ref, unravel};
use crate::shape::ConstShape;
use crate::{Rank0, Rank1, Rank2, Rank3, Rank4, Tensor, tensor};

/// An element type as the reference code sees it.
trait El: Elem + PartialOrd {
    /// Random values from a small set, so that equal pairs are common; floats include
    /// both zeros, infinities and NaN.
    fn arb() -> BoxedStrategy<Self>;
}

macro_rules! float_el {
    ($($t:ident),*) => {$(
        impl El for $t {
            fn arb() -> BoxedStrategy<Self> {
                prop_oneof![
                    6 => (-3i8..3).prop_map(|v| v as $t * 0.5),
                    2 => -10.0 as $t..10.0,
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
                prop_oneof![6 => -3 as $t..3, 1 => Just($t::MIN), 1 => Just($t::MAX), 1 => any::<$t>()].boxed()
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

type Cmp<E> = fn(&E, &E) -> bool;

/// The six comparisons, by `PartialOrd` (every comparison with NaN is false, but `!=`).
fn cmps<E: El>() -> [(&'static str, Cmp<E>); 6] {
    [
        ("eq", |a, b| a == b),
        ("ne", |a, b| a != b),
        ("lt", |a, b| a < b),
        ("le", |a, b| a <= b),
        ("gt", |a, b| a > b),
        ("ge", |a, b| a >= b),
    ]
}

fn check_compare<SA, SB, E>(a: Vec<E>, b: Vec<E>, s: E) -> Result<(), TestCaseError>
where
    SA: ConstShape + Broadcast<SB>,
    SB: ConstShape,
    E: Dtype + El,
{
    let x = Tensor::<SA, E>::from_vec(a.clone()).unwrap();
    let y = Tensor::<SB, E>::from_vec(b.clone()).unwrap();
    let dims = out_dims(SA::DIMS, SB::DIMS);
    let got = [x.eq(&y), x.ne(&y), x.lt(&y), x.le(&y), x.gt(&y), x.ge(&y)];
    let scalar = [
        x.eq_scalar(s),
        x.ne_scalar(s),
        x.lt_scalar(s),
        x.le_scalar(s),
        x.gt_scalar(s),
        x.ge_scalar(s),
    ];
    for (((name, f), got), scalar) in cmps::<E>().into_iter().zip(got).zip(scalar) {
        prop_assert_eq!(got.shape().as_slice().to_vec(), dims.clone());
        let want = bcast(&a, SA::DIMS, &b, SB::DIMS, |p, q| f(&p, &q)).1;
        check(name, &got.to_vec(), &want)?;
        prop_assert_eq!(scalar.shape().as_slice().to_vec(), SA::DIMS.to_vec());
        let want: Vec<bool> = a.iter().map(|p| f(p, &s)).collect();
        check(&format!("{name}_scalar"), &scalar.to_vec(), &want)?;
    }
    Ok(())
}

macro_rules! compare_props {
    ($($name:ident: $e:ident, $sa:ty, $sb:ty;)*) => {
        proptest! {
            #![proptest_config(cfg(48))]
            $(
                #[test]
                fn $name(
                    a in vals::<$e>(<$sa as ConstShape>::NUMEL),
                    b in vals::<$e>(<$sb as ConstShape>::NUMEL),
                    s in $e::arb(),
                ) {
                    check_compare::<$sa, $sb, $e>(a, b, s)?;
                }
            )*
        }
    };
}
compare_props! {
    f32_rank0: f32, Rank0, Rank0;
    f32_rank2: f32, Rank2<3, 5>, Rank2<3, 5>;
    f32_vec_onto_mat: f32, Rank2<3, 5>, Rank1<5>;
    f32_mat_onto_vec: f32, Rank1<5>, Rank2<3, 5>;
    f32_scalar_onto_rank3: f32, Rank3<2, 3, 4>, Rank0;
    f32_empty: f32, Rank2<0, 3>, Rank1<3>;
    f64_rank2_onto_rank3: f64, Rank2<3, 4>, Rank3<2, 3, 4>;
    f64_rank4: f64, Rank4<2, 1, 3, 2>, Rank4<2, 1, 3, 2>;
    i32_rank1: i32, Rank1<7>, Rank1<7>;
    i32_rank3_onto_rank2: i32, Rank3<2, 3, 4>, Rank2<3, 4>;
    i64_scalar_left: i64, Rank0, Rank4<2, 1, 3, 2>;
    i64_rank2: i64, Rank2<3, 5>, Rank2<3, 5>;
    bool_rank2: bool, Rank2<3, 5>, Rank2<3, 5>;
    bool_vec_onto_mat: bool, Rank2<3, 5>, Rank1<5>;
}

/// `masked_fill`, `masked_fill_` with a mask of shape `SM` broadcast onto `S`.
fn check_masked_fill<S, SM, E>(a: Vec<E>, m: Vec<bool>, v: E) -> Result<(), TestCaseError>
where
    S: ConstShape + Broadcast<SM, Output = S>,
    SM: ConstShape,
    E: Dtype + El,
{
    let x = Tensor::<S, E>::from_vec(a.clone()).unwrap();
    let mask = Tensor::<SM, bool>::from_vec(m.clone()).unwrap();
    let want = bcast(&a, S::DIMS, &m, SM::DIMS, |p, c| if c { v } else { p }).1;
    check("masked_fill", &x.masked_fill(&mask, v).to_vec(), &want)?;
    let mut t = x.clone();
    t.masked_fill_(&mask, v);
    check("masked_fill_", &t.to_vec(), &want)?;
    check("x after masked_fill_", &x.to_vec(), &a)?;
    Ok(())
}

/// `x.where_(cond, other)` with `cond` of shape `SC` and `other` of shape `SO`, both
/// broadcast onto `S`.
fn check_where<S, SC, SO, E>(a: Vec<E>, c: Vec<bool>, o: Vec<E>) -> Result<(), TestCaseError>
where
    S: ConstShape + Broadcast<SC, Output = S> + Broadcast<SO, Output = S>,
    SC: ConstShape,
    SO: ConstShape,
    E: Dtype + El,
{
    let x = Tensor::<S, E>::from_vec(a.clone()).unwrap();
    let cond = Tensor::<SC, bool>::from_vec(c.clone()).unwrap();
    let other = Tensor::<SO, E>::from_vec(o.clone()).unwrap();
    let n = a.len();
    let want: Vec<E> = (0..n)
        .map(|i| {
            let idx = unravel(i, S::DIMS);
            if c[source(&idx, SC::DIMS)] {
                a[i]
            } else {
                o[source(&idx, SO::DIMS)]
            }
        })
        .collect();
    let got = x.where_(&cond, &other);
    prop_assert_eq!(got.shape().as_slice().to_vec(), S::DIMS.to_vec());
    check("where_", &got.to_vec(), &want)?;
    Ok(())
}

macro_rules! mask_props {
    ($($name:ident: $e:ident, $s:ty, $sm:ty;)*) => {
        proptest! {
            #![proptest_config(cfg(48))]
            $(
                #[test]
                fn $name(
                    a in vals::<$e>(<$s as ConstShape>::NUMEL),
                    m in vals::<bool>(<$sm as ConstShape>::NUMEL),
                    v in $e::arb(),
                ) {
                    check_masked_fill::<$s, $sm, $e>(a, m, v)?;
                }
            )*
        }
    };
}
mask_props! {
    masked_fill_f32_same: f32, Rank2<3, 5>, Rank2<3, 5>;
    masked_fill_f32_row_mask: f32, Rank2<3, 5>, Rank1<5>;
    masked_fill_f32_scalar_mask: f32, Rank3<2, 3, 4>, Rank0;
    masked_fill_f64_rank2_mask: f64, Rank3<2, 3, 4>, Rank2<3, 4>;
    masked_fill_i32_rank4: i32, Rank4<2, 1, 3, 2>, Rank1<2>;
    masked_fill_i64_same: i64, Rank1<7>, Rank1<7>;
    masked_fill_bool_row_mask: bool, Rank2<3, 5>, Rank1<5>;
    masked_fill_empty: f32, Rank2<0, 3>, Rank1<3>;
}

macro_rules! where_props {
    ($($name:ident: $e:ident, $s:ty, $sc:ty, $so:ty;)*) => {
        proptest! {
            #![proptest_config(cfg(48))]
            $(
                #[test]
                fn $name(
                    a in vals::<$e>(<$s as ConstShape>::NUMEL),
                    c in vals::<bool>(<$sc as ConstShape>::NUMEL),
                    o in vals::<$e>(<$so as ConstShape>::NUMEL),
                ) {
                    check_where::<$s, $sc, $so, $e>(a, c, o)?;
                }
            )*
        }
    };
}
where_props! {
    where_f32_same: f32, Rank2<3, 5>, Rank2<3, 5>, Rank2<3, 5>;
    where_f32_bcast_cond: f32, Rank2<3, 5>, Rank1<5>, Rank2<3, 5>;
    where_f32_bcast_other: f32, Rank3<2, 3, 4>, Rank3<2, 3, 4>, Rank0;
    where_f64_bcast_both: f64, Rank3<2, 3, 4>, Rank2<3, 4>, Rank1<4>;
    where_i32_rank4: i32, Rank4<2, 1, 3, 2>, Rank0, Rank3<1, 3, 2>;
    where_i64_rank1: i64, Rank1<7>, Rank1<7>, Rank0;
    where_bool: bool, Rank2<3, 5>, Rank2<3, 5>, Rank1<5>;
    where_empty: f32, Rank2<0, 3>, Rank1<3>, Rank1<3>;
}

proptest! {
    #![proptest_config(cfg(48))]

    /// Transposed and narrowed operands, masks and conditions.
    #[test]
    fn non_contiguous_operands(
        a in vals::<f32>(15),
        b in vals::<f32>(15),
        m in vals::<bool>(15),
        s in f32::arb(),
        v in f32::arb(),
    ) {
        let x = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap().t(); // [3, 5]
        let y = Tensor::<Rank2<5, 3>>::from_vec(b.clone()).unwrap().t();
        let mask = Tensor::<Rank2<5, 3>, bool>::from_vec(m.clone()).unwrap().t();
        let (xa, yb, ma) = (transpose_ref(&a, 5, 3), transpose_ref(&b, 5, 3), transpose_ref(&m, 5, 3));
        let d = [3, 5];
        check("t < t", &x.lt(&y).to_vec(), &bcast(&xa, &d, &yb, &d, |p, q| p < q).1)?;
        check("t >= s", &x.ge_scalar(s).to_vec(), &xa.iter().map(|&p| p >= s).collect::<Vec<_>>())?;
        check("t != s", &x.ne_scalar(s).to_vec(), &xa.iter().map(|p| p.ne(&s)).collect::<Vec<_>>())?;
        let filled = bcast(&xa, &d, &ma, &d, |p, c| if c { v } else { p }).1;
        check("masked_fill(t, t)", &x.masked_fill(&mask, v).to_vec(), &filled)?;
        let paired = bcast(&xa, &d, &ma, &d, |p, c| (p, c)).1;
        let picked = bcast(&paired, &d, &yb, &d, |(p, c), q| if c { p } else { q }).1;
        check("where_(t, t, t)", &x.where_(&mask, &y).to_vec(), &picked)?;
        // A row of the transposed mask (a strided Rank1 view) broadcast onto the rows.
        let row = mask.narrow::<0, 1, 1>().view::<Rank1<5>>();
        let rm: Vec<bool> = ma[5..10].to_vec();
        check("masked_fill(t, row)", &x.masked_fill(&row, v).to_vec(), &bcast(&xa, &d, &rm, &[5], |p, c| if c { v } else { p }).1)?;
        // Comparison of a view against itself: NaN is the only non-equal element.
        let want: Vec<bool> = xa.iter().map(|p| !p.is_nan()).collect();
        check("t == t", &x.eq(&x).to_vec(), &want)?;
    }
}

#[test]
fn nan_compares_false_except_ne() {
    let x = tensor([f32::NAN, 1.0, -0.0]);
    let y = tensor([f32::NAN, f32::NAN, 0.0]);
    assert_eq!(x.eq(&y).to_vec(), vec![false, false, true]);
    assert_eq!(x.ne(&y).to_vec(), vec![true, true, false]);
    assert_eq!(x.lt(&y).to_vec(), vec![false, false, false]);
    assert_eq!(x.le(&y).to_vec(), vec![false, false, true]);
    assert_eq!(x.gt(&y).to_vec(), vec![false, false, false]);
    assert_eq!(x.ge(&y).to_vec(), vec![false, false, true]);
    assert_eq!(x.eq_scalar(f32::NAN).to_vec(), vec![false; 3]);
    assert_eq!(x.ne_scalar(f32::NAN).to_vec(), vec![true; 3]);
    assert_eq!(x.lt_scalar(f32::INFINITY).to_vec(), vec![false, true, true]);
}

#[test]
fn lesson_relu_backward_mask() {
    // grad_h = grad_h_relu.clone(); grad_h[h < 0] = 0
    let h = tensor([[-1.0f32, 2.0, 0.0], [3.0, -0.5, -4.0]]);
    let grad = tensor([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    let mut grad_h = grad.clone();
    grad_h.masked_fill_(&h.lt_scalar(0.0), 0.0);
    assert_eq!(grad_h.to_vec(), vec![0.0, 2.0, 3.0, 4.0, 0.0, 0.0]);
    assert_eq!(grad.to_vec(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let r: Tensor<Rank2<2, 3>> = h.where_(&h.gt_scalar(0.0), &tensor(0.0f32));
    assert_eq!(r.to_vec(), vec![0.0, 2.0, 0.0, 3.0, 0.0, 0.0]);
}
