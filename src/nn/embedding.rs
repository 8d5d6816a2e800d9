//! `nn.Embedding`: rows of a `[V, D]` weight picked by `i64` indices.
use std::fmt;

use crate::Result;
use crate::device::{Cpu, Device};
use crate::dtype::{Dtype, FloatDtype};
use crate::error::Error;
use crate::nn::params::{Param, ParamRef, Parameters};
use crate::nn::sequential::{Features, Follows, Input};
use crate::nn::{Module, ToDevice, Training, fmt_module};
use crate::shape::{DYN, Dims, Rank1, Rank2, Rank3, Rank4, Shape};
use crate::tensor::{Tensor, expect_device};

/// Index tensors an `Embedding<V, DM>` takes, and the shape it gives: the indices' shape
/// with `DM` appended (`[N]` gives `[N, DM]`, `[B, L]` gives `[B, L, DM]`).
#[diagnostic::on_unimplemented(
    message = "an `Embedding` cannot be indexed by `{Self}`",
    label = "embedding indices are an `i64` tensor (`torch.long`) of rank 1 to 3",
    note = "convert float or `i32` indices with `.long()` first"
)]
pub trait EmbeddingIndices<const DM: usize> {
    /// The output's shape.
    type Out: Shape;
    /// The device the indices are on.
    type Device: Device;
    /// The indices in one dimension, in row-major order, and their dims.
    #[doc(hidden)]
    fn flat(&self) -> Result<(FlatIndices<Self::Device>, Dims)>;
}

/// Indices in one run-time dimension.
type FlatIndices<D> = Tensor<Rank1<DYN>, i64, D>;

macro_rules! index_shapes {
    ($([$($p:ident),*] $s:ty => $out:ty;)*) => {$(
        impl<$(const $p: usize,)* const DM: usize, D: Device> EmbeddingIndices<DM>
            for Tensor<$s, i64, D>
        {
            type Out = $out;
            type Device = D;
            fn flat(&self) -> Result<(FlatIndices<D>, Dims)> {
                let n = Dims::new(&[self.numel()]).unwrap_or(self.dims());
                Ok((self.try_reshaped("ViewBackward0", n)?, self.dims()))
            }
        }
    )*};
}
index_shapes! {
    [N] Rank1<N> => Rank2<N, DM>;
    [B, L] Rank2<B, L> => Rank3<B, L, DM>;
    [A, B, L] Rank3<A, B, L> => Rank4<A, B, L, DM>;
}

/// The output of an embedding of `DM` features indexed by an `i64` tensor of shape `S`.
pub type Embedded<X, const DM: usize, E, D> = Tensor<<X as EmbeddingIndices<DM>>::Out, E, D>;

/// `nn.Embedding(V, DM)`: a lookup table of `V` vectors of `DM` features, initialised
/// from N(0, 1) as PyTorch's. Indices are run-time data: one outside `0..V` is an `Err`
/// from [`try_forward`](Self::try_forward) (a panic from `forward`), never another row.
///
/// ```
/// use typetensor::nn::{Embedding, Module};
/// use typetensor::{Rank3, Tensor, tensor};
/// let emb = Embedding::<10, 3>::new(); // nn.Embedding(10, 3)
/// let idx = tensor([[1i64, 2, 4], [4, 3, 9]]);
/// let y: Tensor<Rank3<2, 3, 3>> = emb.forward(&idx);
/// assert_eq!(y.to_vec()[..3], emb.weight.to_vec()[3..6]);
/// assert!(emb.try_forward(&tensor([10i64])).is_err());
/// assert_eq!(format!("{emb:?}"), "Embedding(10, 3)");
/// ```
pub struct Embedding<const V: usize, const DM: usize, E: FloatDtype = f32, D: Device = Cpu> {
    /// `[V, DM]`.
    pub weight: Tensor<Rank2<V, DM>, E, D>,
    /// `padding_idx`: this row gets no gradient (and starts as zeros).
    pub padding_idx: Option<usize>,
}

impl<const V: usize, const DM: usize, E: FloatDtype> Embedding<V, DM, E, Cpu> {
    /// `nn.Embedding(V, DM)`: weight from N(0, 1).
    pub fn new() -> Self {
        Embedding {
            weight: Tensor::randn().requires_grad_(),
            padding_idx: None,
        }
    }

    /// `nn.Embedding(V, DM, padding_idx=idx)`: row `idx` zeroed and never updated. `Err`
    /// if `idx` is not below `V`.
    pub fn with_padding_idx(idx: usize) -> Result<Self> {
        if idx >= V {
            return Err(Error::IndexOutOfRange {
                index: idx as i64,
                size: V,
            });
        }
        let mut w = Tensor::<Rank2<V, DM>, E>::randn();
        w.numpy_mut().row_mut(idx).fill(E::zero());
        Ok(Embedding {
            weight: w.requires_grad_(),
            padding_idx: Some(idx),
        })
    }
}

impl<const V: usize, const DM: usize, E: FloatDtype> Default for Embedding<V, DM, E, Cpu> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const V: usize, const DM: usize, E: FloatDtype, D: Device> Embedding<V, DM, E, D> {
    /// A table from given weights (they will record gradients).
    pub fn from_weights(weight: Tensor<Rank2<V, DM>, E, D>) -> Self {
        Embedding {
            weight: weight.requires_grad_(),
            padding_idx: None,
        }
    }

    /// [`Module::forward`] with errors returned: an index outside `0..V`, or a device error.
    pub fn try_forward<X: EmbeddingIndices<DM, Device = D>>(
        &self,
        idx: &X,
    ) -> Result<Embedded<X, DM, E, D>> {
        let weight = match self.padding_idx {
            // The padding row's values, without a path for its gradient.
            Some(p) => {
                let keep: Vec<bool> = (0..V * DM).map(|i| i / DM.max(1) != p).collect();
                let keep =
                    Tensor::<Rank2<V, DM>, bool, D>::from_vec_on(keep, self.weight.device())?;
                self.weight.try_where_(&keep, &self.weight.detach())?
            }
            None => self.weight.clone(),
        };
        let (flat, dims) = idx.flat()?;
        let rows: Tensor<Rank2<DYN, DM>, E, D> = weight.index_select::<0, DYN>(&flat)?;
        let mut out = dims.as_slice().to_vec();
        out.push(DM);
        rows.try_reshaped("ViewBackward0", Dims::new(&out).unwrap_or(rows.dims()))
    }
}

impl<const V: usize, const DM: usize, S: Shape, I: Dtype, E: FloatDtype, D: Device>
    Module<&Tensor<S, I, D>> for Embedding<V, DM, E, D>
where
    Tensor<S, I, D>: EmbeddingIndices<DM, Device = D>,
{
    type Output = Embedded<Tensor<S, I, D>, DM, E, D>;
    fn forward(&self, idx: &Tensor<S, I, D>) -> Self::Output {
        expect_device(self.try_forward(idx))
    }
}

impl<const V: usize, const DM: usize, E: FloatDtype, D: Device> fmt::Debug
    for Embedding<V, DM, E, D>
{
    /// `Embedding(10, 3)`, or `Embedding(10, 3, padding_idx=0)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra = match self.padding_idx {
            Some(p) => format!("{V}, {DM}, padding_idx={p}"),
            None => format!("{V}, {DM}"),
        };
        fmt_module(f, "Embedding", &extra, &[])
    }
}

impl<const V: usize, const DM: usize, E: FloatDtype, D: Device> Parameters<E, D>
    for Embedding<V, DM, E, D>
{
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        vec![ParamRef {
            name: "weight".into(),
            tensor: &self.weight,
        }]
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        vec![Param {
            name: "weight".into(),
            tensor: &mut self.weight,
        }]
    }
}

impl<const V: usize, const DM: usize, E: FloatDtype, D: Device, D2: Device> ToDevice<D2>
    for Embedding<V, DM, E, D>
{
    type Output = Embedding<V, DM, E, D2>;
    fn try_to_device(&self, device: &D2) -> Result<Embedding<V, DM, E, D2>> {
        Ok(Embedding {
            weight: self.weight.try_move_param(device)?,
            padding_idx: self.padding_idx,
        })
    }
}

impl<const V: usize, const DM: usize, E: FloatDtype, D: Device> Training
    for Embedding<V, DM, E, D>
{
    fn set_training(&mut self, _: bool) {}
}

/// In a `Sequential`, an embedding comes first (it takes indices) and gives `DM` features.
impl<const V: usize, const DM: usize, E: FloatDtype, D: Device> Follows<Input>
    for Embedding<V, DM, E, D>
{
    type Out = Features<DM>;
}
