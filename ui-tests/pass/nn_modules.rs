// The nn modules in their valid forms, with a static and a run-time (DYN) batch.
use typetensor::nn::{BatchNorm1d, Embedding, Flatten, LayerNorm, Linear, Module, ReLU, Sequential};
use typetensor::{DYN, Rank1, Rank2, Rank3, Tensor};

fn main() {
    let ln = LayerNorm::<4>::new();
    let _: Tensor<Rank3<2, 3, 4>> = ln.forward(&Tensor::<Rank3<2, 3, 4>>::randn());
    let x = Tensor::<Rank2<DYN, 4>>::randn_dims(&[5, 4]).unwrap();
    let y: Tensor<Rank2<DYN, 4>> = ln.forward(&x);
    assert_eq!(y.shape(), [5, 4]);
    let bn = BatchNorm1d::<4>::new();
    let z: Tensor<Rank2<DYN, 4>> = bn.forward(&x);
    assert_eq!(z.shape(), [5, 4]);
    let _: Tensor<Rank3<2, 4, 6>> = bn.forward(&Tensor::<Rank3<2, 4, 6>>::randn());
    let emb = Embedding::<10, 4>::new();
    let idx = Tensor::<Rank1<DYN>, i64>::from_vec(vec![1, 2, 3]).unwrap();
    let e: Tensor<Rank2<DYN, 4>> = emb.forward(&idx);
    assert_eq!(e.shape(), [3, 4]);
    let model = Sequential::new((Flatten, Linear::<12, 4>::new(), BatchNorm1d::<4>::new(), ReLU, LayerNorm::<4>::new()));
    let out: Tensor<Rank2<2, 4>> = model.forward(&Tensor::<Rank3<2, 3, 4>>::randn());
    assert_eq!(out.shape(), [2, 4]);
}
