//! `torch.nn`: modules with typed `forward`, parameters, losses, initialisation, and
//! saving/loading weights as safetensors.
mod activation;
mod conv;
pub mod functional;
pub mod init;
mod linear;
mod loss;
mod params;
mod pool;
mod safetensors;
mod sequential;
mod to_device;

pub use activation::{ReLU, Sigmoid, Tanh};
pub use conv::{CarriesChannels, Channels, Conv1d, Conv2d};
pub use linear::Linear;
pub use loss::{MSELoss, Reduction};
pub use params::{AnyParam, Param, ParamRef, Parameters, prefixed, prefixed_ref};
pub use pool::{AdaptiveAvgPool2d, AvgPool2d, Flatten, MaxPool2d};
pub use safetensors::{from_bytes, load, load_from, save, to_bytes};
pub use sequential::{Chain, Features, Follows, Input, Sequential};
pub use to_device::ToDevice;

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
