//! Pooling: `max_pool2d` (kernel, stride, padding, dilation; the indices of the maxima are
//! kept for the backward pass), `avg_pool2d` and `adaptive_avg_pool2d` to a fixed output
//! size, on `[N, C, H, W]` batches and unbatched `[C, H, W]` images.
//!
//! The output's spatial sizes come from the same rule as a convolution's, [`ConvOut`],
//! checked by `cargo check`; the batch and channel dimensions pass through by unification.
use crate::Result;
use crate::device::{Device, DeviceStorage};
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::layout::Layout;
use crate::ops::conv::{Spatial, Window2d};
use crate::shape::typenum_bridge::Dim;
use crate::shape::window::{ConvOut, PoolPadding, Sizes};
use crate::shape::{Rank3, Rank4, Shape};
use crate::tensor::{Tensor, expect_device};

mod backward;
pub(crate) mod cpu;
#[cfg(test)]
mod tests;

/// How an average pool divides its window's sum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AvgKind {
    /// `avg_pool2d` with PyTorch's defaults (`count_include_pad=True`, `ceil_mode=False`):
    /// by `kh · kw`, padding included.
    Fixed,
    /// `adaptive_avg_pool2d`: output `o` of `O` over `I` inputs averages inputs
    /// `floor(o·I/O) .. ceil((o+1)·I/O)`; the window's kernel, stride and padding fields are
    /// unused.
    Adaptive,
}

/// Pooling kernels, over the `n · c` planes of a [`Window2d`].
pub trait PoolKernel: DeviceStorage {
    /// The maximum of each window (NaN if it holds one) and its position `iy · w + ix` in
    /// its plane (the first maximum; the last NaN), each dense `[n, c, oh, ow]`. Padding
    /// never wins. `x` has the window's input dims, any strides.
    fn max_pool2d<E: FloatDtype>(
        &self,
        x: &Self::Storage<E>,
        l: &Layout,
        win: &Window2d,
    ) -> Result<(Self::Storage<E>, Self::Storage<i64>)>;

    /// The gradient of [`max_pool2d`](Self::max_pool2d): a dense `[n, c, h, w]` buffer with
    /// each output's gradient `g` added at its index `idx` (in output order).
    fn max_pool2d_backward<E: FloatDtype>(
        &self,
        g: &Self::Storage<E>,
        lg: &Layout,
        idx: &Self::Storage<i64>,
        lidx: &Layout,
        win: &Window2d,
    ) -> Result<Self::Storage<E>>;

    /// The average of each window (see [`AvgKind`]), dense `[n, c, oh, ow]`.
    fn avg_pool2d<E: FloatDtype>(
        &self,
        x: &Self::Storage<E>,
        l: &Layout,
        win: &Window2d,
        kind: AvgKind,
    ) -> Result<Self::Storage<E>>;

    /// The gradient of [`avg_pool2d`](Self::avg_pool2d): each output's gradient divided as
    /// the forward pass divided, added to every input of its window (in output order),
    /// dense `[n, c, h, w]`.
    fn avg_pool2d_backward<E: FloatDtype>(
        &self,
        g: &Self::Storage<E>,
        lg: &Layout,
        win: &Window2d,
        kind: AvgKind,
    ) -> Result<Self::Storage<E>>;
}

/// The input range output `o` of `out` averages in an adaptive pool over `len` inputs.
#[inline]
pub(crate) fn adaptive_range(o: usize, out: usize, len: usize) -> std::ops::Range<usize> {
    (o * len / out)..((o + 1) * len).div_ceil(out)
}

/// Pooling options, in PyTorch's positional order: `PoolOpts::<K, S, P, D>` is
/// `kernel_size=K, stride=S, padding=P, dilation=D`; the stride defaults to the kernel size,
/// as in PyTorch (`PoolOpts::<3, 2>` is a 3×3 window every 2 positions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolOpts<const K: usize, const S: usize = K, const P: usize = 0, const D: usize = 1>;

/// Shapes a 2-D pooling with a `K × K` window (stride `S`, padding `P`, dilation `D`)
/// takes and gives.
#[diagnostic::on_unimplemented(
    message = "cannot pool a tensor of shape `{Self}` with a {K}x{K} window (stride {S}, padding {P}, dilation {D})",
    label = "2-D pooling takes an [N, C, H, W] or [C, H, W] tensor",
    note = "a `Rank3` input is one unbatched image, as in PyTorch"
)]
pub trait Pool2dRule<const K: usize, const S: usize, const P: usize, const D: usize>:
    Shape
{
    /// The output's shape.
    type Out: Shape;
}

impl<
    const N: usize,
    const C: usize,
    const H: usize,
    const W: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const D: usize,
    const HO: usize,
    const WO: usize,
> Pool2dRule<K, S, P, D> for Rank4<N, C, H, W>
where
    Sizes: PoolPadding<K, P, D>
        + ConvOut<H, K, S, P, D, Out = Dim<HO>>
        + ConvOut<W, K, S, P, D, Out = Dim<WO>>,
{
    type Out = Rank4<N, C, HO, WO>;
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const D: usize,
    const HO: usize,
    const WO: usize,
> Pool2dRule<K, S, P, D> for Rank3<C, H, W>
where
    Sizes: PoolPadding<K, P, D>
        + ConvOut<H, K, S, P, D, Out = Dim<HO>>
        + ConvOut<W, K, S, P, D, Out = Dim<WO>>,
{
    type Out = Rank3<C, HO, WO>;
}

/// Shapes an adaptive 2-D pooling to `OH × OW` takes and gives (any input size).
#[diagnostic::on_unimplemented(
    message = "cannot pool a tensor of shape `{Self}` to {OH}x{OW}",
    label = "2-D pooling takes an [N, C, H, W] or [C, H, W] tensor"
)]
pub trait AdaptivePool2dRule<const OH: usize, const OW: usize>: Shape {
    /// The output's shape.
    type Out: Shape;
}

impl<
    const N: usize,
    const C: usize,
    const H: usize,
    const W: usize,
    const OH: usize,
    const OW: usize,
> AdaptivePool2dRule<OH, OW> for Rank4<N, C, H, W>
{
    type Out = Rank4<N, C, OH, OW>;
}

impl<const C: usize, const H: usize, const W: usize, const OH: usize, const OW: usize>
    AdaptivePool2dRule<OH, OW> for Rank3<C, H, W>
{
    type Out = Rank3<C, OH, OW>;
}

/// The shape of a 2-D pooling of `X` with `PoolOpts<K, S, P, D>`.
pub type Pooled<X, const K: usize, const S: usize = K, const P: usize = 0, const D: usize = 1> =
    <X as Pool2dRule<K, S, P, D>>::Out;

/// A max pool's maxima and their indices (positions `iy * W + ix` in each plane).
pub type WithIndices<SO, E, D> = (Tensor<SO, E, D>, Tensor<SO, i64, D>);

/// The run-time window of a pooling op on a tensor of rank 3 or 4.
fn pool_window(l: &Layout, [k, s, p, d]: [usize; 4]) -> Result<(Window2d, Spatial, Layout)> {
    let spatial = if l.dims().rank() == 4 {
        Spatial::Batched2d
    } else {
        Spatial::Unbatched2d
    };
    let x4 = spatial.input4(l);
    let xd = x4.dims();
    let win = Window2d::new([xd[0], xd[1], xd[2], xd[3]], [k, k], [s, s], [p, p], [d, d])?;
    Ok((win, spatial, x4))
}

/// A tensor of shape `SO` over `storage`, whose dims are `dims`.
fn shaped<SO: Shape, E: FloatDtype, D: Device>(
    storage: D::Storage<E>,
    dims: crate::shape::Dims,
    device: &D,
) -> Result<Tensor<SO, E, D>> {
    let shape = SO::from_dims(&dims)
        .ok_or_else(|| Error::Device(format!("pooling produced unexpected dims {dims:?}")))?;
    Ok(Tensor::from_storage(storage, shape, device.clone()))
}

impl<S: Shape, E: FloatDtype, D: Device> Tensor<S, E, D> {
    /// Max pooling with the indices of the maxima, as `[N, C, OH, OW]` (or `[C, OH, OW]`)
    /// positions `iy * W + ix` in each plane.
    fn try_max_pool<SO: Shape>(&self, opts: [usize; 4]) -> Result<WithIndices<SO, E, D>> {
        let (win, spatial, x4) = pool_window(&self.layout, opts)?;
        let (vals, idx) = self.device.max_pool2d(&self.storage, &x4, &win)?;
        let dims = spatial.output_dims(win.n, win.c, win.oh, win.ow);
        let out = shaped::<SO, E, D>(vals, dims, &self.device)?;
        let idx = {
            let shape = SO::from_dims(&dims).ok_or_else(|| {
                Error::Device(format!("pooling produced unexpected dims {dims:?}"))
            })?;
            Tensor::from_storage(idx, shape, self.device.clone())
        };
        let out = backward::record_max_pool(out, self, idx.raw(), win);
        Ok((out, idx))
    }

    /// `F.max_pool2d(x, K)`: the maximum of each `K × K` window, stride `K`, no padding.
    /// NaN propagates, and the backward pass sends each window's gradient to its first
    /// maximum, as PyTorch.
    ///
    /// ```
    /// use typetensor::{Rank4, Tensor};
    /// let x = Tensor::<Rank4<4, 6, 28, 28>>::randn();
    /// let y: Tensor<Rank4<4, 6, 14, 14>> = x.max_pool2d::<2>(); // F.max_pool2d(x, 2)
    /// # let _ = y;
    /// ```
    pub fn max_pool2d<const K: usize>(&self) -> Tensor<Pooled<S, K>, E, D>
    where
        S: Pool2dRule<K, K, 0, 1>,
    {
        expect_device(self.try_max_pool2d::<K>())
    }

    /// [`max_pool2d`](Self::max_pool2d) with device errors returned.
    pub fn try_max_pool2d<const K: usize>(&self) -> Result<Tensor<Pooled<S, K>, E, D>>
    where
        S: Pool2dRule<K, K, 0, 1>,
    {
        Ok(self.try_max_pool([K, K, 0, 1])?.0)
    }

    /// `F.max_pool2d(x, K, stride=ST, padding=PA, dilation=DI)`, the options as a
    /// [`PoolOpts`] value.
    ///
    /// ```
    /// use typetensor::ops::pool::PoolOpts;
    /// use typetensor::{Rank4, Tensor};
    /// let x = Tensor::<Rank4<2, 64, 112, 112>>::randn();
    /// // ResNet's stem pooling: F.max_pool2d(x, 3, stride=2, padding=1)
    /// let y: Tensor<Rank4<2, 64, 56, 56>> = x.max_pool2d_with(PoolOpts::<3, 2, 1>);
    /// # let _ = y;
    /// ```
    pub fn max_pool2d_with<const K: usize, const ST: usize, const PA: usize, const DI: usize>(
        &self,
        opts: PoolOpts<K, ST, PA, DI>,
    ) -> Tensor<Pooled<S, K, ST, PA, DI>, E, D>
    where
        S: Pool2dRule<K, ST, PA, DI>,
    {
        expect_device(self.try_max_pool2d_with(opts))
    }

    /// [`max_pool2d_with`](Self::max_pool2d_with) with device errors returned.
    pub fn try_max_pool2d_with<const K: usize, const ST: usize, const PA: usize, const DI: usize>(
        &self,
        _opts: PoolOpts<K, ST, PA, DI>,
    ) -> Result<Tensor<Pooled<S, K, ST, PA, DI>, E, D>>
    where
        S: Pool2dRule<K, ST, PA, DI>,
    {
        Ok(self.try_max_pool([K, ST, PA, DI])?.0)
    }

    /// `F.max_pool2d(x, K, ST, PA, DI, return_indices=True)`: the maxima and, for each,
    /// its position `iy * W + ix` in its `H × W` plane.
    ///
    /// ```
    /// use typetensor::ops::pool::PoolOpts;
    /// use typetensor::{tensor, Rank3, Tensor};
    /// let x = tensor([[[1.0f32, 5.0], [3.0, 2.0]]]);
    /// let (y, idx) = x.max_pool2d_with_indices(PoolOpts::<2>);
    /// assert_eq!((y.to_vec(), idx.to_vec()), (vec![5.0], vec![1]));
    /// # let _: Tensor<Rank3<1, 1, 1>> = y;
    /// ```
    pub fn max_pool2d_with_indices<
        const K: usize,
        const ST: usize,
        const PA: usize,
        const DI: usize,
    >(
        &self,
        opts: PoolOpts<K, ST, PA, DI>,
    ) -> WithIndices<Pooled<S, K, ST, PA, DI>, E, D>
    where
        S: Pool2dRule<K, ST, PA, DI>,
    {
        expect_device(self.try_max_pool2d_with_indices(opts))
    }

    /// [`max_pool2d_with_indices`](Self::max_pool2d_with_indices) with device errors
    /// returned.
    pub fn try_max_pool2d_with_indices<
        const K: usize,
        const ST: usize,
        const PA: usize,
        const DI: usize,
    >(
        &self,
        _opts: PoolOpts<K, ST, PA, DI>,
    ) -> Result<WithIndices<Pooled<S, K, ST, PA, DI>, E, D>>
    where
        S: Pool2dRule<K, ST, PA, DI>,
    {
        self.try_max_pool([K, ST, PA, DI])
    }

    fn try_avg_pool<SO: Shape>(
        &self,
        win: Window2d,
        spatial: Spatial,
        x4: &Layout,
        kind: AvgKind,
    ) -> Result<Tensor<SO, E, D>> {
        let out = self.device.avg_pool2d(&self.storage, x4, &win, kind)?;
        let dims = spatial.output_dims(win.n, win.c, win.oh, win.ow);
        let out = shaped::<SO, E, D>(out, dims, &self.device)?;
        Ok(backward::record_avg_pool(out, self, win, kind))
    }

    /// `F.avg_pool2d(x, K)`: the mean of each `K × K` window, stride `K`.
    ///
    /// ```
    /// use typetensor::{tensor, Rank2, Tensor};
    /// let x = tensor([[[1.0f32, 2.0], [3.0, 6.0]]]);
    /// assert_eq!(x.avg_pool2d::<2>().to_vec(), vec![3.0]); // F.avg_pool2d(x, 2)
    /// ```
    pub fn avg_pool2d<const K: usize>(&self) -> Tensor<Pooled<S, K>, E, D>
    where
        S: Pool2dRule<K, K, 0, 1>,
    {
        expect_device(self.try_avg_pool2d::<K>())
    }

    /// [`avg_pool2d`](Self::avg_pool2d) with device errors returned.
    pub fn try_avg_pool2d<const K: usize>(&self) -> Result<Tensor<Pooled<S, K>, E, D>>
    where
        S: Pool2dRule<K, K, 0, 1>,
    {
        self.try_avg_pool2d_with(PoolOpts::<K>)
    }

    /// `F.avg_pool2d(x, K, stride=ST, padding=PA)` with PyTorch's defaults otherwise
    /// (`ceil_mode=False`, `count_include_pad=True`: a window's zero padding counts in its
    /// divisor). Average pooling has no dilation.
    ///
    /// ```
    /// use typetensor::ops::pool::PoolOpts;
    /// use typetensor::{Rank4, Tensor};
    /// let x = Tensor::<Rank4<2, 8, 10, 10>>::randn();
    /// let y: Tensor<Rank4<2, 8, 5, 5>> = x.avg_pool2d_with(PoolOpts::<3, 2, 1>);
    /// # let _ = y;
    /// ```
    pub fn avg_pool2d_with<const K: usize, const ST: usize, const PA: usize>(
        &self,
        opts: PoolOpts<K, ST, PA, 1>,
    ) -> Tensor<Pooled<S, K, ST, PA>, E, D>
    where
        S: Pool2dRule<K, ST, PA, 1>,
    {
        expect_device(self.try_avg_pool2d_with(opts))
    }

    /// [`avg_pool2d_with`](Self::avg_pool2d_with) with device errors returned.
    pub fn try_avg_pool2d_with<const K: usize, const ST: usize, const PA: usize>(
        &self,
        _opts: PoolOpts<K, ST, PA, 1>,
    ) -> Result<Tensor<Pooled<S, K, ST, PA>, E, D>>
    where
        S: Pool2dRule<K, ST, PA, 1>,
    {
        let (win, spatial, x4) = pool_window(&self.layout, [K, ST, PA, 1])?;
        self.try_avg_pool(win, spatial, &x4, AvgKind::Fixed)
    }

    /// `F.adaptive_avg_pool2d(x, (OH, OW))`: averages over windows that tile the input into
    /// `OH × OW` (PyTorch's), for any input size.
    ///
    /// ```
    /// use typetensor::{Rank4, Tensor};
    /// let x = Tensor::<Rank4<2, 512, 7, 7>>::randn();
    /// let y: Tensor<Rank4<2, 512, 1, 1>> = x.adaptive_avg_pool2d::<1, 1>();
    /// # let _ = y;
    /// ```
    pub fn adaptive_avg_pool2d<const OH: usize, const OW: usize>(
        &self,
    ) -> Tensor<<S as AdaptivePool2dRule<OH, OW>>::Out, E, D>
    where
        S: AdaptivePool2dRule<OH, OW>,
    {
        expect_device(self.try_adaptive_avg_pool2d::<OH, OW>())
    }

    /// [`adaptive_avg_pool2d`](Self::adaptive_avg_pool2d) with device errors returned (and
    /// an `Err` for an empty input or output size, which has no average).
    pub fn try_adaptive_avg_pool2d<const OH: usize, const OW: usize>(
        &self,
    ) -> Result<Tensor<<S as AdaptivePool2dRule<OH, OW>>::Out, E, D>>
    where
        S: AdaptivePool2dRule<OH, OW>,
    {
        let spatial = if S::RANK == 4 {
            Spatial::Batched2d
        } else {
            Spatial::Unbatched2d
        };
        let x4 = spatial.input4(&self.layout);
        let xd = x4.dims();
        if xd[2] == 0 || xd[3] == 0 || OH == 0 || OW == 0 {
            return Err(Error::Device(format!(
                "adaptive_avg_pool2d: cannot pool {}x{} to {OH}x{OW}",
                xd[2], xd[3]
            )));
        }
        let win = Window2d::adaptive([xd[0], xd[1], xd[2], xd[3]], [OH, OW]);
        self.try_avg_pool(win, spatial, &x4, AvgKind::Adaptive)
    }
}
