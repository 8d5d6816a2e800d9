// Generic user code over the batch size that compiles WITHOUT where-clauses: mm, clamp/relu,
// a Rank1 bias, t(), sum_dim, transpose, sum(), masked_fill with lt_scalar.
use typetensor::{Rank0, Rank1, Rank2, Tensor};

fn forward<const B: usize>(
    x: Tensor<Rank2<B, 1000>>,
    w1: &Tensor<Rank2<1000, 100>>,
    w2: &Tensor<Rank2<100, 10>>,
) -> Tensor<Rank2<B, 10>> {
    let b1 = Tensor::<Rank1<100>>::zeros();
    let h = x.mm(w1).clamp(Some(0.0), None);
    let h_relu = (&h + &b1).relu();
    h_relu.mm(w2)
}

/// The lesson's backward pass, generic over the batch.
fn backward<const B: usize>(
    x: &Tensor<Rank2<B, 1000>>,
    h: &Tensor<Rank2<B, 100>>,
    y_pred: &Tensor<Rank2<B, 10>>,
    y: &Tensor<Rank2<B, 10>>,
    w2: &Tensor<Rank2<100, 10>>,
) -> (
    Tensor<Rank2<1000, 100>>,
    Tensor<Rank2<100, 10>>,
    Tensor<Rank0>,
) {
    let diff = y_pred - y;
    let loss = diff.pow(2.0).sum();
    let grad_y_pred = &diff * 2.0;
    let h_relu = h.relu();
    let grad_w2 = h_relu.t().mm(&grad_y_pred);
    let grad_h_relu = grad_y_pred.mm(&w2.t());
    let grad_h = grad_h_relu.masked_fill(&h.lt_scalar(0.0), 0.0);
    let grad_w1 = x.t().mm(&grad_h);
    (grad_w1, grad_w2, loss)
}

fn row_sums<const B: usize, const N: usize>(x: &Tensor<Rank2<B, N>>) -> Tensor<Rank1<B>> {
    x.sum_dim::<1>()
}

fn col_sums_t<const B: usize, const N: usize>(x: &Tensor<Rank2<B, N>>) -> Tensor<Rank1<N>> {
    x.transpose::<0, 1>().sum_dim::<1>()
}

fn main() {
    let x = Tensor::<Rank2<4, 1000>>::randn();
    let w1 = Tensor::<Rank2<1000, 100>>::randn();
    let w2 = Tensor::<Rank2<100, 10>>::randn();
    let y_pred: Tensor<Rank2<4, 10>> = forward(x.clone(), &w1, &w2);
    let h = x.mm(&w1);
    let y = Tensor::<Rank2<4, 10>>::randn();
    let (gw1, gw2, loss) = backward(&x, &h, &y_pred, &y, &w2);
    assert_eq!((gw1.shape(), gw2.shape()), (w1.shape(), w2.shape()));
    assert!(loss.item() >= 0.0);
    assert_eq!(row_sums(&y).shape(), [4]);
    assert_eq!(col_sums_t(&y).shape(), [10]);
    // the same generic code at another batch size
    let _y8: Tensor<Rank2<8, 10>> = forward(Tensor::<Rank2<8, 1000>>::zeros(), &w1, &w2);
}
