// Rule: tensors on different devices never meet in one op: a `Cpu` tensor plus a `Cuda` tensor does not compile.
use typetensor::{Cpu, Cuda, Rank2, Tensor};

fn main() -> typetensor::Result<()> {
    let cuda = Cuda::new()?;
    let x = Tensor::<Rank2<5, 3>, f32, Cpu>::ones();
    let y = Tensor::<Rank2<5, 3>, f32, Cuda>::try_zeros_on(&cuda)?;
    let _z = &x + &y;
    Ok(())
}
