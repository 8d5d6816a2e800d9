//! `nn.Sequential`, with the chaining checked at compile time: a layer's input features must
//! equal the previous layer's output features, or the `Sequential` type does not exist.
use std::fmt;

use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::nn::Module;
use crate::nn::activation::{ReLU, Sigmoid, Tanh};
use crate::nn::linear::Linear;
use crate::nn::params::{Param, ParamRef, Parameters, prefixed, prefixed_ref};

/// `N` features flowing between layers (the type-level size of a layer's output).
pub struct Features<const N: usize>;

/// What flows into the first layer: anything.
pub struct Input;

/// A layer that accepts what the previous layer produces (`F`), and what it produces.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot follow a layer whose output is `{F}`",
    label = "this layer's input features differ from the previous layer's output features",
    note = "in a `Sequential`, each `Linear<I, O>` needs `I` equal to the `O` of the last `Linear` before it"
)]
pub trait Follows<F> {
    /// The features this layer outputs.
    type Out;
}

impl<const I: usize, const O: usize, E: FloatDtype, D: Device> Follows<Features<I>>
    for Linear<I, O, E, D>
{
    type Out = Features<O>;
}
impl<const I: usize, const O: usize, E: FloatDtype, D: Device> Follows<Input>
    for Linear<I, O, E, D>
{
    type Out = Features<O>;
}
macro_rules! passes_features {
    ($($t:ty),*) => {$(
        impl<F> Follows<F> for $t {
            type Out = F;
        }
    )*};
}
passes_features!(ReLU, Sigmoid, Tanh);

/// A tuple of layers whose sizes chain.
#[diagnostic::on_unimplemented(
    message = "the layers `{Self}` do not chain",
    label = "a layer's input features differ from the previous layer's output features"
)]
pub trait Chain {}

/// `torch.nn.Sequential(...)`: layers applied in order. The tuple's chaining is part of the
/// type's requirements, so even naming an ill-chained `Sequential` (say, as a struct field)
/// is a compile error.
///
/// ```
/// use typetensor::nn::{Linear, Module, ReLU, Sequential};
/// use typetensor::{Rank2, Tensor};
/// let model = Sequential::new((Linear::<1000, 100>::no_bias(), ReLU, Linear::<100, 10>::no_bias()));
/// let y: Tensor<Rank2<64, 10>> = model.forward(&Tensor::<Rank2<64, 1000>>::randn());
/// # let _ = y;
/// ```
///
/// ```compile_fail
/// use typetensor::nn::{Linear, ReLU, Sequential};
/// // `Linear<99, 10>` cannot follow a layer whose output is `Features<100>`
/// let model = Sequential::new((Linear::<1000, 100>::no_bias(), ReLU, Linear::<99, 10>::no_bias()));
/// ```
pub struct Sequential<T: Chain> {
    /// The layers: `model.layers.0` is PyTorch's `model[0]`.
    pub layers: T,
}

impl<T: Chain> Sequential<T> {
    /// Builds the model from a tuple of layers.
    pub fn new(layers: T) -> Self {
        Sequential { layers }
    }
}

impl<X, T: Chain + Module<X>> Module<X> for Sequential<T> {
    type Output = T::Output;
    fn forward(&self, x: X) -> T::Output {
        self.layers.forward(x)
    }
}

impl<E: FloatDtype, D: Device, T: Chain + Parameters<E, D>> Parameters<E, D> for Sequential<T> {
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        self.layers.parameters()
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        self.layers.parameters_mut()
    }
}

// Tuples of up to six layers. Intermediate types are impl parameters (`Y1`, `F1`, …) bound
// through associated-type equalities, which keeps the bounds linear in the arity.

impl<L0> Chain for (L0,) where L0: Follows<Input> {}

impl<X, L0> Module<X> for (L0,)
where
    L0: Module<X>,
{
    type Output = L0::Output;
    fn forward(&self, x: X) -> Self::Output {
        self.0.forward(x)
    }
}

impl<E: FloatDtype, D: Device, L0: Parameters<E, D>> Parameters<E, D> for (L0,) {
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        let mut all = Vec::new();
        all.extend(prefixed_ref("0", self.0.parameters()));
        all
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        let mut all = Vec::new();
        all.extend(prefixed("0", self.0.parameters_mut()));
        all
    }
}

impl<L0: fmt::Debug> fmt::Debug for Sequential<(L0,)>
where
    (L0,): Chain,
{
    /// As PyTorch prints a `Sequential`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Sequential(")?;
        writeln!(f, "  (0): {:?}", self.layers.0)?;
        write!(f, ")")
    }
}

impl<L0, L1, F1> Chain for (L0, L1)
where
    L0: Follows<Input, Out = F1>,
    L1: Follows<F1>,
{
}

impl<X, L0, L1, Y1> Module<X> for (L0, L1)
where
    L0: Module<X, Output = Y1>,
    L1: Module<Y1>,
{
    type Output = L1::Output;
    fn forward(&self, x: X) -> Self::Output {
        let x = self.0.forward(x);
        self.1.forward(x)
    }
}

impl<E: FloatDtype, D: Device, L0: Parameters<E, D>, L1: Parameters<E, D>> Parameters<E, D>
    for (L0, L1)
{
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        let mut all = Vec::new();
        all.extend(prefixed_ref("0", self.0.parameters()));
        all.extend(prefixed_ref("1", self.1.parameters()));
        all
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        let mut all = Vec::new();
        all.extend(prefixed("0", self.0.parameters_mut()));
        all.extend(prefixed("1", self.1.parameters_mut()));
        all
    }
}

impl<L0: fmt::Debug, L1: fmt::Debug> fmt::Debug for Sequential<(L0, L1)>
where
    (L0, L1): Chain,
{
    /// As PyTorch prints a `Sequential`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Sequential(")?;
        writeln!(f, "  (0): {:?}", self.layers.0)?;
        writeln!(f, "  (1): {:?}", self.layers.1)?;
        write!(f, ")")
    }
}

impl<L0, L1, L2, F1, F2> Chain for (L0, L1, L2)
where
    L0: Follows<Input, Out = F1>,
    L1: Follows<F1, Out = F2>,
    L2: Follows<F2>,
{
}

impl<X, L0, L1, L2, Y1, Y2> Module<X> for (L0, L1, L2)
where
    L0: Module<X, Output = Y1>,
    L1: Module<Y1, Output = Y2>,
    L2: Module<Y2>,
{
    type Output = L2::Output;
    fn forward(&self, x: X) -> Self::Output {
        let x = self.0.forward(x);
        let x = self.1.forward(x);
        self.2.forward(x)
    }
}

impl<E: FloatDtype, D: Device, L0: Parameters<E, D>, L1: Parameters<E, D>, L2: Parameters<E, D>>
    Parameters<E, D> for (L0, L1, L2)
{
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        let mut all = Vec::new();
        all.extend(prefixed_ref("0", self.0.parameters()));
        all.extend(prefixed_ref("1", self.1.parameters()));
        all.extend(prefixed_ref("2", self.2.parameters()));
        all
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        let mut all = Vec::new();
        all.extend(prefixed("0", self.0.parameters_mut()));
        all.extend(prefixed("1", self.1.parameters_mut()));
        all.extend(prefixed("2", self.2.parameters_mut()));
        all
    }
}

impl<L0: fmt::Debug, L1: fmt::Debug, L2: fmt::Debug> fmt::Debug for Sequential<(L0, L1, L2)>
where
    (L0, L1, L2): Chain,
{
    /// As PyTorch prints a `Sequential`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Sequential(")?;
        writeln!(f, "  (0): {:?}", self.layers.0)?;
        writeln!(f, "  (1): {:?}", self.layers.1)?;
        writeln!(f, "  (2): {:?}", self.layers.2)?;
        write!(f, ")")
    }
}

impl<L0, L1, L2, L3, F1, F2, F3> Chain for (L0, L1, L2, L3)
where
    L0: Follows<Input, Out = F1>,
    L1: Follows<F1, Out = F2>,
    L2: Follows<F2, Out = F3>,
    L3: Follows<F3>,
{
}

impl<X, L0, L1, L2, L3, Y1, Y2, Y3> Module<X> for (L0, L1, L2, L3)
where
    L0: Module<X, Output = Y1>,
    L1: Module<Y1, Output = Y2>,
    L2: Module<Y2, Output = Y3>,
    L3: Module<Y3>,
{
    type Output = L3::Output;
    fn forward(&self, x: X) -> Self::Output {
        let x = self.0.forward(x);
        let x = self.1.forward(x);
        let x = self.2.forward(x);
        self.3.forward(x)
    }
}

impl<
    E: FloatDtype,
    D: Device,
    L0: Parameters<E, D>,
    L1: Parameters<E, D>,
    L2: Parameters<E, D>,
    L3: Parameters<E, D>,
> Parameters<E, D> for (L0, L1, L2, L3)
{
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        let mut all = Vec::new();
        all.extend(prefixed_ref("0", self.0.parameters()));
        all.extend(prefixed_ref("1", self.1.parameters()));
        all.extend(prefixed_ref("2", self.2.parameters()));
        all.extend(prefixed_ref("3", self.3.parameters()));
        all
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        let mut all = Vec::new();
        all.extend(prefixed("0", self.0.parameters_mut()));
        all.extend(prefixed("1", self.1.parameters_mut()));
        all.extend(prefixed("2", self.2.parameters_mut()));
        all.extend(prefixed("3", self.3.parameters_mut()));
        all
    }
}

impl<L0: fmt::Debug, L1: fmt::Debug, L2: fmt::Debug, L3: fmt::Debug> fmt::Debug
    for Sequential<(L0, L1, L2, L3)>
where
    (L0, L1, L2, L3): Chain,
{
    /// As PyTorch prints a `Sequential`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Sequential(")?;
        writeln!(f, "  (0): {:?}", self.layers.0)?;
        writeln!(f, "  (1): {:?}", self.layers.1)?;
        writeln!(f, "  (2): {:?}", self.layers.2)?;
        writeln!(f, "  (3): {:?}", self.layers.3)?;
        write!(f, ")")
    }
}

impl<L0, L1, L2, L3, L4, F1, F2, F3, F4> Chain for (L0, L1, L2, L3, L4)
where
    L0: Follows<Input, Out = F1>,
    L1: Follows<F1, Out = F2>,
    L2: Follows<F2, Out = F3>,
    L3: Follows<F3, Out = F4>,
    L4: Follows<F4>,
{
}

impl<X, L0, L1, L2, L3, L4, Y1, Y2, Y3, Y4> Module<X> for (L0, L1, L2, L3, L4)
where
    L0: Module<X, Output = Y1>,
    L1: Module<Y1, Output = Y2>,
    L2: Module<Y2, Output = Y3>,
    L3: Module<Y3, Output = Y4>,
    L4: Module<Y4>,
{
    type Output = L4::Output;
    fn forward(&self, x: X) -> Self::Output {
        let x = self.0.forward(x);
        let x = self.1.forward(x);
        let x = self.2.forward(x);
        let x = self.3.forward(x);
        self.4.forward(x)
    }
}

impl<
    E: FloatDtype,
    D: Device,
    L0: Parameters<E, D>,
    L1: Parameters<E, D>,
    L2: Parameters<E, D>,
    L3: Parameters<E, D>,
    L4: Parameters<E, D>,
> Parameters<E, D> for (L0, L1, L2, L3, L4)
{
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        let mut all = Vec::new();
        all.extend(prefixed_ref("0", self.0.parameters()));
        all.extend(prefixed_ref("1", self.1.parameters()));
        all.extend(prefixed_ref("2", self.2.parameters()));
        all.extend(prefixed_ref("3", self.3.parameters()));
        all.extend(prefixed_ref("4", self.4.parameters()));
        all
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        let mut all = Vec::new();
        all.extend(prefixed("0", self.0.parameters_mut()));
        all.extend(prefixed("1", self.1.parameters_mut()));
        all.extend(prefixed("2", self.2.parameters_mut()));
        all.extend(prefixed("3", self.3.parameters_mut()));
        all.extend(prefixed("4", self.4.parameters_mut()));
        all
    }
}

impl<L0: fmt::Debug, L1: fmt::Debug, L2: fmt::Debug, L3: fmt::Debug, L4: fmt::Debug> fmt::Debug
    for Sequential<(L0, L1, L2, L3, L4)>
where
    (L0, L1, L2, L3, L4): Chain,
{
    /// As PyTorch prints a `Sequential`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Sequential(")?;
        writeln!(f, "  (0): {:?}", self.layers.0)?;
        writeln!(f, "  (1): {:?}", self.layers.1)?;
        writeln!(f, "  (2): {:?}", self.layers.2)?;
        writeln!(f, "  (3): {:?}", self.layers.3)?;
        writeln!(f, "  (4): {:?}", self.layers.4)?;
        write!(f, ")")
    }
}

impl<L0, L1, L2, L3, L4, L5, F1, F2, F3, F4, F5> Chain for (L0, L1, L2, L3, L4, L5)
where
    L0: Follows<Input, Out = F1>,
    L1: Follows<F1, Out = F2>,
    L2: Follows<F2, Out = F3>,
    L3: Follows<F3, Out = F4>,
    L4: Follows<F4, Out = F5>,
    L5: Follows<F5>,
{
}

impl<X, L0, L1, L2, L3, L4, L5, Y1, Y2, Y3, Y4, Y5> Module<X> for (L0, L1, L2, L3, L4, L5)
where
    L0: Module<X, Output = Y1>,
    L1: Module<Y1, Output = Y2>,
    L2: Module<Y2, Output = Y3>,
    L3: Module<Y3, Output = Y4>,
    L4: Module<Y4, Output = Y5>,
    L5: Module<Y5>,
{
    type Output = L5::Output;
    fn forward(&self, x: X) -> Self::Output {
        let x = self.0.forward(x);
        let x = self.1.forward(x);
        let x = self.2.forward(x);
        let x = self.3.forward(x);
        let x = self.4.forward(x);
        self.5.forward(x)
    }
}

impl<
    E: FloatDtype,
    D: Device,
    L0: Parameters<E, D>,
    L1: Parameters<E, D>,
    L2: Parameters<E, D>,
    L3: Parameters<E, D>,
    L4: Parameters<E, D>,
    L5: Parameters<E, D>,
> Parameters<E, D> for (L0, L1, L2, L3, L4, L5)
{
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        let mut all = Vec::new();
        all.extend(prefixed_ref("0", self.0.parameters()));
        all.extend(prefixed_ref("1", self.1.parameters()));
        all.extend(prefixed_ref("2", self.2.parameters()));
        all.extend(prefixed_ref("3", self.3.parameters()));
        all.extend(prefixed_ref("4", self.4.parameters()));
        all.extend(prefixed_ref("5", self.5.parameters()));
        all
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        let mut all = Vec::new();
        all.extend(prefixed("0", self.0.parameters_mut()));
        all.extend(prefixed("1", self.1.parameters_mut()));
        all.extend(prefixed("2", self.2.parameters_mut()));
        all.extend(prefixed("3", self.3.parameters_mut()));
        all.extend(prefixed("4", self.4.parameters_mut()));
        all.extend(prefixed("5", self.5.parameters_mut()));
        all
    }
}

impl<L0: fmt::Debug, L1: fmt::Debug, L2: fmt::Debug, L3: fmt::Debug, L4: fmt::Debug, L5: fmt::Debug>
    fmt::Debug for Sequential<(L0, L1, L2, L3, L4, L5)>
where
    (L0, L1, L2, L3, L4, L5): Chain,
{
    /// As PyTorch prints a `Sequential`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Sequential(")?;
        writeln!(f, "  (0): {:?}", self.layers.0)?;
        writeln!(f, "  (1): {:?}", self.layers.1)?;
        writeln!(f, "  (2): {:?}", self.layers.2)?;
        writeln!(f, "  (3): {:?}", self.layers.3)?;
        writeln!(f, "  (4): {:?}", self.layers.4)?;
        writeln!(f, "  (5): {:?}", self.layers.5)?;
        write!(f, ")")
    }
}
