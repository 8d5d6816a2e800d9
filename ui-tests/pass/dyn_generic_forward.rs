// Generic code over the batch size takes a run-time batch (`DYN`) unchanged: the lesson's
// forward pass, a bias, reductions, views and slices, a loss, and conversions both ways.
use typetensor::data::{DataLoader, TensorDataset};
use typetensor::nn::{Linear, MSELoss, Module, ReLU, Reduction, Sequential};
use typetensor::{DYN, Dim, Infer, Rank1, Rank2, Tensor};

fn forward<const B: usize>(
    x: &Tensor<Rank2<B, 1000>>,
    w1: &Tensor<Rank2<1000, 100>>,
    b1: &Tensor<Rank1<100>>,
    w2: &Tensor<Rank2<100, 10>>,
) -> Tensor<Rank2<B, 10>> {
    (x.mm(w1) + b1).relu().mm(w2)
}

fn main() {
    let w1 = Tensor::<Rank2<1000, 100>>::randn();
    let b1 = Tensor::<Rank1<100>>::zeros();
    let w2 = Tensor::<Rank2<100, 10>>::randn();
    let n = std::env::args().count() + 2; // known only at run time
    let x = Tensor::<Rank2<DYN, 1000>>::randn_dims(&[n, 1000]).unwrap();
    let y: Tensor<Rank2<DYN, 10>> = forward(&x, &w1, &b1, &w2);
    assert_eq!(y.shape(), [n, 10]);
    let fixed: Tensor<Rank2<64, 10>> = forward(&Tensor::randn(), &w1, &b1, &w2);
    let _ = fixed.to_dyn::<0>();
    let _rows: Tensor<Rank1<DYN>> = y.sum_dim::<1>();
    let _flat: Tensor<Rank1<DYN>> = y.flatten();
    let _pairs: Tensor<Rank2<DYN, 2>> = y.view::<(Infer, Dim<2>)>();
    let _tail: Tensor<Rank2<DYN, 10>> = y.slice_from::<0, 1>();
    let _first: Tensor<Rank2<1, 10>> = y.narrow::<0, 0, 1>();
    let _back: Tensor<Rank2<DYN, 10>> = y.cat::<0, _>(&fixed);
    let static_y = y.try_into_shape::<Rank2<3, 10>>();
    assert_eq!(static_y.is_ok(), n == 3);

    let model = Sequential::new((Linear::<1000, 100>::new(), ReLU, Linear::<100, 10>::new()));
    let loss = MSELoss::new(Reduction::Mean).forward(&model.forward(&x), &y);
    loss.backward();

    let ds = TensorDataset::new((x, y)).unwrap();
    for (xb, yb) in DataLoader::<2, _>::new(&ds).full_batches(0) {
        let _: (Tensor<Rank2<2, 1000>>, Tensor<Rank2<2, 10>>) = (xb, yb);
    }
}
