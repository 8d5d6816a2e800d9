//! `torch.nn`: modules with typed `forward`, parameters, losses, initialisation, and
//! saving/loading weights as safetensors.
mod activation;
mod conv;
mod embedding;
mod flatten;
pub mod functional;
pub mod init;
mod linear;
mod loss;
mod norm;
mod params;
mod pool;
mod repr;
pub(crate) mod safetensors;
mod sequential;
mod to_device;
mod training;
pub mod utils;

pub use activation::{ReLU, Sigmoid, Tanh};
pub use conv::{CarriesChannels, Channels, Conv1d, Conv2d};
pub use embedding::{Embedded, Embedding, EmbeddingIndices};
pub use flatten::{Flatten, FlattenBatch};
pub use linear::Linear;
pub use loss::{MSELoss, Reduction};
pub use norm::{BatchNorm1d, BatchNormInput, LastDim, LayerNorm};
pub use params::{
    AnyParam, Buffer, BufferValue, Param, ParamRef, Parameters, prefixed, prefixed_buffers,
    prefixed_ref, strip_prefix,
};
pub use pool::{AdaptiveAvgPool2d, AvgPool2d, MaxPool2d};
pub use repr::fmt_module;
pub use safetensors::{from_bytes, load, load_from, save, to_bytes};
pub use sequential::{Chain, Features, Follows, Input, Sequential};
pub use to_device::ToDevice;
#[doc(hidden)]
pub use to_device::move_param;
pub use training::Training;
/// `#[derive(Module)]`: a custom module's parameters (with PyTorch's `state_dict` names),
/// `zero_grad`, `train()`/`eval()`, `print(model)` and device moves, from its fields.
///
/// ```
/// use typetensor::nn::{Linear, Module, Parameters, ToDevice};
/// use typetensor::{Cpu, Device, Rank2, Tensor};
///
/// #[derive(Module)] // class TwoLayerNet(torch.nn.Module)
/// struct TwoLayerNet<const D_IN: usize, const H: usize, const D_OUT: usize, Dev: Device = Cpu> {
///     linear1: Linear<D_IN, H, f32, Dev>,
///     linear2: Linear<H, D_OUT, f32, Dev>,
/// }
///
/// impl<const N: usize, const D_IN: usize, const H: usize, const D_OUT: usize, Dev: Device>
///     Module<&Tensor<Rank2<N, D_IN>, f32, Dev>> for TwoLayerNet<D_IN, H, D_OUT, Dev>
/// {
///     type Output = Tensor<Rank2<N, D_OUT>, f32, Dev>;
///     fn forward(&self, x: &Tensor<Rank2<N, D_IN>, f32, Dev>) -> Self::Output {
///         self.linear2.forward(self.linear1.forward(x).relu())
///     }
/// }
///
/// let model = TwoLayerNet::<1000, 100, 10> { linear1: Linear::no_bias(), linear2: Linear::no_bias() };
/// let names: Vec<String> = model.parameters().into_iter().map(|p| p.name).collect();
/// assert_eq!(names, ["linear1.weight", "linear2.weight"]);
/// assert_eq!(
///     format!("{model:?}"),
///     "TwoLayerNet(\n  (linear1): Linear(in_features=1000, out_features=100, bias=False)\n  \
///      (linear2): Linear(in_features=100, out_features=10, bias=False)\n)"
/// );
/// let model = model.to_device(&Cpu); // model.to(device)
/// let y = model.forward(&Tensor::<Rank2<64, 1000>>::randn());
/// assert_eq!(y.shape(), [64, 10]);
/// ```
///
/// Field attributes: `#[module(param)]` for a tensor that is a parameter itself
/// (`self.w = nn.Parameter(...)`: named after the field, not printed), `#[module(skip)]`
/// for a field that is no module (cloned by device moves, otherwise ignored). `ToDevice`
/// is derived when the struct has a type parameter bounded by `Device`.
pub use typetensor_derive::Module;

/// A layer or model: `forward` maps an input of type `X` to `Self::Output`, so a wrong input
/// shape is a compile error.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot take an input of type `{X}`",
    label = "the input's shape does not match this module",
    note = "a `Linear<I, O>` takes `Tensor<Rank2<B, I>>` (or `Rank1<I>`, `Rank3<A, B, I>`) and gives `O` features"
)]
pub trait Module<X> {
    /// What `forward` returns.
    type Output;
    /// `model(x)` / `model.forward(x)`.
    fn forward(&self, x: X) -> Self::Output;
}
