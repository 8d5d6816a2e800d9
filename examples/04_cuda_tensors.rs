//! Lesson stage 4: CUDA tensors. Tensors move to a GPU with `to_device`; a tensor's device is
//! part of its type, so `x + y` with `x` on the CPU and `y` on the GPU does not compile.
//!
//! Run: `cargo run --release --features cuda --example 04_cuda_tensors` (without the
//! feature, or without a GPU, it says why CUDA is not available and exits normally).
use typetensor::prelude::*;
use typetensor::{Cuda, Rank1};

/// Prints a lesson cell: the PyTorch code it mirrors, then the value.
pub fn cell(pytorch: &str, value: impl std::fmt::Display) {
    println!(">>> {pytorch}\n{value}\n");
}

pub fn main() {
    println!("== 4. CUDA tensors ==\n");
    manual_seed(4);
    let x = Tensor::<Rank1<1>>::randn(); // the lesson's last `x = torch.randn(1)`
    cell("x", &x);

    // let us run this cell only if CUDA is available
    // We will use ``torch.device`` objects to move tensors in and out of GPU
    // if torch.cuda.is_available():
    let device = match Cuda::new() {
        Ok(device) => device, // device = torch.device("cuda")
        Err(e) => {
            println!("CUDA is not available: {e}\n");
            return;
        }
    };
    // y = torch.ones_like(x, device=device): directly create a tensor on GPU
    let y = Tensor::<Rank1<1>, f32, Cuda>::try_full_on(1.0, &device).expect("GPU memory");
    let x = x.to_device(&device); // x = x.to(device)
    let z = &x + &y;
    cell("z = x + y; print(z)", &z);
    // ``.to`` can also change dtype together!
    cell(
        "print(z.to(\"cpu\", torch.double))",
        z.to_device_dtype::<f64, _>(&Cpu),
    );
    cell("y.to(\"cpu\").data.numpy()", y.cpu().to_ndarray());
}
