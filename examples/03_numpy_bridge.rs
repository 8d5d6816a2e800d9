//! Lesson stage 3: the NumPy bridge. ndarray is Rust's NumPy; views borrow the tensor's
//! buffer, so a write through the array is a write to the tensor, as in the lesson.
//!
//! Run: `cargo run --release --example 03_numpy_bridge`
use typetensor::prelude::*;

/// Prints a lesson cell: the PyTorch code it mirrors, then the value.
pub fn cell(pytorch: &str, value: impl std::fmt::Display) {
    println!(">>> {pytorch}\n{value}\n");
}

pub fn main() {
    println!("== 3. NumPy bridge ==\n");

    let mut a = Tensor::<Rank1<5>>::ones();
    cell("a = torch.ones(5); a", &a);
    cell("b = a.numpy(); b", a.numpy());
    {
        let mut b = a.numpy_mut();
        b[1] = 2.0;
        cell("b[1] = 2; b", &b);
    }
    cell("a", &a);

    let a = ndarray::Array1::<f64>::ones(5);
    let mut b = Tensor::<Rank1<5>, f64>::from_numpy(a).unwrap();
    // `from_numpy` moved the array's buffer into the tensor without a copy, so the lesson's
    // `np.add(a, 1, out=a)` is an in-place add through the tensor's array view.
    b.numpy_mut().mapv_inplace(|v| v + 1.0);
    cell(
        "a = np.ones(5); b = torch.from_numpy(a); np.add(a, 1, out=a); print(a)",
        b.numpy(),
    );
    cell("b", &b);
}
