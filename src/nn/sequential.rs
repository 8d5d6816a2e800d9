//! `nn.Sequential`, with the chaining checked at compile time: a layer's input features must
//! equal the previous layer's output features, or the `Sequential` type does not exist.
use std::fmt;

use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::nn::Module;
use crate::nn::activation::{ReLU, Sigmoid, Tanh};
use crate::nn::linear::Linear;
use crate::nn::params::{
    Buffer, BufferValue, Param, ParamRef, Parameters, prefixed, prefixed_buffers, prefixed_ref,
    strip_prefix,
};

/// `N` features flowing between layers (the type-level size of a layer's output).
pub struct Features<const N: usize>;

/// What flows into the first layer: anything.
pub struct Input;

/// A layer that accepts what the previous layer produces (`F`), and what it produces.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot follow a layer whose output is `{F}`",
    label = "this layer's input features differ from the previous layer's output features",
    note = "in a `Sequential`, a layer's input features (`Linear<I, O>`'s `I`, `LayerNorm<H>`'s `H`, `BatchNorm1d<C>`'s `C`) must equal the `O` of the last `Linear` before it"
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

/// `torch.nn.Sequential(...)`: layers applied in order. Building one (`Sequential::new`)
/// requires the layers to chain, so a wrong hidden size is one error there (and one at each
/// `forward` call), not one at every place the model's type is named: the struct itself has
/// no bound.
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
pub struct Sequential<T> {
    /// The layers: `model.layers.0` is PyTorch's `model[0]`.
    pub layers: T,
}

impl<T: Chain> Sequential<T> {
    /// Builds the model from a tuple of layers.
    pub fn new(layers: T) -> Self {
        Sequential { layers }
    }
}

impl<X, T: Module<X>> Module<X> for Sequential<T> {
    type Output = T::Output;
    fn forward(&self, x: X) -> T::Output {
        self.layers.forward(x)
    }
}

impl<E: FloatDtype, D: Device, T: Parameters<E, D>> Parameters<E, D> for Sequential<T> {
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        self.layers.parameters()
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        self.layers.parameters_mut()
    }
    fn buffers(&self) -> Vec<Buffer<E, D>> {
        self.layers.buffers()
    }
    fn set_buffer(&mut self, name: &str, value: BufferValue<E, D>) -> crate::Result<bool> {
        self.layers.set_buffer(name, value)
    }
}

// Tuples of up to six layers. Intermediate types are impl parameters (`Y1`, `F1`, …) bound
// through associated-type equalities, which keeps the bounds linear in the arity.

// Rust has no variadic generics, so this writes the per-arity impls (one tuple length per step).
macro_rules! layer_tuples {
    // The impls for one tuple: the layers before the last (`$l`, field `$i`) with their input
    // and output features (`$fi` → `$fo`) and values (`$yi` → `$yo`), then the last layer with
    // its input features and value.
    (@impls [$($l:ident $i:tt $fi:ident $fo:ident $yi:ident $yo:ident)*]
        $last:ident $li:tt $lf:ident $ly:ident) => {
        impl<$($l,)* $last, $($fo),*> Chain for ($($l,)* $last,)
        where
            $($l: Follows<$fi, Out = $fo>,)*
            $last: Follows<$lf>,
        {
        }

        impl<X, $($l,)* $last, $($yo),*> Module<X> for ($($l,)* $last,)
        where
            $($l: Module<$yi, Output = $yo>,)*
            $last: Module<$ly>,
        {
            type Output = $last::Output;
            fn forward(&self, x: X) -> Self::Output {
                $(let x = self.$i.forward(x);)*
                self.$li.forward(x)
            }
        }

        impl<E: FloatDtype, D: Device, $($l: Parameters<E, D>,)* $last: Parameters<E, D>>
            Parameters<E, D> for ($($l,)* $last,)
        {
            fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
                let mut all = Vec::new();
                $(all.extend(prefixed_ref(stringify!($i), self.$i.parameters()));)*
                all.extend(prefixed_ref(stringify!($li), self.$li.parameters()));
                all
            }
            fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
                let mut all = Vec::new();
                $(all.extend(prefixed(stringify!($i), self.$i.parameters_mut()));)*
                all.extend(prefixed(stringify!($li), self.$li.parameters_mut()));
                all
            }
            fn buffers(&self) -> Vec<Buffer<E, D>> {
                let mut all = Vec::new();
                $(all.extend(prefixed_buffers(stringify!($i), self.$i.buffers()));)*
                all.extend(prefixed_buffers(stringify!($li), self.$li.buffers()));
                all
            }
            fn set_buffer(&mut self, name: &str, value: BufferValue<E, D>) -> crate::Result<bool> {
                $(if let Some(rest) = strip_prefix(name, stringify!($i)) {
                    return self.$i.set_buffer(rest, value);
                })*
                match strip_prefix(name, stringify!($li)) {
                    Some(rest) => self.$li.set_buffer(rest, value),
                    None => Ok(false),
                }
            }
        }

        impl<$($l: fmt::Debug,)* $last: fmt::Debug> fmt::Debug for Sequential<($($l,)* $last,)> {
            /// As PyTorch prints a `Sequential`.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                crate::nn::fmt_module(f, "Sequential", "", &[
                    $((stringify!($i), &self.layers.$i as &dyn fmt::Debug),)*
                    (stringify!($li), &self.layers.$li as &dyn fmt::Debug),
                ])
            }
        }
    };
    // The impls for the tuple so far, then for it with the next layer appended (the last
    // layer's output is the next layer's input).
    ([$($done:tt)*] $last:ident $li:tt $lf:ident $ly:ident;
        $next:ident $ni:tt $nf:ident $ny:ident $(, $l:ident $i:tt $f:ident $y:ident)*) => {
        layer_tuples!(@impls [$($done)*] $last $li $lf $ly);
        layer_tuples!([$($done)* $last $li $lf $nf $ly $ny] $next $ni $nf $ny; $($l $i $f $y),*);
    };
    ([$($done:tt)*] $last:ident $li:tt $lf:ident $ly:ident;) => {
        layer_tuples!(@impls [$($done)*] $last $li $lf $ly);
    };
}
// Each layer: its type parameter, its tuple field, and its input features and value.
layer_tuples!([] L0 0 Input X; L1 1 F1 Y1, L2 2 F2 Y2, L3 3 F3 Y3, L4 4 F4 Y4, L5 5 F5 Y5);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::Cpu;
    use crate::shape::Rank2;
    use crate::tensor::Tensor;

    // The shortest and longest tuples: PyTorch's names and printout, and the forward chain.
    #[test]
    fn one_and_six_layers_name_print_and_forward_as_pytorch() {
        let one = Sequential::new((Linear::<3, 2>::new(),));
        let six = Sequential::new((
            Linear::<8, 7>::new(),
            ReLU,
            Linear::<7, 6>::no_bias(),
            Tanh,
            Linear::<6, 5>::new(),
            Sigmoid,
        ));
        let names = |m: &dyn Parameters<f32, Cpu>| -> Vec<String> {
            m.parameters().into_iter().map(|p| p.name).collect()
        };
        assert_eq!(names(&one), ["0.weight", "0.bias"]);
        assert_eq!(
            names(&six),
            ["0.weight", "0.bias", "2.weight", "4.weight", "4.bias"]
        );
        let mut six = six;
        let names_mut: Vec<String> = six.parameters_mut().into_iter().map(|p| p.name).collect();
        assert_eq!(names_mut, names(&six));
        assert_eq!(
            format!("{one:?}"),
            "Sequential(\n  (0): Linear(in_features=3, out_features=2, bias=True)\n)"
        );
        assert_eq!(
            format!("{six:?}"),
            "Sequential(\n  (0): Linear(in_features=8, out_features=7, bias=True)\n  (1): ReLU()\n  \
             (2): Linear(in_features=7, out_features=6, bias=False)\n  (3): Tanh()\n  \
             (4): Linear(in_features=6, out_features=5, bias=True)\n  (5): Sigmoid()\n)"
        );
        let x = Tensor::<Rank2<2, 8>>::randn();
        let y: Tensor<Rank2<2, 5>> = six.forward(&x);
        let by_hand = six.layers.5.forward(
            six.layers.4.forward(
                six.layers.3.forward(
                    six.layers
                        .2
                        .forward(six.layers.1.forward(six.layers.0.forward(&x))),
                ),
            ),
        );
        assert_eq!(y.to_vec(), by_hand.to_vec());
    }
}
