//! Every `try_` twin of an op that can only fail on a device, on the CPU: it returns `Ok`
//! holding exactly what its panicking form returns (values bit for bit, shape, `grad_fn`),
//! and both equal a reference computed without the twin: the generic `try_unary`,
//! `try_unary_float`, `try_compare` and `try_to_dtype`, the operators, CPU constructors, or
//! a plain loop. Since each plain form now calls its twin, the reference is what makes a
//! twin wired to the wrong op fail here.
use crate::nn::{MSELoss, Reduction};
use crate::ops::compare::CmpOp;
use crate::ops::unary::{FloatUnaryOp, UnaryOp};
use crate::{
    ConstShape, Device, Dim, Dtype, Infer, Rank0, Rank1, Rank2, Rank3, Result, Shape, Tensor,
    manual_seed,
};

/// `twin` is `Ok`, and its value, `plain` and `reference` agree: the same values (NaN and
/// `-0.0` told apart) and, between twin and plain form, the same `grad_fn`.
#[track_caller]
fn same<S: Shape, E: Dtype, D: Device>(
    what: &str,
    twin: Result<Tensor<S, E, D>>,
    plain: Tensor<S, E, D>,
    reference: Tensor<S, E, D>,
) {
    let twin = match twin {
        Ok(t) => t,
        Err(e) => panic!("{what}: Err({e})"),
    };
    let vals = |t: &Tensor<S, E, D>| format!("{:?}", t.to_vec());
    assert_eq!(twin.shape(), plain.shape(), "{what}: shape");
    assert_eq!(
        vals(&twin),
        vals(&plain),
        "{what}: twin and plain form differ"
    );
    assert_eq!(
        vals(&twin),
        vals(&reference),
        "{what}: twin and reference differ"
    );
    assert_eq!(twin.grad_fn(), plain.grad_fn(), "{what}: grad_fn");
}

/// A CPU tensor from row-major values.
fn from<S: ConstShape, E: Dtype>(v: Vec<E>) -> Tensor<S, E> {
    Tensor::from_vec(v).unwrap()
}

/// Two random `[3, 4]` float tensors (the first recording gradients, so that `grad_fn` is
/// compared too) and their values.
fn floats(seed: u64) -> (Tensor<Rank2<3, 4>>, Tensor<Rank2<3, 4>>, Vec<f32>, Vec<f32>) {
    manual_seed(seed);
    let (a, b) = (Tensor::randn(), Tensor::randn());
    let (va, vb) = (a.to_vec(), b.to_vec());
    (a.requires_grad_(), b, va, vb)
}

/// Random small integers (-3..=3, so that comparisons find every outcome and reductions ties).
fn ints(seed: u64) -> Tensor<Rank2<3, 4>, i64> {
    manual_seed(seed);
    Tensor::<Rank2<3, 4>>::randn()
        .mul_scalar(2.0)
        .clamp(Some(-3.0), Some(3.0))
        .to_dtype()
}

fn zip<E: Dtype, F: Dtype>(a: &[E], b: &[E], f: impl Fn(E, E) -> F) -> Vec<F> {
    a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect()
}

#[test]
fn arithmetic() {
    let (a, b, va, vb) = floats(1);
    same("try_add", a.try_add(&b), a.add(&b), &a + &b);
    same("try_sub", a.try_sub(&b), a.sub(&b), &a - &b);
    same("try_mul", a.try_mul(&b), a.mul(&b), &a * &b);
    same("try_div", a.try_div(&b), a.div(&b), &a / &b);
    let max = from(zip(&va, &vb, f32::max));
    same("try_maximum", a.try_maximum(&b), a.maximum(&b), max);
    let min = from(zip(&va, &vb, f32::min));
    same("try_minimum", a.try_minimum(&b), a.minimum(&b), min);

    // The in-place and `out=` forms, with a broadcast right side, each on storage of its
    // own (so that the in-place kernel runs, not the copy-on-write path).
    let (x, row) = (a.detach(), Tensor::<Rank1<4>>::randn());
    let in_place = |f: &dyn Fn(&mut Tensor<Rank2<3, 4>>) -> Result<()>| {
        let mut t = from(x.to_vec());
        f(&mut t).map(|()| t)
    };
    let plain = |f: &dyn Fn(&mut Tensor<Rank2<3, 4>>)| {
        let mut t = from(x.to_vec());
        f(&mut t);
        t
    };
    same(
        "try_add_",
        in_place(&|t| t.try_add_(&row).map(|_| ())),
        plain(&|t| {
            t.add_(&row);
        }),
        &x + &row,
    );
    same(
        "try_sub_",
        in_place(&|t| t.try_sub_(&row).map(|_| ())),
        plain(&|t| {
            t.sub_(&row);
        }),
        &x - &row,
    );
    same(
        "try_mul_",
        in_place(&|t| t.try_mul_(&row).map(|_| ())),
        plain(&|t| {
            t.mul_(&row);
        }),
        &x * &row,
    );
    same(
        "try_div_",
        in_place(&|t| t.try_div_(&row).map(|_| ())),
        plain(&|t| {
            t.div_(&row);
        }),
        &x / &row,
    );
    same(
        "try_add_out",
        in_place(&|t| x.try_add_out(&row, t)),
        plain(&|t| x.add_out(&row, t)),
        &x + &row,
    );
    same(
        "try_sub_out",
        in_place(&|t| x.try_sub_out(&row, t)),
        plain(&|t| x.sub_out(&row, t)),
        &x - &row,
    );
    same(
        "try_mul_out",
        in_place(&|t| x.try_mul_out(&row, t)),
        plain(&|t| x.mul_out(&row, t)),
        &x * &row,
    );
    same(
        "try_div_out",
        in_place(&|t| x.try_div_out(&row, t)),
        plain(&|t| x.div_out(&row, t)),
        &x / &row,
    );
}

#[test]
fn unary() {
    let (a, _, _, _) = floats(2);
    let u = |op| a.try_unary(op).unwrap();
    same("try_abs", a.try_abs(), a.abs(), u(UnaryOp::Abs));
    same("try_neg", a.try_neg(), a.neg(), -&a);
    same("try_relu", a.try_relu(), a.relu(), u(UnaryOp::Relu));
    let (lo, hi) = (Some(-0.5), Some(0.25));
    same(
        "try_clamp",
        a.try_clamp(lo, hi),
        a.clamp(lo, hi),
        u(UnaryOp::Clamp(lo, hi)),
    );
    let min = u(UnaryOp::Clamp(lo, None));
    same(
        "try_clamp_min",
        a.try_clamp_min(-0.5),
        a.clamp_min(-0.5),
        min,
    );
    let max = u(UnaryOp::Clamp(None, hi));
    same(
        "try_clamp_max",
        a.try_clamp_max(0.25),
        a.clamp_max(0.25),
        max,
    );
    same(
        "try_add_scalar",
        a.try_add_scalar(0.5),
        a.add_scalar(0.5),
        &a + 0.5,
    );
    same(
        "try_sub_scalar",
        a.try_sub_scalar(0.5),
        a.sub_scalar(0.5),
        &a - 0.5,
    );
    same(
        "try_mul_scalar",
        a.try_mul_scalar(3.0),
        a.mul_scalar(3.0),
        &a * 3.0,
    );
    same(
        "try_div_scalar",
        a.try_div_scalar(3.0),
        a.div_scalar(3.0),
        &a / 3.0,
    );

    let f = |op| a.try_unary_float(op).unwrap();
    let pos = a.abs();
    let fp = |op| pos.try_unary_float(op).unwrap();
    same("try_exp", a.try_exp(), a.exp(), f(FloatUnaryOp::Exp));
    same("try_log", pos.try_log(), pos.log(), fp(FloatUnaryOp::Log));
    same(
        "try_sqrt",
        pos.try_sqrt(),
        pos.sqrt(),
        fp(FloatUnaryOp::Sqrt),
    );
    same(
        "try_pow",
        a.try_pow(3.0),
        a.pow(3.0),
        f(FloatUnaryOp::Pow(3.0)),
    );
    same(
        "try_sigmoid",
        a.try_sigmoid(),
        a.sigmoid(),
        f(FloatUnaryOp::Sigmoid),
    );
    same("try_tanh", a.try_tanh(), a.tanh(), f(FloatUnaryOp::Tanh));
}

#[test]
fn unary_in_place() {
    let (a, _, _, _) = floats(3);
    // Storage of its own for each run, so that the in-place kernels run.
    let x = a.detach();
    let run = |f: &dyn Fn(&mut Tensor<Rank2<3, 4>>)| {
        let mut t = from(x.to_vec());
        f(&mut t);
        t
    };
    let twin = |f: &dyn Fn(&mut Tensor<Rank2<3, 4>>) -> Result<()>| {
        let mut t = from(x.to_vec());
        f(&mut t).map(|()| t)
    };
    same(
        "try_add_scalar_",
        twin(&|t| t.try_add_scalar_(0.5).map(|_| ())),
        run(&|t| {
            t.add_scalar_(0.5);
        }),
        &x + 0.5,
    );
    same(
        "try_mul_scalar_",
        twin(&|t| t.try_mul_scalar_(3.0).map(|_| ())),
        run(&|t| {
            t.mul_scalar_(3.0);
        }),
        &x * 3.0,
    );
    same(
        "try_div_scalar_",
        twin(&|t| t.try_div_scalar_(3.0).map(|_| ())),
        run(&|t| {
            t.div_scalar_(3.0);
        }),
        &x / 3.0,
    );
    let (lo, hi) = (Some(-0.5), Some(0.25));
    same(
        "try_clamp_",
        twin(&|t| t.try_clamp_(lo, hi).map(|_| ())),
        run(&|t| {
            t.clamp_(lo, hi);
        }),
        x.try_unary(UnaryOp::Clamp(lo, hi)).unwrap(),
    );
    same(
        "try_zero_",
        twin(&|t| t.try_zero_().map(|_| ())),
        run(&|t| {
            t.zero_();
        }),
        Tensor::zeros(),
    );
    same(
        "try_fill_",
        twin(&|t| t.try_fill_(7.5).map(|_| ())),
        run(&|t| {
            t.fill_(7.5);
        }),
        Tensor::full(7.5),
    );
}

#[test]
fn comparisons() {
    type T = Tensor<Rank2<3, 4>, i64>;
    type B = Tensor<Rank2<3, 4>, bool>;
    // Each comparison's twin and plain form, as function pointers.
    type WithTensor = (fn(&T, &T) -> Result<B>, fn(&T, &T) -> B);
    type WithScalar = (fn(&T, i64) -> Result<B>, fn(&T, i64) -> B);
    let (a, b) = (ints(4), ints(5));
    let with_tensor: [(&str, CmpOp, WithTensor); 6] = [
        ("try_eq", CmpOp::Eq, (T::try_eq, T::eq)),
        ("try_ne", CmpOp::Ne, (T::try_ne, T::ne)),
        ("try_lt", CmpOp::Lt, (T::try_lt, T::lt)),
        ("try_le", CmpOp::Le, (T::try_le, T::le)),
        ("try_gt", CmpOp::Gt, (T::try_gt, T::gt)),
        ("try_ge", CmpOp::Ge, (T::try_ge, T::ge)),
    ];
    for (what, op, (twin, plain)) in with_tensor {
        let reference = a.try_compare(op, &b).unwrap();
        same(what, twin(&a, &b), plain(&a, &b), reference);
    }
    let with_scalar: [(&str, CmpOp, WithScalar); 6] = [
        ("try_eq_scalar", CmpOp::Eq, (T::try_eq_scalar, T::eq_scalar)),
        ("try_ne_scalar", CmpOp::Ne, (T::try_ne_scalar, T::ne_scalar)),
        ("try_lt_scalar", CmpOp::Lt, (T::try_lt_scalar, T::lt_scalar)),
        ("try_le_scalar", CmpOp::Le, (T::try_le_scalar, T::le_scalar)),
        ("try_gt_scalar", CmpOp::Gt, (T::try_gt_scalar, T::gt_scalar)),
        ("try_ge_scalar", CmpOp::Ge, (T::try_ge_scalar, T::ge_scalar)),
    ];
    for (what, op, (twin, plain)) in with_scalar {
        let reference = a.try_compare_scalar(op, 1).unwrap();
        same(what, twin(&a, 1), plain(&a, 1), reference);
    }

    let (x, y, vx, vy) = floats(6);
    let mask = Tensor::<Rank1<4>, bool>::from_vec(vec![true, false, false, true]).unwrap();
    let mut twin = x.detach();
    let twin = twin.try_masked_fill_(&mask, 9.0).map(|t| t.clone());
    let mut plain = x.detach();
    plain.masked_fill_(&mask, 9.0);
    let filled = x.try_masked_fill(&mask, 9.0).unwrap().detach();
    same("try_masked_fill_", twin, plain, filled);

    let cond = x.lt(&y);
    let picked = from(zip(&vx, &vy, |p, q| if p < q { p } else { q }));
    same(
        "try_where_",
        x.try_where_(&cond, &y),
        x.where_(&cond, &y),
        picked,
    );
}

/// Plain-loop reductions of a `[3, 4]` row-major tensor along dimension 0 or 1.
fn along<E: Copy, O>(v: &[E], dim: usize, f: impl Fn(&[E]) -> O) -> Vec<O> {
    let lines: Vec<Vec<E>> = match dim {
        0 => (0..4)
            .map(|j| (0..3).map(|i| v[i * 4 + j]).collect())
            .collect(),
        _ => v.chunks(4).map(<[E]>::to_vec).collect(),
    };
    lines.iter().map(|l| f(l)).collect()
}

fn first_index(v: &[i64], better: impl Fn(i64, i64) -> bool) -> i64 {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if better(x, v[best]) {
            best = i;
        }
    }
    best as i64
}

#[test]
fn reductions() {
    let a = ints(7);
    let v = a.to_vec();
    let sum = |l: &[i64]| l.iter().sum::<i64>();
    let max = |l: &[i64]| *l.iter().max().unwrap();
    let min = |l: &[i64]| *l.iter().min().unwrap();
    let argmax = |l: &[i64]| first_index(l, |x, b| x > b);
    let argmin = |l: &[i64]| first_index(l, |x, b| x < b);
    let scalar = |x: i64| from::<Rank0, i64>(vec![x]);

    same("try_sum", a.try_sum(), a.sum(), scalar(sum(&v)));
    same("try_argmax", a.try_argmax(), a.argmax(), scalar(argmax(&v)));
    same("try_argmin", a.try_argmin(), a.argmin(), scalar(argmin(&v)));
    let row = |f: &dyn Fn(&[i64]) -> i64| from::<Rank1<3>, i64>(along(&v, 1, f));
    same(
        "try_sum_dim",
        a.try_sum_dim::<1>(),
        a.sum_dim::<1>(),
        row(&sum),
    );
    same(
        "try_max_dim",
        a.try_max_dim::<1>(),
        a.max_dim::<1>(),
        row(&max),
    );
    same(
        "try_min_dim",
        a.try_min_dim::<1>(),
        a.min_dim::<1>(),
        row(&min),
    );
    let arg = a.argmax_dim::<1>();
    same("try_argmax_dim", a.try_argmax_dim::<1>(), arg, row(&argmax));
    let arg = a.argmin_dim::<1>();
    same("try_argmin_dim", a.try_argmin_dim::<1>(), arg, row(&argmin));
    let col = |f: &dyn Fn(&[i64]) -> i64| from::<Rank2<1, 4>, i64>(along(&v, 0, f));
    let keep = a.sum_dim_keepdim::<0>();
    same(
        "try_sum_dim_keepdim",
        a.try_sum_dim_keepdim::<0>(),
        keep,
        col(&sum),
    );
    let keep = a.max_dim_keepdim::<0>();
    same(
        "try_max_dim_keepdim",
        a.try_max_dim_keepdim::<0>(),
        keep,
        col(&max),
    );

    // Means of small integers in f64: the sums are exact, so one division is the reference.
    let f = a.to_dtype::<f64>().requires_grad_();
    let vf = f.to_vec();
    let mean = |l: &[f64]| l.iter().sum::<f64>() / l.len() as f64;
    same("try_mean", f.try_mean(), f.mean(), from(vec![mean(&vf)]));
    let m = from::<Rank1<3>, f64>(along(&vf, 1, mean));
    same("try_mean_dim", f.try_mean_dim::<1>(), f.mean_dim::<1>(), m);
    let m = from::<Rank2<1, 4>, f64>(along(&vf, 0, mean));
    let keep = f.mean_dim_keepdim::<0>();
    same(
        "try_mean_dim_keepdim",
        f.try_mean_dim_keepdim::<0>(),
        keep,
        m,
    );

    // No elements: the twins of the extremes return the error their plain forms panic with.
    let empty = Tensor::<Rank2<0, 3>>::zeros();
    assert!(empty.try_argmax().is_err());
    assert!(empty.try_argmin().is_err());
    assert!(empty.try_max_dim::<0>().is_err());
    assert!(empty.try_min_dim::<0>().is_err());
    assert!(empty.try_max_dim_keepdim::<0>().is_err());
    assert!(empty.try_argmax_dim::<0>().is_err());
    assert!(empty.try_argmin_dim::<0>().is_err());
    assert!(empty.try_sum_dim::<0>().is_ok());
}

#[test]
fn copies_and_casts() {
    let (a, _, _, _) = floats(8);
    let at = a.t(); // not contiguous: `contiguous` copies
    let dense = from::<Rank2<4, 3>, f32>(at.to_vec());
    same(
        "try_contiguous",
        at.try_contiguous(),
        at.contiguous(),
        dense,
    );

    let src = Tensor::<Rank1<4>>::randn();
    let mut twin = Tensor::<Rank2<3, 4>>::zeros();
    let twin = twin.try_copy_(&src).map(|t| t.clone());
    let mut plain = Tensor::<Rank2<3, 4>>::zeros();
    plain.copy_(&src);
    let rows = from(src.to_vec().repeat(3));
    same("try_copy_", twin, plain, rows);

    let x = a.mul_scalar(3.0);
    same(
        "try_long",
        x.try_long(),
        x.long(),
        x.try_to_dtype().unwrap(),
    );
    same("try_int", x.try_int(), x.int(), x.try_to_dtype().unwrap());
    same(
        "try_float",
        x.try_float(),
        x.float(),
        x.try_to_dtype().unwrap(),
    );
    same(
        "try_double",
        x.try_double(),
        x.double(),
        x.try_to_dtype().unwrap(),
    );
    let bits = x.long();
    same(
        "try_bool",
        bits.try_bool(),
        bits.bool(),
        bits.try_to_dtype().unwrap(),
    );
}

#[test]
fn creation() {
    let x = Tensor::<Rank1<2>, i64>::zeros();
    same(
        "try_new_full",
        x.try_new_full::<Rank2<2, 3>>(4),
        x.new_full::<Rank2<2, 3>>(4),
        Tensor::full(4),
    );
    same(
        "try_new_full_dtype",
        x.try_new_full_dtype::<Rank2<2, 3>, f64>(2.5),
        x.new_full_dtype::<Rank2<2, 3>, f64>(2.5),
        Tensor::full(2.5),
    );
    same(
        "try_new_zeros",
        x.try_new_zeros::<Rank3<1, 2, 3>>(),
        x.new_zeros::<Rank3<1, 2, 3>>(),
        Tensor::full(0),
    );
    same(
        "try_new_zeros_dtype",
        x.try_new_zeros_dtype::<Rank2<2, 3>, bool>(),
        x.new_zeros_dtype::<Rank2<2, 3>, bool>(),
        Tensor::full(false),
    );
    same(
        "try_new_ones",
        x.try_new_ones::<Rank2<2, 3>>(),
        x.new_ones::<Rank2<2, 3>>(),
        Tensor::full(1),
    );
    same(
        "try_new_ones_dtype",
        x.try_new_ones_dtype::<Rank2<2, 3>, f32>(),
        x.new_ones_dtype::<Rank2<2, 3>, f32>(),
        Tensor::full(1.0),
    );
    let y = Tensor::<Rank2<2, 3>>::randn();
    same(
        "try_zeros_like",
        y.try_zeros_like(),
        y.zeros_like(),
        Tensor::full(0.0),
    );
    same(
        "try_ones_like",
        y.try_ones_like(),
        y.ones_like(),
        Tensor::full(1.0),
    );
    same(
        "try_full_like",
        y.try_full_like(-2.0),
        y.full_like(-2.0),
        Tensor::full(-2.0),
    );

    // Random: the same seed gives the same samples as the CPU constructors.
    let seeded = |f: &dyn Fn() -> Tensor<Rank2<2, 3>>| {
        manual_seed(11);
        f()
    };
    manual_seed(11);
    let twin = y.try_rand_like();
    same(
        "try_rand_like",
        twin,
        seeded(&|| y.rand_like()),
        seeded(&|| Tensor::rand()),
    );
    manual_seed(11);
    let twin = y.try_randn_like();
    same(
        "try_randn_like",
        twin,
        seeded(&|| y.randn_like()),
        seeded(&|| Tensor::randn()),
    );
    manual_seed(11);
    let twin = y.try_randn_like_dtype::<f64>();
    manual_seed(11);
    let plain = y.randn_like_dtype::<f64>();
    manual_seed(11);
    same("try_randn_like_dtype", twin, plain, Tensor::randn());
}

#[test]
fn reshapes_of_a_non_contiguous_tensor() {
    // A transposed tensor cannot be viewed in another shape without a copy, the step that
    // can fail on a device.
    let (a, _, _, _) = floats(9);
    let at = a.t();
    let v = at.to_vec();
    same(
        "try_view",
        at.try_view::<Rank1<12>>(),
        at.view::<Rank1<12>>(),
        from(v.clone()),
    );
    same(
        "try_reshape",
        at.try_reshape::<(Infer, Dim<2>)>(),
        at.reshape::<(Infer, Dim<2>)>(),
        from::<Rank2<6, 2>, f32>(v.clone()),
    );
    same(
        "try_flatten",
        at.try_flatten(),
        at.flatten(),
        from(v.clone()),
    );
    same(
        "try_unsqueeze",
        at.try_unsqueeze::<1>(),
        at.unsqueeze::<1>(),
        from::<Rank3<4, 1, 3>, f32>(v.clone()),
    );
    same(
        "try_view_any",
        at.try_view_any::<Rank2<2, 6>>(),
        at.view_any::<Rank2<2, 6>>(),
        from(v),
    );
}

#[test]
fn mse_loss() {
    let x = ints(12).to_dtype::<f64>().requires_grad_();
    let y = ints(13).to_dtype::<f64>();
    let sq: f64 = zip(&x.to_vec(), &y.to_vec(), |p, q| (p - q) * (p - q))
        .iter()
        .sum();
    for (reduction, want) in [(Reduction::Sum, sq), (Reduction::Mean, sq / 12.0)] {
        let loss = MSELoss::new(reduction);
        same(
            "try_forward",
            loss.try_forward(&x, &y),
            loss.forward(&x, &y),
            from(vec![want]),
        );
    }
}

/// Every in-place `try_` form on a leaf that requires grad, outside `no_grad`, returns
/// `Err` (PyTorch raises) without panicking and without changing the tensor, and its plain
/// form panics with the same message; inside `no_grad` each one works.
#[test]
fn in_place_forms_on_a_leaf_that_requires_grad() {
    type T = Tensor<Rank2<2, 3>>;
    let (row, mask) = (
        Tensor::<Rank1<3>>::ones(),
        Tensor::<Rank1<3>, bool>::full(true),
    );
    let src = T::full(2.0);
    type Form<'a> = Box<dyn Fn(&mut T) -> Result<()> + 'a>;
    let forms: Vec<(&str, Form<'_>)> = vec![
        (
            "try_add_",
            Box::new(|t: &mut T| t.try_add_(&row).map(|_| ())),
        ),
        (
            "try_sub_",
            Box::new(|t: &mut T| t.try_sub_(&row).map(|_| ())),
        ),
        (
            "try_mul_",
            Box::new(|t: &mut T| t.try_mul_(&row).map(|_| ())),
        ),
        (
            "try_div_",
            Box::new(|t: &mut T| t.try_div_(&row).map(|_| ())),
        ),
        (
            "try_add_scalar_",
            Box::new(|t: &mut T| t.try_add_scalar_(1.0).map(|_| ())),
        ),
        (
            "try_mul_scalar_",
            Box::new(|t: &mut T| t.try_mul_scalar_(2.0).map(|_| ())),
        ),
        (
            "try_div_scalar_",
            Box::new(|t: &mut T| t.try_div_scalar_(2.0).map(|_| ())),
        ),
        (
            "try_clamp_",
            Box::new(|t: &mut T| t.try_clamp_(Some(2.0), None).map(|_| ())),
        ),
        ("try_zero_", Box::new(|t: &mut T| t.try_zero_().map(|_| ()))),
        (
            "try_fill_",
            Box::new(|t: &mut T| t.try_fill_(3.0).map(|_| ())),
        ),
        (
            "try_masked_fill_",
            Box::new(|t: &mut T| t.try_masked_fill_(&mask, 4.0).map(|_| ())),
        ),
        (
            "try_copy_",
            Box::new(|t: &mut T| t.try_copy_(&src).map(|_| ())),
        ),
        (
            "try_add_out",
            Box::new(|t: &mut T| src.try_add_out(&row, t)),
        ),
        (
            "try_sub_out",
            Box::new(|t: &mut T| src.try_sub_out(&row, t)),
        ),
        (
            "try_mul_out",
            Box::new(|t: &mut T| src.try_mul_out(&row, t)),
        ),
        (
            "try_div_out",
            Box::new(|t: &mut T| src.try_div_out(&row, t)),
        ),
        (
            "try_numpy_mut",
            Box::new(|t: &mut T| t.try_numpy_mut().map(|_| ())),
        ),
    ];
    for (what, f) in forms {
        let mut w = T::ones().requires_grad_();
        let e = match f(&mut w) {
            Err(e) => e,
            Ok(()) => panic!("{what}: Ok on a leaf that requires grad"),
        };
        assert!(e.to_string().contains("requires grad"), "{what}: {e}");
        assert_eq!(w.to_vec(), vec![1.0; 6], "{what}: changed the tensor");
        assert!(
            w.requires_grad() && w.is_leaf(),
            "{what}: lost its identity"
        );
        crate::autograd::no_grad(|| f(&mut w)).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(
            w.requires_grad() && w.is_leaf(),
            "{what}: lost its identity"
        );
    }
    // The plain forms panic with the same message.
    let mut w = T::ones().requires_grad_();
    let message = w.try_add_(&row).map(|_| ()).unwrap_err().to_string();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        w.add_(&row);
    }));
    let panic = r.unwrap_err();
    let text = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.ends_with(&message), "{text}");
}

/// `clamp` needs at least one bound: `try_clamp(None, None)` is an `Err` (PyTorch raises),
/// `clamp(None, None)` panics with its message.
#[test]
fn clamp_without_bounds_is_refused() {
    let x = Tensor::<Rank1<3>>::arange();
    let e = x.try_clamp(None, None).unwrap_err();
    assert!(
        e.to_string().contains("at least one of `min` and `max`"),
        "{e}"
    );
    assert!(x.try_unary(UnaryOp::Clamp(None, None)).is_err());
    let mut y = x.clone();
    assert!(y.try_clamp_(None, None).is_err());
    assert_eq!(y.to_vec(), x.to_vec());
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| x.clamp(None, None)));
    assert!(r.is_err());
}

/// A tensor too large for memory is an `Err` from every `try_` form that would allocate it
/// and a panic from the plain forms, never an abort. 2^50 `f32`s (4 PiB) exceed any
/// address space, so the allocation fails whatever the machine's overcommit policy (the
/// issue's 2^40 fails here too, but could be overcommitted elsewhere).
#[test]
fn out_of_memory_is_an_err_not_an_abort() {
    use crate::Cpu;
    const N: usize = 1 << 50;
    let oom = |what: &str, e: crate::Error| {
        assert!(e.to_string().contains("out of memory"), "{what}: {e}");
    };
    oom(
        "try_zeros_on",
        Tensor::<Rank1<N>>::try_zeros_on(&Cpu).unwrap_err(),
    );
    oom(
        "try_full_on",
        Tensor::<Rank1<N>, i64>::try_full_on(7, &Cpu).unwrap_err(),
    );
    // A broadcast view of that size costs nothing until an op must materialise it.
    let v = Tensor::<Rank2<1, 1>>::ones().expand_dim::<0, N>();
    oom("try_contiguous", v.try_contiguous().unwrap_err());
    oom("try_to_vec", v.try_to_vec().unwrap_err());
    oom("try_add", v.try_add(&v).unwrap_err());
    oom("try_mul_scalar", v.try_mul_scalar(2.0).unwrap_err());
    oom("try_exp", v.try_exp().unwrap_err());
    oom("try_lt_scalar", v.try_lt_scalar(0.0).unwrap_err());
    oom("try_to_dtype", v.try_to_dtype::<f64>().unwrap_err());
    oom("try_zeros_like", v.try_zeros_like().unwrap_err());
    oom("try_randn_like", v.try_randn_like().unwrap_err());
    oom("try_view", v.try_view::<Rank1<N>>().unwrap_err());
    oom("try_sum_dim::<1>", v.try_sum_dim::<1>().unwrap_err());
    oom(
        "try_numpy_mut",
        v.clone().try_numpy_mut().map(|_| ()).unwrap_err(),
    );
    let mut w = v.clone();
    oom(
        "try_add_scalar_",
        w.try_add_scalar_(1.0).map(|_| ()).unwrap_err(),
    );
    // The plain forms panic with the message (an abort would end this test process).
    for (what, f) in [
        (
            "zeros",
            &(|| drop(Tensor::<Rank1<N>>::zeros())) as &dyn Fn(),
        ),
        ("rand", &|| drop(Tensor::<Rank1<N>>::rand())),
        ("contiguous", &|| drop(v.contiguous())),
        ("exp", &|| drop(v.exp())),
    ] {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let p = r.expect_err(what);
        let text = p.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(text.contains("out of memory"), "{what}: {text}");
    }
}
