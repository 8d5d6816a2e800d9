//! `Display` of tensors made through the public API, against PyTorch's own output for the
//! lesson's values (the full golden suite is in `src/print/tests.rs`).
use typetensor::{Rank0, Rank1, Rank2, Tensor, tensor};

#[test]
fn lesson_rand_5x3() {
    let x = tensor([
        [0.2449f32, 0.8412, 0.6487],
        [0.1779, 0.5634, 0.4302],
        [0.5804, 0.2735, 0.9928],
        [0.8712, 0.2792, 0.2858],
        [0.8749, 0.4141, 0.8015],
    ]);
    let expected = "tensor([[0.2449, 0.8412, 0.6487],
        [0.1779, 0.5634, 0.4302],
        [0.5804, 0.2735, 0.9928],
        [0.8712, 0.2792, 0.2858],
        [0.8749, 0.4141, 0.8015]])";
    assert_eq!(x.to_string(), expected);
    assert_eq!(format!("{x:?}"), expected, "repr equals str, as in PyTorch");
}

#[test]
fn lesson_randn_like_switches_to_scientific() {
    let x = tensor([
        [7.5098e-01f32, -2.1833e+00, 1.7353e+00],
        [-1.9543e+00, 1.3971e-03, 9.1297e-02],
        [2.4668e+00, 1.3432e+00, 1.4745e-01],
        [-1.1110e+00, -8.8386e-01, 1.5700e+00],
        [5.7871e-01, 6.8120e-01, -1.5284e-01],
    ]);
    let expected = "tensor([[ 7.5098e-01, -2.1833e+00,  1.7353e+00],
        [-1.9543e+00,  1.3971e-03,  9.1297e-02],
        [ 2.4668e+00,  1.3432e+00,  1.4745e-01],
        [-1.1110e+00, -8.8386e-01,  1.5700e+00],
        [ 5.7871e-01,  6.8120e-01, -1.5284e-01]])";
    assert_eq!(x.to_string(), expected);
    // x[1:, 1:] of the same tensor, printed through a strided view.
    let corner = x.slice_from::<0, 1>().slice_from::<1, 1>();
    assert_eq!(
        corner.to_string(),
        "tensor([[ 1.3971e-03,  9.1297e-02],
        [ 1.3432e+00,  1.4745e-01],
        [-8.8386e-01,  1.5700e+00],
        [ 6.8120e-01, -1.5284e-01]])"
    );
}

#[test]
fn lesson_dtypes_shapes_and_scalars() {
    assert_eq!(
        Tensor::<Rank2<5, 3>, i64>::zeros().to_string(),
        "tensor([[0, 0, 0],\n        [0, 0, 0],\n        [0, 0, 0],\n        [0, 0, 0],\n        [0, 0, 0]])"
    );
    let ones = Tensor::<Rank2<2, 3>, f64>::ones();
    assert_eq!(
        ones.to_string(),
        "tensor([[1., 1., 1.],\n        [1., 1., 1.]], dtype=torch.float64)"
    );
    assert_eq!(ones.shape().to_string(), "torch.Size([2, 3])");
    assert_eq!(ones.dtype().to_string(), "torch.float64");
    assert_eq!(tensor([2.6816f32]).to_string(), "tensor([2.6816])");
    assert_eq!(Tensor::<Rank0>::full(2.5).to_string(), "tensor(2.5000)");
    assert_eq!(tensor([true, false]).to_string(), "tensor([ True, False])");
    assert_eq!(
        Tensor::<Rank1<3>, i32>::arange().to_string(),
        "tensor([0, 1, 2], dtype=torch.int32)"
    );
}
