//! The graph's lifetime: `backward()` frees what it ran, as PyTorch does.
use std::sync::Arc;

use crate::{Rank0, Rank1, Tensor, tensor};

#[test]
fn a_second_backward_through_a_freed_graph_is_an_error() {
    let x = Tensor::<Rank1<3>>::arange().requires_grad_();
    let y = (&x * &x).sum();
    y.backward();
    assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 2.0, 4.0]);
    let e = y.try_backward().unwrap_err();
    assert!(e.to_string().contains("backward_retain_graph"), "{e}");
    assert_eq!(x.grad().unwrap().to_vec(), vec![0.0, 2.0, 4.0], "unchanged");
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| y.backward()));
    let text = r.unwrap_err().downcast_ref::<String>().cloned().unwrap();
    assert!(text.ends_with(&e.to_string()), "{text}");
    // The grad_fn's name stays, as in PyTorch.
    assert_eq!(y.grad_fn(), Some("SumBackward0"));
}

#[test]
fn retain_graph_keeps_it_for_another_pass() {
    let x = tensor(3.0f64).requires_grad_();
    let y = &x * &x;
    y.backward_retain_graph();
    y.try_backward_retain_graph().unwrap();
    y.backward();
    assert_eq!(x.grad().unwrap().item(), 18.0);
    assert!(y.try_backward().is_err());
}

#[test]
fn backward_frees_the_saved_tensors() {
    let x = Tensor::<Rank1<4>>::ones().requires_grad_();
    let before = Arc::strong_count(&x.storage);
    let y = (&x * &x).sum(); // MulBackward0 saves x
    assert!(Arc::strong_count(&x.storage) > before);
    y.backward();
    assert_eq!(Arc::strong_count(&x.storage), before);
}

#[test]
fn a_shared_part_freed_by_one_loss_refuses_the_other() {
    let x = Tensor::<Rank1<2>>::ones().requires_grad_();
    let h = &x * 2.0;
    let (a, b) = (h.sum(), (&h * &h).sum());
    a.backward();
    let before = x.grad().unwrap().to_vec();
    assert!(b.try_backward().is_err());
    assert_eq!(
        x.grad().unwrap().to_vec(),
        before,
        "a refused pass changes nothing"
    );
}

#[test]
fn a_leaf_has_no_graph_to_free() {
    let x = tensor(1.0f32).requires_grad_();
    x.backward();
    x.backward();
    assert_eq!(x.grad().unwrap().item(), 2.0);
    let none = Tensor::<Rank0>::zeros();
    assert!(none.try_backward().is_err());
}
