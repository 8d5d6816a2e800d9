// Rule: `mm` needs both operands on the same device (move one first).
use typetensor::{Cuda, Rank2, Tensor};

fn main() -> typetensor::Result<()> {
    let cuda = Cuda::new()?;
    let x = Tensor::<Rank2<64, 1000>>::randn();
    let w1 = Tensor::<Rank2<1000, 100>, f32, Cuda>::try_zeros_on(&cuda)?;
    let _h = x.mm(&w1);
    Ok(())
}
