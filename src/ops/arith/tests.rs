//! Elementwise arithmetic against plain-loop references on random data: every operator form,
//! broadcasting in both operand orders, the in-place and `out=` forms, integer wrap-around
//! and NaN propagation.
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::dtype::{FloatDtype, NumDtype};
use crate::ops::arith::Broadcast;
use crate::ops::test_support::{Float, Int, RefArith, bcast, cfg, check, transpose_ref};
use crate::shape::ConstShape;
use crate::{Rank0, Rank1, Rank2, Rank3, Rank4, Tensor, tensor};

/// An element type as the reference code sees it, with its own plain arithmetic.
trait El: RefArith {
    /// Random values: integers over their whole range and near the edges; floats mostly
    /// moderate of both signs, sometimes huge, zero, infinite or NaN.
    fn arb() -> BoxedStrategy<Self>;
    fn r_max(self, o: Self) -> Self;
    fn r_min(self, o: Self) -> Self;
}

macro_rules! float_el {
    ($($t:ident),*) => {$(
        impl El for $t {
            fn arb() -> BoxedStrategy<Self> {
                Self::wide()
            }
            fn r_max(self, o: Self) -> Self {
                if self.is_nan() || o.is_nan() { $t::NAN } else if self >= o { self } else { o }
            }
            fn r_min(self, o: Self) -> Self {
                if self.is_nan() || o.is_nan() { $t::NAN } else if self <= o { self } else { o }
            }
        }
    )*};
}
float_el!(f32, f64);

macro_rules! int_el {
    ($($t:ident),*) => {$(
        impl El for $t {
            fn arb() -> BoxedStrategy<Self> {
                Self::wide(20)
            }
            fn r_max(self, o: Self) -> Self {
                Ord::max(self, o)
            }
            fn r_min(self, o: Self) -> Self {
                Ord::min(self, o)
            }
        }
    )*};
}
int_el!(i32, i64);

fn vals<E: El>(n: usize) -> impl Strategy<Value = Vec<E>> {
    prop::collection::vec(E::arb(), n)
}

/// The four owned/borrowed forms of a binary operator, as vectors.
macro_rules! four_forms {
    ($x:ident $op:tt $y:ident) => {
        [
            ("&x op &y", (&$x $op &$y).to_vec()),
            ("&x op y", (&$x $op $y.clone()).to_vec()),
            ("x op &y", ($x.clone() $op &$y).to_vec()),
            ("x op y", ($x.clone() $op $y.clone()).to_vec()),
        ]
    };
}

/// `+ - *`, `maximum`, `minimum` in every form against the reference.
fn check_num<SA, SB, E>(a: Vec<E>, b: Vec<E>) -> Result<(), TestCaseError>
where
    SA: ConstShape + Broadcast<SB>,
    SB: ConstShape,
    E: NumDtype + El,
{
    let x = Tensor::<SA, E>::from_vec(a.clone()).unwrap();
    let y = Tensor::<SB, E>::from_vec(b.clone()).unwrap();
    let r = |f: fn(E, E) -> E| bcast(&a, SA::DIMS, &b, SB::DIMS, f);

    let (dims, want) = r(E::r_add);
    let got = x.add(&y);
    prop_assert_eq!(got.shape().as_slice().to_vec(), dims);
    check("add", &got.to_vec(), &want)?;
    for (form, got) in four_forms!(x + y) {
        check(&format!("+ {form}"), &got, &want)?;
    }

    let (_, want) = r(E::r_sub);
    check("sub", &x.sub(&y).to_vec(), &want)?;
    for (form, got) in four_forms!(x - y) {
        check(&format!("- {form}"), &got, &want)?;
    }

    let (_, want) = r(E::r_mul);
    check("mul", &x.mul(&y).to_vec(), &want)?;
    for (form, got) in four_forms!(x * y) {
        check(&format!("* {form}"), &got, &want)?;
    }

    check("maximum", &x.maximum(&y).to_vec(), &r(E::r_max).1)?;
    check("minimum", &x.minimum(&y).to_vec(), &r(E::r_min).1)?;
    Ok(())
}

/// [`check_num`] plus `/` and `div`.
fn check_float<SA, SB, E>(a: Vec<E>, b: Vec<E>) -> Result<(), TestCaseError>
where
    SA: ConstShape + Broadcast<SB>,
    SB: ConstShape,
    E: FloatDtype + El,
{
    check_num::<SA, SB, E>(a.clone(), b.clone())?;
    let x = Tensor::<SA, E>::from_vec(a.clone()).unwrap();
    let y = Tensor::<SB, E>::from_vec(b.clone()).unwrap();
    let (dims, want) = bcast(&a, SA::DIMS, &b, SB::DIMS, |p, q| p / q);
    let got = x.div(&y);
    prop_assert_eq!(got.shape().as_slice().to_vec(), dims);
    check("div", &got.to_vec(), &want)?;
    for (form, got) in four_forms!(x / y) {
        check(&format!("/ {form}"), &got, &want)?;
    }
    Ok(())
}

/// `op=`, `op_`, `op_out` where the right operand broadcasts onto the left.
fn check_assign<SA, SB, E>(a: Vec<E>, b: Vec<E>) -> Result<(), TestCaseError>
where
    SA: ConstShape + Broadcast<SB, Output = SA>,
    SB: ConstShape,
    E: NumDtype + El,
{
    let x = Tensor::<SA, E>::from_vec(a.clone()).unwrap();
    let y = Tensor::<SB, E>::from_vec(b.clone()).unwrap();
    let r = |f: fn(E, E) -> E| bcast(&a, SA::DIMS, &b, SB::DIMS, f).1;
    let (add, sub, mul) = (r(E::r_add), r(E::r_sub), r(E::r_mul));

    let mut t = x.clone();
    t += &y;
    check("+= &y", &t.to_vec(), &add)?;
    let mut t = x.clone();
    t += y.clone();
    check("+= y", &t.to_vec(), &add)?;
    let mut t = x.clone();
    t -= &y;
    check("-= &y", &t.to_vec(), &sub)?;
    let mut t = x.clone();
    t -= y.clone();
    check("-= y", &t.to_vec(), &sub)?;
    let mut t = x.clone();
    t *= &y;
    check("*= &y", &t.to_vec(), &mul)?;
    let mut t = x.clone();
    t *= y.clone();
    check("*= y", &t.to_vec(), &mul)?;

    let mut t = x.clone();
    t.add_(&y);
    check("add_", &t.to_vec(), &add)?;
    let mut t = x.clone();
    t.sub_(&y);
    check("sub_", &t.to_vec(), &sub)?;
    let mut t = x.clone();
    t.mul_(&y);
    check("mul_", &t.to_vec(), &mul)?;

    // Chained in-place calls: (x + y) * y.
    let mut t = x.clone();
    t.add_(&y).mul_(&y);
    let chained = bcast(&add, SA::DIMS, &b, SB::DIMS, E::r_mul).1;
    check("add_().mul_()", &t.to_vec(), &chained)?;

    let mut out = Tensor::<SA, E>::zeros();
    x.add_out(&y, &mut out);
    check("add_out", &out.to_vec(), &add)?;
    x.sub_out(&y, &mut out);
    check("sub_out", &out.to_vec(), &sub)?;
    x.mul_out(&y, &mut out);
    check("mul_out", &out.to_vec(), &mul)?;

    // The same ops on a tensor that owns its storage, which they write in place.
    let own = || Tensor::<SA, E>::from_vec(a.clone()).unwrap();
    let mut t = own();
    t += &y;
    check("+= &y (own storage)", &t.to_vec(), &add)?;
    let mut t = own();
    t -= y.clone();
    check("-= y (own storage)", &t.to_vec(), &sub)?;
    let mut t = own();
    t *= &y;
    check("*= &y (own storage)", &t.to_vec(), &mul)?;
    let mut t = own();
    t.add_(&y).mul_(&y);
    check("add_().mul_() (own storage)", &t.to_vec(), &chained)?;
    let mut t = own();
    t.sub_(&y);
    check("sub_ (own storage)", &t.to_vec(), &sub)?;

    // In-place ops replace only their own tensor: `x` (sharing storage) is unchanged.
    check("x after in-place ops", &x.to_vec(), &a)?;
    Ok(())
}

/// [`check_assign`] plus `/=`, `div_`, `div_out`.
fn check_assign_float<SA, SB, E>(a: Vec<E>, b: Vec<E>) -> Result<(), TestCaseError>
where
    SA: ConstShape + Broadcast<SB, Output = SA>,
    SB: ConstShape,
    E: FloatDtype + El,
{
    check_assign::<SA, SB, E>(a.clone(), b.clone())?;
    let x = Tensor::<SA, E>::from_vec(a.clone()).unwrap();
    let y = Tensor::<SB, E>::from_vec(b.clone()).unwrap();
    let div = bcast(&a, SA::DIMS, &b, SB::DIMS, |p, q| p / q).1;
    let mut t = x.clone();
    t /= &y;
    check("/= &y", &t.to_vec(), &div)?;
    let mut t = x.clone();
    t /= y.clone();
    check("/= y", &t.to_vec(), &div)?;
    let mut t = x.clone();
    t.div_(&y);
    check("div_", &t.to_vec(), &div)?;
    let mut out = Tensor::<SA, E>::zeros();
    x.div_out(&y, &mut out);
    check("div_out", &out.to_vec(), &div)?;
    let mut t = Tensor::<SA, E>::from_vec(a.clone()).unwrap();
    t /= &y;
    check("/= &y (own storage)", &t.to_vec(), &div)?;
    let mut t = Tensor::<SA, E>::from_vec(a.clone()).unwrap();
    t.div_(&y);
    check("div_ (own storage)", &t.to_vec(), &div)?;
    check("x after in-place ops", &x.to_vec(), &a)?;
    Ok(())
}

macro_rules! props {
    ($cases:expr; $($name:ident: $check:ident, $e:ident, $sa:ty, $sb:ty;)*) => {
        proptest! {
            #![proptest_config(cfg($cases))]
            $(
                #[test]
                fn $name(
                    a in vals::<$e>(<$sa as ConstShape>::NUMEL),
                    b in vals::<$e>(<$sb as ConstShape>::NUMEL),
                ) {
                    $check::<$sa, $sb, $e>(a, b)?;
                }
            )*
        }
    };
}

// Equal shapes, every rank, a zero-size one.
props! { 48;
    f32_rank0: check_float, f32, Rank0, Rank0;
    f32_rank1: check_float, f32, Rank1<7>, Rank1<7>;
    f32_rank2: check_float, f32, Rank2<3, 5>, Rank2<3, 5>;
    f32_rank3: check_float, f32, Rank3<2, 3, 4>, Rank3<2, 3, 4>;
    f32_rank4: check_float, f32, Rank4<2, 1, 3, 2>, Rank4<2, 1, 3, 2>;
    f32_empty: check_float, f32, Rank2<0, 3>, Rank2<0, 3>;
    f64_rank2: check_float, f64, Rank2<3, 5>, Rank2<3, 5>;
    f64_rank3: check_float, f64, Rank3<2, 3, 4>, Rank3<2, 3, 4>;
    i32_rank1: check_num, i32, Rank1<7>, Rank1<7>;
    i32_rank2: check_num, i32, Rank2<3, 5>, Rank2<3, 5>;
    i32_rank4: check_num, i32, Rank4<2, 1, 3, 2>, Rank4<2, 1, 3, 2>;
    i32_empty: check_num, i32, Rank2<0, 3>, Rank2<0, 3>;
    i64_rank0: check_num, i64, Rank0, Rank0;
    i64_rank3: check_num, i64, Rank3<2, 3, 4>, Rank3<2, 3, 4>;
}

// Broadcasting, both operand orders.
props! { 48;
    f32_bcast_vec_onto_mat: check_float, f32, Rank2<3, 5>, Rank1<5>;
    f32_bcast_mat_onto_vec: check_float, f32, Rank1<5>, Rank2<3, 5>;
    f32_bcast_scalar_right: check_float, f32, Rank3<2, 3, 4>, Rank0;
    f32_bcast_scalar_left: check_float, f32, Rank0, Rank3<2, 3, 4>;
    f32_bcast_scalar_rank1: check_float, f32, Rank0, Rank1<7>;
    f32_bcast_rank2_onto_rank3: check_float, f32, Rank3<2, 3, 4>, Rank2<3, 4>;
    f32_bcast_rank3_onto_rank2: check_float, f32, Rank2<3, 4>, Rank3<2, 3, 4>;
    f32_bcast_rank1_onto_rank4: check_float, f32, Rank4<2, 1, 3, 2>, Rank1<2>;
    f32_bcast_rank3_onto_rank4: check_float, f32, Rank3<1, 3, 2>, Rank4<2, 1, 3, 2>;
    f32_bcast_empty: check_float, f32, Rank2<0, 3>, Rank1<3>;
    f32_bcast_empty_scalar: check_float, f32, Rank0, Rank2<0, 3>;
    f64_bcast_vec_onto_mat: check_float, f64, Rank1<5>, Rank2<3, 5>;
    f64_bcast_rank2_onto_rank4: check_float, f64, Rank4<2, 1, 3, 2>, Rank2<3, 2>;
    i32_bcast_vec_onto_mat: check_num, i32, Rank2<3, 5>, Rank1<5>;
    i32_bcast_mat_onto_vec: check_num, i32, Rank1<5>, Rank2<3, 5>;
    i32_bcast_scalar: check_num, i32, Rank0, Rank4<2, 1, 3, 2>;
    i64_bcast_rank2_onto_rank3: check_num, i64, Rank3<2, 3, 4>, Rank2<3, 4>;
    i64_bcast_rank3_onto_rank2: check_num, i64, Rank2<3, 4>, Rank3<2, 3, 4>;
}

// In-place and out= forms (the right operand broadcasts onto the left).
props! { 32;
    f32_assign_same: check_assign_float, f32, Rank2<3, 5>, Rank2<3, 5>;
    f32_assign_vec: check_assign_float, f32, Rank2<3, 5>, Rank1<5>;
    f32_assign_scalar: check_assign_float, f32, Rank3<2, 3, 4>, Rank0;
    f32_assign_rank2_onto_rank3: check_assign_float, f32, Rank3<2, 3, 4>, Rank2<3, 4>;
    f32_assign_empty: check_assign_float, f32, Rank2<0, 3>, Rank1<3>;
    f64_assign_vec: check_assign_float, f64, Rank4<2, 1, 3, 2>, Rank1<2>;
    i32_assign_same: check_assign, i32, Rank1<7>, Rank1<7>;
    i32_assign_vec: check_assign, i32, Rank2<3, 5>, Rank1<5>;
    i64_assign_scalar: check_assign, i64, Rank3<2, 3, 4>, Rank0;
    i64_assign_rank3_onto_rank4: check_assign, i64, Rank4<2, 1, 3, 2>, Rank3<1, 3, 2>;
}

proptest! {
    #![proptest_config(cfg(48))]

    /// Operands that are transposed or narrowed views, alone and broadcast.
    #[test]
    fn f32_non_contiguous_operands(
        a in vals::<f32>(15),
        b in vals::<f32>(15),
        c in vals::<f32>(5),
    ) {
        let x = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap().t(); // [3, 5]
        let y = Tensor::<Rank2<5, 3>>::from_vec(b.clone()).unwrap().t();
        let z = Tensor::<Rank1<5>>::from_vec(c.clone()).unwrap();
        let (xa, yb) = (transpose_ref(&a, 5, 3), transpose_ref(&b, 5, 3));
        let d = [3, 5];
        check("t + t", &(&x + &y).to_vec(), &bcast(&xa, &d, &yb, &d, f32::r_add).1)?;
        check("t * t", &x.mul(&y).to_vec(), &bcast(&xa, &d, &yb, &d, f32::r_mul).1)?;
        check("t - vec", &(&x - &z).to_vec(), &bcast(&xa, &d, &c, &[5], f32::r_sub).1)?;
        check("vec - t", &(&z - &x).to_vec(), &bcast(&c, &[5], &xa, &d, f32::r_sub).1)?;
        check("t / t", &(&x / &y).to_vec(), &bcast(&xa, &d, &yb, &d, |p, q| p / q).1)?;
        check("maximum t", &x.maximum(&z).to_vec(), &bcast(&xa, &d, &c, &[5], f32::r_max).1)?;

        // A narrowed view (rows 1..4 of the 5x3 matrix) plus a contiguous one.
        let n = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap().narrow::<0, 1, 3>();
        let na: Vec<f32> = a[3..12].to_vec();
        let w = Tensor::<Rank2<3, 3>>::from_vec(b[..9].to_vec()).unwrap();
        check("narrow + dense", &(&n + &w).to_vec(), &bcast(&na, &[3, 3], &b[..9], &[3, 3], f32::r_add).1)?;
        // A narrowed column view (non-contiguous rows) plus its transpose.
        let col = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap().narrow::<1, 1, 2>(); // [5, 2]
        let ca: Vec<f32> = (0..5).flat_map(|i| [a[i * 3 + 1], a[i * 3 + 2]]).collect();
        let ct = col.t(); // [2, 5]
        let cta = transpose_ref(&ca, 5, 2);
        check("col + vec", &(&ct + &z).to_vec(), &bcast(&cta, &[2, 5], &c, &[5], f32::r_add).1)?;

        // In place on a view: the result is the view's values, the base is unchanged.
        let base = Tensor::<Rank2<5, 3>>::from_vec(a.clone()).unwrap();
        let mut v = base.t();
        v += &z;
        check("t += vec", &v.to_vec(), &bcast(&xa, &d, &c, &[5], f32::r_add).1)?;
        check("base after view +=", &base.to_vec(), &a)?;

        // In place into a tensor's own storage, from strided right operands: a transposed
        // matrix, a broadcast row, a column repeated along rows (stride 0 innermost).
        let mut own = Tensor::<Rank2<3, 5>>::from_vec(xa.clone()).unwrap();
        own += &y;
        check("own += t", &own.to_vec(), &bcast(&xa, &d, &yb, &d, f32::r_add).1)?;
        let mut own = Tensor::<Rank2<3, 5>>::from_vec(xa.clone()).unwrap();
        own -= &z;
        check("own -= vec", &own.to_vec(), &bcast(&xa, &d, &c, &[5], f32::r_sub).1)?;
        let colv = Tensor::<Rank2<3, 1>>::from_vec(c[..3].to_vec()).unwrap().expand_dim::<1, 5>();
        let cv: Vec<f32> = (0..15).map(|i| c[i / 5]).collect();
        let mut own = Tensor::<Rank2<3, 5>>::from_vec(xa.clone()).unwrap();
        own *= &colv;
        check("own *= expanded column", &own.to_vec(), &bcast(&xa, &d, &cv, &d, f32::r_mul).1)?;
        check("colv + own (expanded left)", &(&colv + &x).to_vec(), &bcast(&cv, &d, &xa, &d, f32::r_add).1)?;
    }

    /// Rank3 operands permuted into the other's layout.
    #[test]
    fn i64_permuted_operands(a in vals::<i64>(24), b in vals::<i64>(12)) {
        let x = Tensor::<Rank3<2, 3, 4>, i64>::from_vec(a.clone()).unwrap().permute::<2, 0, 1>(); // [4, 2, 3]
        let y = Tensor::<Rank2<3, 4>, i64>::from_vec(b.clone()).unwrap().t(); // [4, 3]
        // x[i, j, k] = a[j, k, i]; the Rank2<2, 3> operand below is y's first two rows.
        let xa: Vec<i64> = (0..24)
            .map(|f| {
                let (i, j, k) = (f / 6, (f / 3) % 2, f % 3);
                a[j * 12 + k * 4 + i]
            })
            .collect();
        let ya = transpose_ref(&b, 3, 4);
        let y2 = y.narrow::<0, 0, 2>(); // [2, 3]
        check("perm + narrow(t)", &(&x + &y2).to_vec(), &bcast(&xa, &[4, 2, 3], &ya[..6], &[2, 3], i64::r_add).1)?;
        check("narrow(t) * perm", &(&y2 * &x).to_vec(), &bcast(&ya[..6], &[2, 3], &xa, &[4, 2, 3], i64::r_mul).1)?;
    }
}

#[test]
fn integer_overflow_wraps() {
    let max = tensor([i32::MAX, i32::MIN, i32::MAX, -1]);
    let one = tensor([1i32, -1, 2, i32::MIN]);
    assert_eq!(
        (&max + &one).to_vec(),
        vec![i32::MIN, i32::MAX, -i32::MAX - 1 + 1, i32::MAX]
    );
    assert_eq!(
        (&max - &one).to_vec(),
        vec![i32::MAX - 1, i32::MIN + 1, i32::MAX - 2, i32::MAX]
    );
    assert_eq!(
        (&max * &one).to_vec(),
        vec![i32::MAX, i32::MIN, -2, i32::MIN]
    );
    // Broadcast scalar operand and in-place forms wrap too.
    let mut x = tensor([i32::MAX, 0]);
    x += &tensor(1i32);
    assert_eq!(x.to_vec(), vec![i32::MIN, 1]);
    x.sub_(&tensor(1i32));
    assert_eq!(x.to_vec(), vec![i32::MAX, 0]);
    let big = tensor([i64::MAX, i64::MIN]);
    assert_eq!(
        (&big + &tensor(1i64)).to_vec(),
        vec![i64::MIN, i64::MIN + 1]
    );
    assert_eq!((&big * &tensor(2i64)).to_vec(), vec![-2, 0]);
    assert_eq!(big.maximum(&tensor(0i64)).to_vec(), vec![i64::MAX, 0]);
    assert_eq!(big.minimum(&tensor(0i64)).to_vec(), vec![0, i64::MIN]);
}

#[test]
fn maximum_minimum_propagate_nan_from_either_side() {
    let a = tensor([f32::NAN, 1.0, f32::NAN, f32::INFINITY, -0.5]);
    let b = tensor([1.0f32, f32::NAN, f32::NAN, f32::NAN, f32::NEG_INFINITY]);
    for v in [a.maximum(&b), b.maximum(&a), a.minimum(&b), b.minimum(&a)] {
        let v = v.to_vec();
        assert!(v[..4].iter().all(|x| x.is_nan()), "{v:?}");
    }
    assert_eq!(a.maximum(&b).to_vec()[4].to_bits(), (-0.5f32).to_bits());
    assert_eq!(a.minimum(&b).to_vec()[4..], [f32::NEG_INFINITY]);
    // Broadcast NaN scalar poisons every element, in both operand orders.
    let nan = tensor(f64::NAN);
    let m = Tensor::<Rank2<2, 3>, f64>::arange();
    assert!(m.maximum(&nan).to_vec().iter().all(|x| x.is_nan()));
    assert!(nan.minimum(&m).to_vec().iter().all(|x| x.is_nan()));
}

#[test]
fn float_division_by_zero_follows_ieee() {
    let a = tensor([1.0f32, -1.0, 0.0, f32::INFINITY]);
    let z = tensor([0.0f32, 0.0, 0.0, f32::INFINITY]);
    let q = (&a / &z).to_vec();
    assert_eq!(q[..2], [f32::INFINITY, f32::NEG_INFINITY]);
    assert!(q[2].is_nan() && q[3].is_nan());
    let q = (&a / &tensor(-0.0f32)).to_vec();
    assert_eq!(q[..1], [f32::NEG_INFINITY]);
}

#[test]
fn lesson_examples() {
    // y.add_(x) and torch.add(x, y, out=result) from the lesson.
    let x = Tensor::<Rank2<5, 3>>::from_fn(|i| i as f32);
    let mut y = Tensor::<Rank2<5, 3>>::ones();
    y.add_(&x);
    let want: Vec<f32> = (0..15).map(|i| i as f32 + 1.0).collect();
    assert_eq!(y.to_vec(), want);
    let mut result = Tensor::<Rank2<5, 3>>::empty();
    x.add_out(&y, &mut result);
    let want: Vec<f32> = (0..15).map(|i| 2.0 * i as f32 + 1.0).collect();
    assert_eq!(result.to_vec(), want);
    assert_eq!(result.shape(), [5, 3]);
}

#[test]
fn in_place_ops_write_owned_storage_and_copy_shared_storage() {
    let mut x = Tensor::<Rank2<2, 3>>::from_fn(|i| i as f32);
    let data = x.storage.as_ptr();
    x += &tensor([1.0f32, 2.0, 3.0]);
    x *= 2.0;
    assert_eq!(x.to_vec(), vec![2.0, 6.0, 10.0, 8.0, 12.0, 16.0]);
    assert_eq!(
        x.storage.as_ptr(),
        data,
        "its own storage: written in place"
    );

    // A clone shares the storage: the write copies it, and the clone keeps its values.
    let snapshot = x.clone();
    x -= &tensor(1.0f32);
    assert_eq!(snapshot.to_vec(), vec![2.0, 6.0, 10.0, 8.0, 12.0, 16.0]);
    assert_eq!(x.to_vec(), vec![1.0, 5.0, 9.0, 7.0, 11.0, 15.0]);
    assert_ne!(x.storage.as_ptr(), data);

    // A view (here transposed) never writes into the storage it shares.
    let base = Tensor::<Rank2<2, 3>>::from_fn(|i| i as f32);
    let mut v = base.t();
    v += &tensor(10.0f32);
    assert_eq!(base.to_vec(), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(v.to_vec(), vec![10.0, 13.0, 11.0, 14.0, 12.0, 15.0]);
}

#[test]
fn in_place_outside_the_graph_on_a_recorded_result_drops_its_grad_fn() {
    use crate::autograd::no_grad;
    let w = tensor([1.0f64, 2.0]).requires_grad_();
    // Owned storage (written in place) and shared storage (copied) end up alike.
    let mut own = &w * 2.0;
    let mut shared = &w * 2.0;
    let keep = shared.clone();
    assert_eq!(own.grad_fn(), Some("MulBackward0"));
    no_grad(|| {
        own += &tensor([1.0f64, 1.0]);
        shared += &tensor([1.0f64, 1.0]);
    });
    for t in [&own, &shared] {
        assert_eq!(t.to_vec(), vec![3.0, 5.0]);
        assert_eq!(t.grad_fn(), None);
        assert!(!t.requires_grad());
    }
    assert_eq!(keep.to_vec(), vec![2.0, 4.0]);
    assert_eq!(keep.grad_fn(), Some("MulBackward0"));
}

#[test]
fn sub_scaled_grad_matches_the_two_step_update() {
    use crate::autograd::no_grad;
    use crate::nn::AnyParam;
    let lr = 0.3f32;
    let g = tensor([[0.1f32, -2.5, 7.0], [1e-3, 3.3, -0.7]]);
    let w0 = tensor([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    // The reference: the lesson's `w -= learning_rate * w.grad`, a product rounded on its own.
    let want = (&w0 - &(&g * lr)).to_vec();
    for shared in [false, true] {
        let mut w = Tensor::from_vec(w0.to_vec()).unwrap().requires_grad_();
        w.set_grad(Some(&g));
        let snapshot = shared.then(|| w.clone());
        let data = w.storage.as_ptr();
        no_grad(|| w.sub_scaled_grad_(lr));
        assert_eq!(w.to_vec(), want, "shared storage: {shared}");
        assert_eq!(
            w.storage.as_ptr() == data,
            !shared,
            "written in place unless shared"
        );
        if let Some(s) = snapshot {
            assert_eq!(s.to_vec(), w0.to_vec());
        }
        assert!(w.is_leaf() && w.requires_grad());
    }
    // A transposed gradient: read through its strides.
    let mut w = Tensor::<Rank2<3, 2>>::from_vec(w0.to_vec())
        .unwrap()
        .requires_grad_();
    w.set_grad(Some(&g.t()));
    no_grad(|| w.sub_scaled_grad_(lr));
    assert_eq!(
        w.to_vec(),
        (&w0.view::<Rank2<3, 2>>() - &(&g.t() * lr)).to_vec()
    );
}
