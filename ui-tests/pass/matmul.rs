// `mm` and every `matmul` form: vector·vector, matrix·vector, vector·matrix, matrix·matrix,
// batched (equal batches, batch × shared matrix, matrix × batch), rank 4, transposed operands.
use typetensor::{Rank0, Rank1, Rank2, Rank3, Rank4, Tensor};

fn main() {
    let x = Tensor::<Rank2<64, 1000>>::ones();
    let w1 = Tensor::<Rank2<1000, 100>>::ones();
    let h: Tensor<Rank2<64, 100>> = x.mm(&w1);
    assert_eq!(h.shape(), [64, 100]);
    let g: Tensor<Rank2<1000, 100>> = x.t().mm(&h);
    assert_eq!(g.to_vec()[0], 64.0 * 1000.0);
    let _r: Tensor<Rank2<64, 100>> = x.try_mm(&w1).unwrap();

    let v3 = Tensor::<Rank1<3>>::ones();
    let m43 = Tensor::<Rank2<4, 3>>::ones();
    let m35 = Tensor::<Rank2<3, 5>>::ones();
    let dot: Tensor<Rank0> = v3.matmul(&v3);
    assert_eq!(dot.item(), 3.0);
    let _mv: Tensor<Rank1<4>> = m43.matmul(&v3);
    let _vm: Tensor<Rank1<5>> = v3.matmul(&m35);
    let _mm: Tensor<Rank2<4, 5>> = m43.matmul(&m35);

    let a = Tensor::<Rank3<2, 4, 3>>::ones();
    let b = Tensor::<Rank3<2, 3, 5>>::ones();
    let c: Tensor<Rank3<2, 4, 5>> = a.matmul(&b);
    assert_eq!(c.to_vec(), vec![3.0; 40]);
    let _c2: Tensor<Rank3<2, 4, 5>> = a.matmul(&m35);
    let _c3: Tensor<Rank3<2, 4, 5>> = m43.matmul(&b);
    let _c4: Tensor<Rank2<2, 4>> = a.matmul(&v3);

    let q = Tensor::<Rank4<2, 8, 16, 32>>::ones();
    let k = Tensor::<Rank4<2, 8, 32, 16>>::ones();
    let _s: Tensor<Rank4<2, 8, 16, 16>> = q.matmul(&k);
    let _s2: Tensor<Rank4<2, 8, 16, 5>> = q.matmul(&Tensor::<Rank2<32, 5>>::ones());

    let i = Tensor::<Rank2<2, 2>, i64>::ones();
    assert_eq!(i.mm(&i).to_vec(), vec![2, 2, 2, 2]);
    let d = Tensor::<Rank2<2, 2>, f64>::ones();
    let _dd = d.matmul(&d).try_matmul(&d).unwrap();
}
