//! `nn.Conv2d` and `nn.Conv1d`: convolution layers whose output shape is computed in the
//! type, with PyTorch's parameter layout (`weight` `[OUT, IN / groups, KH, KW]`, `bias`
//! `[OUT]`), initialisation and printing.
//!
//! The type takes PyTorch's positional arguments in PyTorch's order, with its defaults:
//! `Conv2d<IN, OUT, K, STRIDE = 1, PADDING = 0, DILATION = 1, GROUPS = 1>`, so
//! `nn.Conv2d(1, 6, 5)` is `Conv2d<1, 6, 5>` and `nn.Conv2d(64, 64, 3, 1, 1)` (padding 1) is
//! `Conv2d<64, 64, 3, 1, 1>`. Stride, padding and dilation apply to both spatial
//! dimensions, and the kernel is square.
use std::fmt;

use crate::Result;
use crate::device::{Cpu, Device};
use crate::dtype::FloatDtype;
use crate::nn::params::{Param, ParamRef, Parameters};
use crate::nn::sequential::{Follows, Input};
use crate::nn::{Module, ToDevice, Training};
use crate::ops::conv::{
    Conv1dOut, Conv1dRule, Conv1dWeight, Conv2dOut, Conv2dRule, Conv2dWeight, ConvOpts, ConvWeight,
};
use crate::shape::window::Sizes;
use crate::shape::{ConstShape, Rank1, Shape};
use crate::tensor::Tensor;

/// The feature maps flowing between the layers of a convolutional `Sequential`: `C`
/// channels (their spatial size is checked when the model is applied to a typed input).
pub struct Channels<const C: usize>;

/// What may flow into a convolution layer taking `C` channels in a `Sequential`: `C`
/// channels, or the model's input (whose channels the input's type checks).
#[diagnostic::on_unimplemented(
    message = "a layer taking {C} input channels cannot follow one whose output is `{Self}`",
    label = "the previous convolution's output channels differ from this layer's input channels"
)]
pub trait CarriesChannels<const C: usize> {}
impl<const C: usize> CarriesChannels<C> for Channels<C> {}
impl<const C: usize> CarriesChannels<C> for Input {}

/// PyTorch's default initialisation of a convolution or linear layer's parameters:
/// `kaiming_uniform_(a=√5)` for the weight and `U(-1/√fan_in, 1/√fan_in)` for the bias,
/// which are the same distribution, `U(-b, b)` with `b = 1/√fan_in`.
fn pytorch_uniform<S: ConstShape, E: FloatDtype>(fan_in: usize) -> Tensor<S, E, Cpu> {
    let bound = E::one() / E::from_f64(fan_in as f64).sqrt();
    Tensor::<S, E, Cpu>::rand()
        .mul_scalar((E::one() + E::one()) * bound)
        .sub_scalar(bound)
        .requires_grad_()
}

/// Writes PyTorch's repr of a convolution layer: `Conv2d(1, 6, kernel_size=(5, 5),
/// stride=(1, 1))`, with padding, dilation, groups and `bias=False` only when not default.
#[allow(clippy::too_many_arguments)]
fn conv_repr(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    dims: usize,
    [i, o, k, s, p, d, g]: [usize; 7],
    bias: bool,
) -> fmt::Result {
    let tuple = |v: usize| {
        if dims == 1 {
            format!("({v},)")
        } else {
            format!("({v}, {v})")
        }
    };
    write!(
        f,
        "{name}({i}, {o}, kernel_size={}, stride={}",
        tuple(k),
        tuple(s)
    )?;
    if p != 0 {
        write!(f, ", padding={}", tuple(p))?;
    }
    if d != 1 {
        write!(f, ", dilation={}", tuple(d))?;
    }
    if g != 1 {
        write!(f, ", groups={g}")?;
    }
    if !bias {
        write!(f, ", bias=False")?;
    }
    write!(f, ")")
}

macro_rules! conv_layer {
    ($(#[$doc:meta])* $name:ident, $dims:literal, $weight:ident, $rule:ident, $out:ident, $method:ident, $fan_k:expr) => {
        $(#[$doc])*
        pub struct $name<
            const IN: usize,
            const OUT: usize,
            const K: usize,
            const S: usize = 1,
            const P: usize = 0,
            const D: usize = 1,
            const G: usize = 1,
            E: FloatDtype = f32,
            Dev: Device = Cpu,
        >
        where
            Sizes: ConvWeight<IN, OUT, G>,
        {
            /// PyTorch's `weight`.
            pub weight: Tensor<$weight<IN, OUT, K, G>, E, Dev>,
            /// `[OUT]`, or `None` for `bias=False`.
            pub bias: Option<Tensor<Rank1<OUT>, E, Dev>>,
        }

        impl<
            const IN: usize,
            const OUT: usize,
            const K: usize,
            const S: usize,
            const P: usize,
            const D: usize,
            const G: usize,
            E: FloatDtype,
        > $name<IN, OUT, K, S, P, D, G, E, Cpu>
        where
            Sizes: ConvWeight<IN, OUT, G>,
            $weight<IN, OUT, K, G>: ConstShape,
        {
            /// The number of inputs each output sums over: `IN / G` channels times the
            /// kernel's taps.
            const FAN_IN: usize = <Sizes as ConvWeight<IN, OUT, G>>::PER_GROUP * ($fan_k);

            /// The layer with PyTorch's default initialisation: weight and bias uniform in
            /// `±1/√fan_in`, `fan_in = IN / G · K^dims` (what `kaiming_uniform_(a=√5)` and
            /// PyTorch's bias rule amount to).
            pub fn new() -> Self {
                $name {
                    weight: pytorch_uniform(Self::FAN_IN),
                    bias: Some(pytorch_uniform(Self::FAN_IN)),
                }
            }

            /// `bias=False`.
            pub fn no_bias() -> Self {
                $name {
                    weight: pytorch_uniform(Self::FAN_IN),
                    bias: None,
                }
            }
        }

        impl<
            const IN: usize,
            const OUT: usize,
            const K: usize,
            const S: usize,
            const P: usize,
            const D: usize,
            const G: usize,
            E: FloatDtype,
        > Default for $name<IN, OUT, K, S, P, D, G, E, Cpu>
        where
            Sizes: ConvWeight<IN, OUT, G>,
            $weight<IN, OUT, K, G>: ConstShape,
        {
            fn default() -> Self {
                Self::new()
            }
        }

        impl<
            const IN: usize,
            const OUT: usize,
            const K: usize,
            const S: usize,
            const P: usize,
            const D: usize,
            const G: usize,
            E: FloatDtype,
            Dev: Device,
        > $name<IN, OUT, K, S, P, D, G, E, Dev>
        where
            Sizes: ConvWeight<IN, OUT, G>,
        {
            /// A layer from given weights and optional bias; both will record gradients.
            pub fn from_weights(
                weight: Tensor<$weight<IN, OUT, K, G>, E, Dev>,
                bias: Option<Tensor<Rank1<OUT>, E, Dev>>,
            ) -> Self {
                $name {
                    weight: weight.requires_grad_(),
                    bias: bias.map(Tensor::requires_grad_),
                }
            }
        }

        impl<
            'a,
            X: Shape,
            const IN: usize,
            const OUT: usize,
            const K: usize,
            const S: usize,
            const P: usize,
            const D: usize,
            const G: usize,
            E: FloatDtype,
            Dev: Device,
        > Module<&'a Tensor<X, E, Dev>> for $name<IN, OUT, K, S, P, D, G, E, Dev>
        where
            Sizes: ConvWeight<IN, OUT, G>,
            X: $rule<$weight<IN, OUT, K, G>, S, P, D, G, Bias = Rank1<OUT>>,
        {
            type Output = Tensor<$out<X, $weight<IN, OUT, K, G>, S, P, D, G>, E, Dev>;
            fn forward(&self, x: &'a Tensor<X, E, Dev>) -> Self::Output {
                x.$method(&self.weight, self.bias.as_ref(), ConvOpts::<S, P, D, G>)
            }
        }

        impl<
            X: Shape,
            const IN: usize,
            const OUT: usize,
            const K: usize,
            const S: usize,
            const P: usize,
            const D: usize,
            const G: usize,
            E: FloatDtype,
            Dev: Device,
        > Module<Tensor<X, E, Dev>> for $name<IN, OUT, K, S, P, D, G, E, Dev>
        where
            Sizes: ConvWeight<IN, OUT, G>,
            X: $rule<$weight<IN, OUT, K, G>, S, P, D, G, Bias = Rank1<OUT>>,
        {
            type Output = Tensor<$out<X, $weight<IN, OUT, K, G>, S, P, D, G>, E, Dev>;
            fn forward(&self, x: Tensor<X, E, Dev>) -> Self::Output {
                self.forward(&x)
            }
        }

        impl<
            const IN: usize,
            const OUT: usize,
            const K: usize,
            const S: usize,
            const P: usize,
            const D: usize,
            const G: usize,
            E: FloatDtype,
            Dev: Device,
        > Parameters<E, Dev> for $name<IN, OUT, K, S, P, D, G, E, Dev>
        where
            Sizes: ConvWeight<IN, OUT, G>,
        {
            fn parameters(&self) -> Vec<ParamRef<'_, E, Dev>> {
                let mut v = vec![ParamRef {
                    name: "weight".into(),
                    tensor: &self.weight,
                }];
                if let Some(b) = &self.bias {
                    v.push(ParamRef {
                        name: "bias".into(),
                        tensor: b,
                    });
                }
                v
            }
            fn parameters_mut(&mut self) -> Vec<Param<'_, E, Dev>> {
                let mut v: Vec<Param<'_, E, Dev>> = vec![Param {
                    name: "weight".into(),
                    tensor: &mut self.weight,
                }];
                if let Some(b) = &mut self.bias {
                    v.push(Param {
                        name: "bias".into(),
                        tensor: b,
                    });
                }
                v
            }
        }

        impl<
            const IN: usize,
            const OUT: usize,
            const K: usize,
            const S: usize,
            const P: usize,
            const D: usize,
            const G: usize,
            E: FloatDtype,
            Dev: Device,
            D2: Device,
        > ToDevice<D2> for $name<IN, OUT, K, S, P, D, G, E, Dev>
        where
            Sizes: ConvWeight<IN, OUT, G>,
        {
            type Output = $name<IN, OUT, K, S, P, D, G, E, D2>;
            fn try_to_device(&self, device: &D2) -> Result<Self::Output> {
                Ok($name {
                    weight: self.weight.try_move_param(device)?,
                    bias: match &self.bias {
                        Some(b) => Some(b.try_move_param(device)?),
                        None => None,
                    },
                })
            }
        }

        impl<
            const IN: usize,
            const OUT: usize,
            const K: usize,
            const S: usize,
            const P: usize,
            const D: usize,
            const G: usize,
            E: FloatDtype,
            Dev: Device,
        > Training for $name<IN, OUT, K, S, P, D, G, E, Dev>
        where
            Sizes: ConvWeight<IN, OUT, G>,
        {
            fn set_training(&mut self, _: bool) {}
        }

        // In a `Sequential`: first (any input), or after a layer giving `IN` channels.
        impl<
            F: CarriesChannels<IN>,
            const IN: usize,
            const OUT: usize,
            const K: usize,
            const S: usize,
            const P: usize,
            const D: usize,
            const G: usize,
            E: FloatDtype,
            Dev: Device,
        > Follows<F> for $name<IN, OUT, K, S, P, D, G, E, Dev>
        where
            Sizes: ConvWeight<IN, OUT, G>,
        {
            type Out = Channels<OUT>;
        }

        impl<
            const IN: usize,
            const OUT: usize,
            const K: usize,
            const S: usize,
            const P: usize,
            const D: usize,
            const G: usize,
            E: FloatDtype,
            Dev: Device,
        > fmt::Debug for $name<IN, OUT, K, S, P, D, G, E, Dev>
        where
            Sizes: ConvWeight<IN, OUT, G>,
        {
            /// As PyTorch prints the layer.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                conv_repr(f, stringify!($name), $dims, [IN, OUT, K, S, P, D, G], self.bias.is_some())
            }
        }
    };
}

conv_layer!(
    /// `torch.nn.Conv2d(IN, OUT, K, S, P, D, G)`: a 2-D convolution layer over `[N, IN, H, W]`
    /// batches (or `[IN, H, W]` images) giving `OUT` channels, its output's size in the type.
    ///
    /// ```
    /// use typetensor::nn::{Conv2d, Module};
    /// use typetensor::{Rank4, Tensor};
    /// let conv1 = Conv2d::<1, 6, 5>::new(); // nn.Conv2d(1, 6, 5)
    /// let x = Tensor::<Rank4<4, 1, 32, 32>>::randn();
    /// let y: Tensor<Rank4<4, 6, 28, 28>> = conv1.forward(&x);
    /// assert_eq!(format!("{conv1:?}"), "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))");
    /// // nn.Conv2d(64, 128, 3, stride=2, padding=1)
    /// let down = Conv2d::<64, 128, 3, 2, 1>::new();
    /// let z: Tensor<Rank4<2, 128, 28, 28>> = down.forward(&Tensor::<Rank4<2, 64, 56, 56>>::randn());
    /// # let _ = (y, z);
    /// ```
    ///
    /// A kernel that does not fit is a compile error naming the sizes:
    ///
    /// ```compile_fail
    /// use typetensor::nn::{Conv2d, Module};
    /// use typetensor::{Rank4, Tensor};
    /// // a kernel of size 5 (dilation 1) does not fit in an input of size 3 padded by 0
    /// let y = Conv2d::<1, 6, 5>::new().forward(&Tensor::<Rank4<4, 1, 3, 3>>::randn());
    /// ```
    Conv2d, 2, Conv2dWeight, Conv2dRule, Conv2dOut, conv2d_with, K * K
);

conv_layer!(
    /// `torch.nn.Conv1d(IN, OUT, K, S, P, D, G)`: a 1-D convolution layer over `[N, IN, L]`
    /// batches (or `[IN, L]` sequences) giving `OUT` channels.
    ///
    /// ```
    /// use typetensor::nn::{Conv1d, Module};
    /// use typetensor::{Rank3, Tensor};
    /// let conv = Conv1d::<4, 8, 3, 1, 1>::new(); // nn.Conv1d(4, 8, 3, padding=1)
    /// let y: Tensor<Rank3<2, 8, 100>> = conv.forward(&Tensor::<Rank3<2, 4, 100>>::randn());
    /// assert_eq!(format!("{conv:?}"), "Conv1d(4, 8, kernel_size=(3,), stride=(1,), padding=(1,))");
    /// # let _ = y;
    /// ```
    Conv1d, 1, Conv1dWeight, Conv1dRule, Conv1dOut, conv1d_with, K
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Flatten, Linear, MaxPool2d, ReLU, Sequential};
    use crate::shape::{Rank2, Rank3, Rank4};
    use crate::{Cpu, manual_seed};

    #[test]
    fn forward_is_the_functional_op_with_the_layers_parameters() {
        manual_seed(1);
        let conv = Conv2d::<4, 6, 3, 2, 1, 1, 2>::new();
        let x = Tensor::<Rank4<2, 4, 7, 7>>::randn();
        let y: Tensor<Rank4<2, 6, 4, 4>> = conv.forward(&x);
        let want = x.conv2d_with(&conv.weight, conv.bias.as_ref(), ConvOpts::<2, 1, 1, 2>);
        assert_eq!(y.to_vec(), want.to_vec());
        // Unbatched input, and the owned form.
        let u = Tensor::<Rank3<4, 7, 7>>::randn();
        let yu: Tensor<Rank3<6, 4, 4>> = conv.forward(u.clone());
        assert_eq!(yu.to_vec(), conv.forward(&u).to_vec());
        let c1 = Conv1d::<3, 4, 3, 1, 1>::no_bias();
        let s = Tensor::<Rank3<2, 3, 10>>::randn();
        let z: Tensor<Rank3<2, 4, 10>> = c1.forward(&s);
        assert_eq!(
            z.to_vec(),
            s.conv1d_with(&c1.weight, None, ConvOpts::<1, 1>).to_vec()
        );
    }

    #[test]
    fn parameters_are_pytorchs_names_shapes_and_initialisation() {
        manual_seed(2);
        let conv = Conv2d::<6, 16, 5>::new();
        let names: Vec<(String, Vec<usize>)> = conv
            .parameters()
            .into_iter()
            .map(|p| (p.name, p.tensor.dims().as_slice().to_vec()))
            .collect();
        assert_eq!(
            names,
            [
                ("weight".into(), vec![16, 6, 5, 5]),
                ("bias".into(), vec![16])
            ]
        );
        // U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = 6 * 5 * 5.
        let bound = 1.0 / (150f32).sqrt();
        let w = conv.weight.to_vec();
        assert!(w.iter().all(|v| v.abs() <= bound));
        let spread = w.iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(spread > 0.9 * bound, "the samples fill the interval");
        assert!(
            conv.bias
                .as_ref()
                .unwrap()
                .to_vec()
                .iter()
                .all(|v| v.abs() <= bound)
        );
        // Groups divide the fan-in.
        let g = Conv2d::<8, 4, 3, 1, 1, 1, 4>::no_bias();
        assert_eq!(g.weight.dims().as_slice(), &[4, 2, 3, 3]);
        let gb = 1.0 / (18f32).sqrt();
        assert!(g.weight.to_vec().iter().all(|v| v.abs() <= gb));
        assert!(g.parameters().len() == 1 && g.weight.requires_grad());
    }

    #[test]
    fn prints_as_pytorch() {
        assert_eq!(
            format!("{:?}", Conv2d::<1, 6, 5>::new()),
            "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))"
        );
        assert_eq!(
            format!("{:?}", Conv2d::<8, 16, 3, 2, 1, 2, 4>::no_bias()),
            "Conv2d(8, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(2, 2), groups=4, bias=False)"
        );
        assert_eq!(
            format!("{:?}", Conv1d::<2, 3, 4, 2>::new()),
            "Conv1d(2, 3, kernel_size=(4,), stride=(2,))"
        );
    }

    #[test]
    fn in_a_sequential_with_pytorchs_names() {
        manual_seed(3);
        let model = Sequential::new((
            Conv2d::<1, 4, 3>::new(),
            ReLU,
            MaxPool2d::<2>,
            Conv2d::<4, 8, 3, 1, 1>::new(),
            Flatten,
            Linear::<72, 10>::new(),
        ));
        let x = Tensor::<Rank4<5, 1, 8, 8>>::randn();
        let y: Tensor<Rank2<5, 10>> = model.forward(&x);
        let by_hand = model.layers.5.forward(
            model
                .layers
                .3
                .forward(model.layers.0.forward(&x).relu().max_pool2d::<2>())
                .flatten_from::<1>(),
        );
        assert_eq!(y.to_vec(), by_hand.to_vec());
        let names: Vec<String> = model.parameters().into_iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "0.weight", "0.bias", "3.weight", "3.bias", "5.weight", "5.bias"
            ]
        );
        assert_eq!(
            format!("{model:?}"),
            "Sequential(\n  (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1))\n  (1): ReLU()\n  \
             (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n  \
             (3): Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n  \
             (4): Flatten(start_dim=1, end_dim=-1)\n  (5): Linear(in_features=72, out_features=10, bias=True)\n)"
        );
        // Moves and safetensors round trips keep every parameter.
        let moved = model.to_device(&Cpu);
        assert!(moved.layers.0.weight.requires_grad());
        let bytes = crate::nn::to_bytes(&model).unwrap();
        let mut fresh = Sequential::new((
            Conv2d::<1, 4, 3>::new(),
            ReLU,
            MaxPool2d::<2>,
            Conv2d::<4, 8, 3, 1, 1>::new(),
            Flatten,
            Linear::<72, 10>::new(),
        ));
        crate::nn::from_bytes(&mut fresh, &bytes).unwrap();
        assert_eq!(fresh.forward(&x).to_vec(), y.to_vec());
    }
}
