// Every element type in the ops it supports: float functions on f32/f64, integer arithmetic
// on i32/i64, bool masks, casts between them, and construction of each.
use typetensor::{Cpu, Rank1, Rank2, Tensor};

fn main() {
    let f = Tensor::<Rank2<2, 2>, f32, Cpu>::ones();
    let d = Tensor::<Rank2<2, 2>, f64>::ones();
    let i = Tensor::<Rank2<2, 2>, i32>::ones();
    let l = Tensor::<Rank2<2, 2>, i64>::arange();
    let b = Tensor::<Rank2<2, 2>, bool>::full(true);

    let _ff = (&f + &f).exp().div(&f);
    let _dd = (&d / &d).log().sqrt();
    let _ii: Tensor<Rank2<2, 2>, i32> = &i * &i - &i;
    let _ll: Tensor<Rank2<2, 2>, i64> = l.mm(&l).add(&l);
    // integer division made explicit: PyTorch's `/` promotes to float
    let q: Tensor<Rank2<2, 2>> = l.float() / i.float();
    assert_eq!(q.to_vec(), vec![0.0, 1.0, 2.0, 3.0]);
    let _mean = l.double().mean();
    let _bits: Tensor<Rank2<2, 2>, i64> = b.long();
    let count: i64 = b.long().sum().item();
    assert_eq!(count, 4);
    // PyTorch's promotion: i32 and bool sums are i64 (`torch.int64`).
    let trues: Tensor<typetensor::Rank0, i64> = b.sum();
    assert_eq!(trues.item(), 4);
    let _rows: Tensor<Rank1<2>, i64> = i.sum_dim::<1>();
    let _fd = &f + &d.float();
    let _r = Tensor::<Rank1<3>, f64>::randn();
    let _r2 = f.randn_like_dtype::<f64>();
    let _r3 = f.rand_like();
    let _n = f.new_ones_dtype::<Rank2<5, 3>, f64>();
    let _z = f.new_zeros_dtype::<Rank1<3>, i64>();
    assert_eq!(f.dtype().to_string(), "torch.float32");
    assert_eq!(b.dtype().to_string(), "torch.bool");
}
