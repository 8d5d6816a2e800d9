// Comparisons, masks, `where_`, `copy_`, conversions and `item()` in their valid forms.
use typetensor::{Rank0, Rank1, Rank2, Rank3, Rank4, Tensor, tensor};

fn main() {
    let h = tensor([[-1.0f32, 2.0], [3.0, -4.0]]);
    let zero = Tensor::<Rank2<2, 2>>::zeros();
    let row = tensor([0.0f32, 1.0]);

    let _m: Tensor<Rank2<2, 2>, bool> = h.lt(&zero);
    let _m2: Tensor<Rank2<2, 2>, bool> = h.ge(&row);
    let _m3: Tensor<Rank2<2, 2>, bool> = row.eq(&h);
    let _m4 = h.ne(&zero).bool();
    let _m5 = h.le(&Tensor::<Rank0>::zeros());
    let _m6 = h.gt(&zero);
    for m in [
        h.eq_scalar(2.0),
        h.ne_scalar(2.0),
        h.le_scalar(2.0),
        h.ge_scalar(2.0),
        h.gt_scalar(2.0),
    ] {
        let _ = m;
    }

    // grad_h[h < 0] = 0
    let mut grad_h = Tensor::<Rank2<2, 2>>::ones();
    grad_h.masked_fill_(&h.lt_scalar(0.0), 0.0);
    assert_eq!(grad_h.to_vec(), vec![0.0, 1.0, 1.0, 0.0]);
    // a Rank1 mask broadcast onto a Rank2
    let g = grad_h.masked_fill(&tensor([true, false]), 9.0);
    assert_eq!(g.to_vec(), vec![9.0, 1.0, 9.0, 0.0]);
    let _w: Tensor<Rank2<2, 2>> = h.where_(&h.gt_scalar(0.0), &row);
    let _w2: Tensor<Rank2<2, 2>> = h.where_(&tensor([true, false]), &zero);

    // copy_: same shape, or a source that broadcasts onto the destination.
    let mut x = Tensor::<Rank2<2, 2>>::zeros();
    x.copy_(&row);
    assert_eq!(x.to_vec(), vec![0.0, 1.0, 0.0, 1.0]);
    x.copy_(&h).copy_(&Tensor::<Rank0>::full(3.0));
    let _c = h.t().contiguous();

    // conversions
    let l: Tensor<Rank2<2, 2>, i64> = h.long();
    let _i: Tensor<Rank2<2, 2>, i32> = l.int();
    let _f: Tensor<Rank2<2, 2>> = l.float();
    let _d: Tensor<Rank2<2, 2>, f64> = h.double();
    let _b: Tensor<Rank2<2, 2>, bool> = h.bool();
    let _back: Tensor<Rank2<2, 2>, i64> = h.gt_scalar(0.0).to_dtype::<i64>();
    assert_eq!(h.gt_scalar(0.0).long().sum().item(), 2);

    // item() on every one-element shape
    assert_eq!(Tensor::<Rank0>::full(1.5).item(), 1.5);
    assert_eq!(tensor([2.5f32]).item(), 2.5);
    assert_eq!(Tensor::<Rank2<1, 1>, i64>::ones().item(), 1);
    assert!(Tensor::<Rank3<1, 1, 1>, bool>::full(true).item());
    assert_eq!(
        Tensor::<Rank4<1, 1, 1, 1>, f64>::zeros()
            .try_item()
            .unwrap(),
        0.0
    );
    assert_eq!(h.sum().item(), 0.0);
    let _one: Tensor<Rank1<1>> = Tensor::ones();
}
