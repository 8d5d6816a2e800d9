// Slicing, `cat`, `index_select` and every reduction in their valid forms.
use typetensor::{Rank0, Rank1, Rank2, Rank3, Tensor, tensor};

fn main() {
    let x = Tensor::<Rank2<5, 3>>::arange();
    let corner: Tensor<Rank2<4, 2>> = x.slice_from::<0, 1>().slice_from::<1, 1>(); // x[1:, 1:]
    assert_eq!(
        corner.to_vec(),
        vec![4.0, 5.0, 7.0, 8.0, 10.0, 11.0, 13.0, 14.0]
    );
    let _rows: Tensor<Rank2<2, 3>> = x.narrow::<0, 1, 2>(); // x[1:3]
    let _all: Tensor<Rank2<5, 3>> = x.narrow::<0, 0, 5>();
    let _none: Tensor<Rank2<5, 0>> = x.slice_from::<1, 3>();
    let _last: Tensor<Rank2<5, 1>> = x.narrow::<1, 2, 1>();
    let _big: Tensor<Rank1<1000>> = Tensor::<Rank1<1024>>::zeros().slice_from::<0, 24>();

    let a = tensor([[1.0f32, 2.0]]);
    let b = tensor([[3.0f32, 4.0], [5.0, 6.0]]);
    let ab: Tensor<Rank2<3, 2>> = a.cat::<0, _>(&b);
    assert_eq!(ab.to_vec(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let _wide: Tensor<Rank2<2, 4>> = b.cat::<1, _>(&b);
    let _v: Tensor<Rank1<5>> = tensor([1.0f32, 2.0]).cat::<0, _>(&tensor([3.0f32, 4.0, 5.0]));
    let _r3: Tensor<Rank3<2, 3, 8>> =
        Tensor::<Rank3<2, 3, 4>>::zeros().cat::<2, _>(&Tensor::<Rank3<2, 3, 4>>::ones());
    let _t: Tensor<Rank2<3, 2>> = a.try_cat::<0, _>(&b).unwrap();

    let sel: Tensor<Rank2<2, 2>> = b.index_select::<0, 2>(&tensor([1i64, 0])).unwrap();
    assert_eq!(sel.to_vec(), vec![5.0, 6.0, 3.0, 4.0]);
    let _cols: Tensor<Rank2<5, 4>> = x.index_select::<1, 4>(&tensor([0i64, 0, 2, 1])).unwrap();
    assert!(x.index_select::<0, 1>(&tensor([5i64])).is_err());

    let m = Tensor::<Rank3<2, 3, 4>>::ones();
    let total: Tensor<Rank0> = m.sum();
    assert_eq!(total.item(), 24.0);
    let _s0: Tensor<Rank2<3, 4>> = m.sum_dim::<0>();
    let _s1: Tensor<Rank2<2, 4>> = m.sum_dim::<1>();
    let _s2: Tensor<Rank2<2, 3>> = m.sum_dim::<2>();
    let _k: Tensor<Rank3<2, 1, 4>> = m.sum_dim_keepdim::<1>();
    let _mx: Tensor<Rank2<2, 3>> = m.max_dim::<2>();
    let _mn: Tensor<Rank2<3, 4>> = m.min_dim::<0>();
    let _mk: Tensor<Rank3<1, 3, 4>> = m.max_dim_keepdim::<0>();
    let _am: Tensor<Rank2<2, 4>, i64> = m.argmax_dim::<1>();
    let _an: Tensor<Rank2<2, 3>, i64> = m.argmin_dim::<2>();
    let _me: Tensor<Rank2<2, 4>> = m.mean_dim::<1>();
    let _mek: Tensor<Rank3<2, 3, 1>> = m.mean_dim_keepdim::<2>();
    assert_eq!(m.mean().item(), 1.0);
    assert_eq!((m.max().item(), m.min().item()), (1.0, 1.0));
    assert!(m.try_max().is_ok() && m.try_min().is_ok());
    assert_eq!(x.argmax().item(), 14);
    assert_eq!(x.argmin().item(), 0);
    let v = tensor([3i64, 1, 2]);
    assert_eq!(v.sum().item(), 6);
    assert_eq!(v.argmax_dim::<0>().item(), 0);
    let _scalar_sum: Tensor<Rank0> = Tensor::<Rank0>::ones().sum();
}
