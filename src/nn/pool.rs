//! Pooling layers: parameter-free modules that change the shape, each output
//! shape computed in the type. `nn.MaxPool2d(2)` is `MaxPool2d<2>`, `nn.MaxPool2d(3, 2, 1)`
//! is `MaxPool2d<3, 2, 1>` (PyTorch's positional order and defaults: the stride defaults to
//! the kernel size); `nn.AdaptiveAvgPool2d((1, 1))` is `AdaptiveAvgPool2d<1, 1>`;
//! `nn.Flatten()` is [`Flatten`](crate::nn::Flatten), in its own module.
use std::fmt;

use crate::Result;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::nn::params::{Param, ParamRef, Parameters};
use crate::nn::sequential::Follows;
use crate::nn::{Module, ToDevice, Training};
use crate::ops::pool::{AdaptivePool2dRule, Pool2dRule, PoolOpts, Pooled};
use crate::shape::Shape;
use crate::tensor::Tensor;

/// `torch.nn.MaxPool2d(K, S, P, D)`: the maximum of each `K × K` window.
///
/// ```
/// use typetensor::nn::{MaxPool2d, Module};
/// use typetensor::{Rank4, Tensor};
/// let pool = MaxPool2d::<2>; // nn.MaxPool2d(2)
/// let y: Tensor<Rank4<4, 6, 14, 14>> = pool.forward(&Tensor::<Rank4<4, 6, 28, 28>>::randn());
/// assert_eq!(
///     format!("{pool:?}"),
///     "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
/// );
/// # let _ = y;
/// ```
#[derive(Clone, Copy, Default)]
pub struct MaxPool2d<const K: usize, const S: usize = K, const P: usize = 0, const D: usize = 1>;

/// `torch.nn.AvgPool2d(K, S, P)`: the mean of each `K × K` window, padding counted
/// (PyTorch's `count_include_pad=True`).
///
/// ```
/// use typetensor::nn::{AvgPool2d, Module};
/// use typetensor::{Rank4, Tensor};
/// let pool = AvgPool2d::<3, 2, 1>; // nn.AvgPool2d(3, 2, 1)
/// let y: Tensor<Rank4<1, 8, 5, 5>> = pool.forward(&Tensor::<Rank4<1, 8, 10, 10>>::randn());
/// assert_eq!(format!("{pool:?}"), "AvgPool2d(kernel_size=3, stride=2, padding=1)");
/// # let _ = y;
/// ```
#[derive(Clone, Copy, Default)]
pub struct AvgPool2d<const K: usize, const S: usize = K, const P: usize = 0>;

/// `torch.nn.AdaptiveAvgPool2d((OH, OW))`: averages to an `OH × OW` output from any input
/// size (`AdaptiveAvgPool2d<7>` is `(7, 7)`).
///
/// ```
/// use typetensor::nn::{AdaptiveAvgPool2d, Module};
/// use typetensor::{Rank4, Tensor};
/// let pool = AdaptiveAvgPool2d::<1, 1>;
/// let y: Tensor<Rank4<2, 512, 1, 1>> = pool.forward(&Tensor::<Rank4<2, 512, 7, 7>>::randn());
/// assert_eq!(format!("{pool:?}"), "AdaptiveAvgPool2d(output_size=(1, 1))");
/// # let _ = y;
/// ```
#[derive(Clone, Copy, Default)]
pub struct AdaptiveAvgPool2d<const OH: usize, const OW: usize = OH>;

/// A parameter-free module applying `$method` to a tensor of shape `X` when `X: $rule`.
macro_rules! shape_module {
    ([$(const $p:ident: usize),*] $ty:ty, $rule:path, $out:ty, |$x:ident| $call:expr) => {
        impl<X: Shape, E: FloatDtype, Dev: Device, $(const $p: usize),*> Module<&Tensor<X, E, Dev>> for $ty
        where
            X: $rule,
        {
            type Output = Tensor<$out, E, Dev>;
            fn forward(&self, $x: &Tensor<X, E, Dev>) -> Self::Output {
                $call
            }
        }

        impl<X: Shape, E: FloatDtype, Dev: Device, $(const $p: usize),*> Module<Tensor<X, E, Dev>> for $ty
        where
            X: $rule,
        {
            type Output = Tensor<$out, E, Dev>;
            fn forward(&self, x: Tensor<X, E, Dev>) -> Self::Output {
                self.forward(&x)
            }
        }

        impl<E: FloatDtype, Dev: Device, $(const $p: usize),*> Parameters<E, Dev> for $ty {
            fn parameters(&self) -> Vec<ParamRef<'_, E, Dev>> {
                Vec::new()
            }
            fn parameters_mut(&mut self) -> Vec<Param<'_, E, Dev>> {
                Vec::new()
            }
        }

        impl<$(const $p: usize),*> Training for $ty {
            fn set_training(&mut self, _: bool) {}
        }

        impl<D2: Device, $(const $p: usize),*> ToDevice<D2> for $ty {
            type Output = $ty;
            fn try_to_device(&self, _: &D2) -> Result<$ty> {
                Ok(*self)
            }
        }
    };
}

shape_module!([const K: usize, const S: usize, const P: usize, const D: usize]
    MaxPool2d<K, S, P, D>, Pool2dRule<K, S, P, D>, Pooled<X, K, S, P, D>,
    |x| x.max_pool2d_with(PoolOpts::<K, S, P, D>));
shape_module!([const K: usize, const S: usize, const P: usize]
    AvgPool2d<K, S, P>, Pool2dRule<K, S, P, 1>, Pooled<X, K, S, P>,
    |x| x.avg_pool2d_with(PoolOpts::<K, S, P>));
shape_module!([const OH: usize, const OW: usize]
    AdaptiveAvgPool2d<OH, OW>, AdaptivePool2dRule<OH, OW>, <X as AdaptivePool2dRule<OH, OW>>::Out,
    |x| x.adaptive_avg_pool2d::<OH, OW>());
// In a `Sequential`, pooling keeps what flows (channels, or anything).
impl<F, const K: usize, const S: usize, const P: usize, const D: usize> Follows<F>
    for MaxPool2d<K, S, P, D>
{
    type Out = F;
}
impl<F, const K: usize, const S: usize, const P: usize> Follows<F> for AvgPool2d<K, S, P> {
    type Out = F;
}
impl<F, const OH: usize, const OW: usize> Follows<F> for AdaptiveAvgPool2d<OH, OW> {
    type Out = F;
}

impl<const K: usize, const S: usize, const P: usize, const D: usize> fmt::Debug
    for MaxPool2d<K, S, P, D>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MaxPool2d(kernel_size={K}, stride={S}, padding={P}, dilation={D}, ceil_mode=False)"
        )
    }
}

impl<const K: usize, const S: usize, const P: usize> fmt::Debug for AvgPool2d<K, S, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AvgPool2d(kernel_size={K}, stride={S}, padding={P})")
    }
}

impl<const OH: usize, const OW: usize> fmt::Debug for AdaptiveAvgPool2d<OH, OW> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AdaptiveAvgPool2d(output_size=({OH}, {OW}))")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Rank4;
    use crate::{Cpu, manual_seed};

    #[test]
    fn modules_are_the_functional_ops() {
        manual_seed(4);
        let x = Tensor::<Rank4<2, 3, 9, 8>>::randn();
        let m: Tensor<Rank4<2, 3, 4, 3>> = MaxPool2d::<3, 2, 1, 2>.forward(&x);
        assert_eq!(
            m.to_vec(),
            x.max_pool2d_with(PoolOpts::<3, 2, 1, 2>).to_vec()
        );
        let a: Tensor<Rank4<2, 3, 4, 4>> = AvgPool2d::<2>.forward(x.clone());
        assert_eq!(a.to_vec(), x.avg_pool2d::<2>().to_vec());
        let p: Tensor<Rank4<2, 3, 2, 5>> = AdaptiveAvgPool2d::<2, 5>.forward(&x);
        assert_eq!(p.to_vec(), x.adaptive_avg_pool2d::<2, 5>().to_vec());
        let sq: Tensor<Rank4<2, 3, 3, 3>> = AdaptiveAvgPool2d::<3>.forward(&x);
        assert_eq!(sq.to_vec(), x.adaptive_avg_pool2d::<3, 3>().to_vec());
        assert_eq!(
            format!("{:?}", MaxPool2d::<3, 2, 1>),
            "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)"
        );
        assert_eq!(
            format!("{:?}", AvgPool2d::<2>),
            "AvgPool2d(kernel_size=2, stride=2, padding=0)"
        );
        assert!(Parameters::<f32, Cpu>::parameters(&MaxPool2d::<2>).is_empty());
        let _: MaxPool2d<2> = MaxPool2d::<2>.to_device(&Cpu);
    }
}
