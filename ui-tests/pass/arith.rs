// Every elementwise arithmetic op in its valid forms: equal shapes, trailing-dim broadcasts
// both ways, scalars, in-place and `out=`.
use typetensor::{Rank0, Rank1, Rank2, Rank3, Rank4, Tensor, tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::ones();
    let y = Tensor::<Rank2<5, 3>>::ones();
    let bias = Tensor::<Rank1<3>>::full(10.0);
    let s = Tensor::<Rank0>::full(2.0);

    let a: Tensor<Rank2<5, 3>> = &x + &y;
    assert_eq!(a.to_vec(), vec![2.0; 15]);
    let b: Tensor<Rank2<5, 3>> = &x - &y;
    let c: Tensor<Rank2<5, 3>> = &x * &y;
    let d: Tensor<Rank2<5, 3>> = &x / &y;
    let _owned: Tensor<Rank2<5, 3>> = x.clone() + y.clone();
    let _mixed: Tensor<Rank2<5, 3>> = x.clone() - &y;
    let _mixed2: Tensor<Rank2<5, 3>> = &x * y.clone();
    assert_eq!(
        (b.sum().item(), c.sum().item(), d.sum().item()),
        (0.0, 15.0, 15.0)
    );

    // A Rank1 bias onto a Rank2, in either order; a Rank0 scalar onto anything.
    let h: Tensor<Rank2<5, 3>> = &x + &bias;
    assert_eq!(h.to_vec(), vec![11.0; 15]);
    let h2: Tensor<Rank2<5, 3>> = &bias - &x;
    assert_eq!(h2.to_vec(), vec![9.0; 15]);
    let _hs: Tensor<Rank2<5, 3>> = &x * &s;
    let _sh: Tensor<Rank2<5, 3>> = &s * &x;
    let _ss: Tensor<Rank0> = &s / &s;

    // Higher ranks: trailing Rank1/Rank2/Rank3 onto Rank3/Rank4.
    let t3 = Tensor::<Rank3<2, 5, 3>>::ones();
    let _t3a: Tensor<Rank3<2, 5, 3>> = &t3 + &x;
    let _t3b: Tensor<Rank3<2, 5, 3>> = &bias * &t3;
    let t4 = Tensor::<Rank4<4, 2, 5, 3>>::ones();
    let _t4a: Tensor<Rank4<4, 2, 5, 3>> = &t4 + &t3;
    let _t4b: Tensor<Rank4<4, 2, 5, 3>> = &x - &t4;
    let _t4c: Tensor<Rank4<4, 2, 5, 3>> = &t4 / &bias;

    // Method forms.
    let _m: Tensor<Rank2<5, 3>> = x.add(&bias).sub(&y).mul(&s).div(&y);
    let mx: Tensor<Rank2<5, 3>> = x.maximum(&bias);
    assert_eq!(mx.to_vec(), vec![10.0; 15]);
    let _mn: Tensor<Rank2<5, 3>> = bias.minimum(&x);

    // In place: the right side may broadcast onto the left.
    let mut acc = Tensor::<Rank2<5, 3>>::zeros();
    acc.add_(&x).sub_(&bias).mul_(&s).div_(&s);
    acc += &x;
    acc -= &bias;
    acc *= &s;
    acc /= &s;
    acc += x.clone();
    assert_eq!(acc.to_vec(), vec![-17.0; 15]);

    // `out=`.
    let mut result = Tensor::<Rank2<5, 3>>::empty();
    x.add_out(&y, &mut result);
    assert_eq!(result.to_vec(), vec![2.0; 15]);
    x.sub_out(&bias, &mut result);
    x.mul_out(&s, &mut result);
    x.div_out(&y, &mut result);

    // Scalars, unary ops.
    let w = tensor([[1.0f32, -2.0], [3.0, -4.0]]);
    let lr = 0.5f32;
    let _u = (&w * 2.0 + 1.0 - 3.0) / 2.0;
    let _v = lr * &w - 1.0f32 * &w + 2.0 / &w;
    let mut w2 = w.clone();
    w2 -= lr * &w;
    w2 *= 2.0;
    w2 /= 2.0;
    w2 += 1.0;
    let _n = -&w;
    let _f = w
        .abs()
        .relu()
        .clamp(Some(0.0), Some(2.0))
        .clamp_min(0.5)
        .clamp_max(1.5);
    let _g = w.abs().sqrt().exp().log().pow(2.0).sigmoid().tanh().neg();
    let _sc = w
        .add_scalar(1.0)
        .sub_scalar(1.0)
        .mul_scalar(2.0)
        .div_scalar(2.0);
    let mut w3 = w.clone();
    w3.add_scalar_(1.0)
        .mul_scalar_(2.0)
        .div_scalar_(2.0)
        .clamp_(Some(0.0), None);
    assert_eq!(w3.to_vec(), vec![2.0, 0.0, 4.0, 0.0]);
    w3.fill_(7.0).zero_();
    assert_eq!(w3.sum().item(), 0.0);
    let _tr = w.try_add(&w).unwrap();
    let _tu = w
        .try_unary_float(typetensor::ops::unary::FloatUnaryOp::Exp)
        .unwrap();
    let i = tensor([1i64, -2, 3]);
    let _ii = &i * 2 + &i - 1;
    assert_eq!((-&i).abs().to_vec(), vec![1, 2, 3]);
}
