// Rule: in-place ops need both tensors on the same device: `cpu_tensor += &cuda_tensor` does not compile.
use typetensor::{Cuda, Rank1, Tensor};

fn main() -> typetensor::Result<()> {
    let cuda = Cuda::new()?;
    let mut acc = Tensor::<Rank1<4>>::zeros();
    let g = Tensor::<Rank1<4>, f32, Cuda>::try_zeros_on(&cuda)?;
    acc += &g;
    Ok(())
}
