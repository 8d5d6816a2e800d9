//! `nn.Flatten()`: every dimension after the batch dimension in one (`start_dim=1`).
use std::fmt;

use crate::Result;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::nn::params::{Param, ParamRef, Parameters};
use crate::nn::sequential::{Follows, Input};
use crate::nn::{Module, ToDevice, Training, fmt_module};
use crate::ops::reshape::{ViewAs, Viewed};
use crate::shape::typenum_bridge::Infer;
use crate::shape::{Dims, Rank1, Rank2, Rank3, Rank4, Shape};
use crate::tensor::{Tensor, expect_device};

/// Shapes `Flatten` takes, `[N, ...]`, and what it gives, `[N, product of the rest]`. The
/// batch `N` passes through unchanged (it may be `DYN`); the product of the other
/// dimensions is checked by `cargo check` as `flatten` is (sizes in typenum's map).
#[diagnostic::on_unimplemented(
    message = "`Flatten` cannot flatten a tensor of shape `{Self}` at `cargo check`",
    label = "a non-batch dimension is generic, or their product is outside typenum's const map",
    note = "`Flatten` (`nn.Flatten()`) keeps dimension 0 and flattens the others: `[N, A, B]` becomes `[N, A * B]`"
)]
pub trait FlattenBatch: Shape {
    /// `[N, product]`.
    type Out: Shape;
}

impl<const N: usize, const F: usize> FlattenBatch for Rank2<N, F> {
    type Out = Rank2<N, F>;
}
impl<const N: usize, const A: usize, const B: usize> FlattenBatch for Rank3<N, A, B>
where
    Rank2<A, B>: ViewAs<(Infer,)>,
    Viewed<Rank2<A, B>, (Infer,)>: WithBatch<N>,
{
    type Out = <Viewed<Rank2<A, B>, (Infer,)> as WithBatch<N>>::Out;
}
impl<const N: usize, const A: usize, const B: usize, const C: usize> FlattenBatch
    for Rank4<N, A, B, C>
where
    Rank3<A, B, C>: ViewAs<(Infer,)>,
    Viewed<Rank3<A, B, C>, (Infer,)>: WithBatch<N>,
{
    type Out = <Viewed<Rank3<A, B, C>, (Infer,)> as WithBatch<N>>::Out;
}

/// `[F]` with a batch dimension `N` in front: `[N, F]` (the flattened features, whose
/// size typenum found, behind the batch, which it never sees).
#[doc(hidden)]
pub trait WithBatch<const N: usize> {
    /// `Rank2<N, F>`.
    type Out: Shape;
}
impl<const N: usize, const F: usize> WithBatch<N> for Rank1<F> {
    type Out = Rank2<N, F>;
}

/// `nn.Flatten()` (`start_dim=1, end_dim=-1`): `[N, A, B]` to `[N, A * B]`, as the layer
/// between convolutional features and a `Linear`.
///
/// ```
/// use typetensor::nn::{Flatten, Module};
/// use typetensor::{Rank2, Rank3, Tensor};
/// let x = Tensor::<Rank3<4, 8, 8>>::randn();
/// let y: Tensor<Rank2<4, 64>> = Flatten.forward(&x);
/// assert_eq!(y.to_vec(), x.to_vec());
/// assert_eq!(format!("{Flatten:?}"), "Flatten(start_dim=1, end_dim=-1)");
/// ```
#[derive(Clone, Copy, Default)]
pub struct Flatten;

impl Flatten {
    /// [`Module::forward`] with device errors returned (only a copy of a non-contiguous
    /// input can fail).
    pub fn try_forward<S: FlattenBatch, E: FloatDtype, D: Device>(
        &self,
        x: &Tensor<S, E, D>,
    ) -> Result<Tensor<S::Out, E, D>> {
        let d = x.dims();
        let n = d.as_slice().first().copied().unwrap_or(1);
        let rest = d.as_slice().iter().skip(1).product();
        x.try_reshaped("ViewBackward0", Dims::new(&[n, rest]).unwrap_or(d))
    }
}

impl<S: FlattenBatch, E: FloatDtype, D: Device> Module<&Tensor<S, E, D>> for Flatten {
    type Output = Tensor<S::Out, E, D>;
    fn forward(&self, x: &Tensor<S, E, D>) -> Self::Output {
        expect_device(self.try_forward(x))
    }
}

impl<S: FlattenBatch, E: FloatDtype, D: Device> Module<Tensor<S, E, D>> for Flatten {
    type Output = Tensor<S::Out, E, D>;
    fn forward(&self, x: Tensor<S, E, D>) -> Self::Output {
        expect_device(self.try_forward(&x))
    }
}

/// In a `Sequential`, what follows `Flatten` takes whatever it gives: its feature count
/// depends on the input's shape, which the chaining check does not track (the forward pass's
/// types still check it).
impl<F> Follows<F> for Flatten {
    type Out = Input;
}

impl fmt::Debug for Flatten {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_module(f, "Flatten", "start_dim=1, end_dim=-1", &[])
    }
}

impl<E: FloatDtype, D: Device> Parameters<E, D> for Flatten {
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        Vec::new()
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        Vec::new()
    }
}

impl<D2: Device> ToDevice<D2> for Flatten {
    type Output = Flatten;
    fn try_to_device(&self, _: &D2) -> Result<Flatten> {
        Ok(Flatten)
    }
}

impl Training for Flatten {
    fn set_training(&mut self, _: bool) {}
}
