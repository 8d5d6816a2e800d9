// `view`/`reshape`/`flatten` (with and without `Infer`), `view_any`, `unsqueeze`,
// `expand_dim`, `t()`, `transpose` and `permute` in their valid forms.
use typetensor::{Dim, Infer, Rank1, Rank2, Rank3, Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank2<4, 4>>::arange();
    let y: Tensor<Rank1<16>> = x.view::<Rank1<16>>(); // x.view(16)
    let z: Tensor<Rank2<2, 8>> = x.view::<(Infer, Dim<8>)>(); // x.view(-1, 8)
    assert_eq!(y.to_vec(), z.to_vec());
    let _z2: Tensor<Rank2<8, 2>> = x.view::<(Dim<8>, Infer)>();
    let _z3: Tensor<Rank3<2, 2, 4>> = x.view::<(Dim<2>, Infer, Dim<4>)>();
    let _z4: Tensor<Rank4<2, 2, 2, 2>> = x.reshape::<Rank4<2, 2, 2, 2>>();
    let _z5: Tensor<Rank2<4, 4>> = x.view::<(Dim<4>, Dim<4>)>();
    let f: Tensor<Rank1<16>> = x.flatten();
    assert_eq!(f.to_vec(), y.to_vec());
    let _ft: Tensor<Rank1<16>> = x.t().flatten(); // a non-contiguous view is copied
    // sizes in typenum's map: powers of ten, powers of two
    let _p10: Tensor<Rank1<1_000_000>> = Tensor::<Rank2<1000, 1000>>::zeros().flatten();
    let _p2: Tensor<Rank2<2048, 1024>> =
        Tensor::<Rank3<2, 1024, 1024>>::zeros().view::<(Infer, Dim<1024>)>();
    // sizes outside it: view_any
    let big: Tensor<Rank1<999_000>> =
        Tensor::<Rank2<1000, 999>>::zeros().view_any::<Rank1<999_000>>();
    assert_eq!(big.shape(), [999_000]);

    let u0: Tensor<Rank3<1, 4, 4>> = x.unsqueeze::<0>();
    let _u1: Tensor<Rank3<4, 1, 4>> = x.unsqueeze::<1>();
    let _u2: Tensor<Rank3<4, 4, 1>> = x.unsqueeze::<2>();
    let _u4: Tensor<Rank4<1, 1, 4, 4>> = u0.unsqueeze::<0>();
    let col = Tensor::<Rank2<2, 1>>::ones();
    let wide: Tensor<Rank2<2, 3>> = col.expand_dim::<1, 3>();
    assert_eq!(wide.to_vec(), vec![1.0; 6]);
    // explicit broadcast of a size-1 dimension, then elementwise
    let _sum = &Tensor::<Rank2<2, 3>>::ones() + &wide;

    let m = Tensor::<Rank2<2, 8>>::zeros();
    let _mt: Tensor<Rank2<8, 2>> = m.t();
    let _mt2: Tensor<Rank2<8, 2>> = m.transpose::<1, 0>();
    let _mt3: Tensor<Rank2<8, 2>> = m.transpose::<0, 1>();
    let _mp: Tensor<Rank2<8, 2>> = m.permute::<1, 0>();
    let r3 = Tensor::<Rank3<2, 3, 4>>::zeros();
    let _p: Tensor<Rank3<4, 2, 3>> = r3.permute::<2, 0, 1>();
    let _tr: Tensor<Rank3<4, 3, 2>> = r3.transpose::<0, 2>();
    let _same: Tensor<Rank3<2, 3, 4>> = r3.transpose::<1, 1>();
    let r4 = Tensor::<Rank4<2, 3, 4, 5>>::zeros();
    let _p4: Tensor<Rank4<5, 4, 3, 2>> = r4.permute::<3, 2, 1, 0>();
    let _t4: Tensor<Rank4<2, 5, 4, 3>> = r4.transpose::<1, 3>();
}
