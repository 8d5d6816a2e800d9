//! Convolutions: `conv2d` and `conv1d` (stride, zero padding, dilation, groups, bias), with
//! the output's spatial sizes computed in the type.
//!
//! `x.conv2d(&w, Some(&b))` on a `Tensor<Rank4<N, 1, 32, 32>>` with a `Rank4<6, 1, 5, 5>`
//! weight is a `Tensor<Rank4<N, 6, 28, 28>>`: the rule [`Conv2dRule`] asks [`ConvOut`] for
//! each spatial size, which `cargo check` evaluates, and carries the batch dimension `N`
//! through by unification (so it may be generic, or a run-time `DYN`). A kernel larger than the padded input, a channel count the weight does not
//! take, or groups that do not divide the channels are compile errors naming the numbers.
//!
//! The computation is im2col onto a matrix product, so the GEMM does the work on every
//! device: [`ConvKernel::unfold`] lays the input's windows out as the columns of a
//! `[C·KH·KW, N·OH·OW]` matrix, one product per group multiplies the weight
//! `[OUT/G, C/G·KH·KW]` by it (the device's [`MatMulKernel`](crate::ops::matmul::MatMulKernel)),
//! and [`ConvKernel::conv_output`] moves the result to `[N, OUT, OH, OW]` adding the bias.
//! The batch sits in the columns, so each group is one large product rather than one small
//! product per sample. The backward pass is two more products and [`ConvKernel::fold`]
//! (col2im).
use crate::Result;
use crate::device::{Device, DeviceStorage};
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::layout::Layout;
use crate::shape::typenum_bridge::Dim;
use crate::shape::window::{CheckTimeSize, ConvOut, Sizes, Tn, conv_out_size};
use crate::shape::{Dims, Rank0, Rank1, Rank2, Rank3, Rank4, Shape, ShapeProbe, ShapeProbe2};
use crate::tensor::{Tensor, expect_device};

mod backward;
pub(crate) mod cpu;
#[cfg(test)]
mod tests;

/// The geometry of a 2-D sliding window over `[N, C, H, W]`: kernel, stride, zero padding
/// and dilation per spatial dimension, and the output size they give. Convolutions, their
/// gradients and the pooling ops all take one. A 1-D window is a 2-D one with `h = 1` and a
/// `1 × K` kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window2d {
    /// Batch size.
    pub n: usize,
    /// Channels (planes) of the input.
    pub c: usize,
    /// Input height and width.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Kernel height.
    pub kh: usize,
    /// Kernel width.
    pub kw: usize,
    /// Vertical stride.
    pub sh: usize,
    /// Horizontal stride.
    pub sw: usize,
    /// Zero padding above and below.
    pub ph: usize,
    /// Zero padding left and right.
    pub pw: usize,
    /// Vertical dilation.
    pub dh: usize,
    /// Horizontal dilation.
    pub dw: usize,
    /// Output height, `(h + 2 ph - dh (kh - 1) - 1) / sh + 1`.
    pub oh: usize,
    /// Output width.
    pub ow: usize,
}

impl Window2d {
    /// The window of a `kh × kw` kernel over an `[n, c, h, w]` input, `[stride, padding,
    /// dilation]` per dimension, or `Err` if the kernel does not fit or a parameter is 0
    /// (the typed ops cannot get here with such sizes; kernels are public and check).
    pub fn new(
        [n, c, h, w]: [usize; 4],
        [kh, kw]: [usize; 2],
        [sh, sw]: [usize; 2],
        [ph, pw]: [usize; 2],
        [dh, dw]: [usize; 2],
    ) -> Result<Self> {
        match (
            conv_out_size(h, kh, sh, ph, dh),
            conv_out_size(w, kw, sw, pw, dw),
        ) {
            (Some(oh), Some(ow)) => Ok(Window2d {
                n,
                c,
                h,
                w,
                kh,
                kw,
                sh,
                sw,
                ph,
                pw,
                dh,
                dw,
                oh,
                ow,
            }),
            _ => Err(Error::Device(format!(
                "a {kh}x{kw} window (stride {sh}x{sw}, padding {ph}x{pw}, dilation {dh}x{dw}) \
                 does not fit a {h}x{w} input"
            ))),
        }
    }

    /// The window of an adaptive pool from `[n, c, h, w]` to `oh × ow` (its kernel, stride,
    /// padding and dilation are unused, set to 1, 1, 0, 1).
    pub fn adaptive([n, c, h, w]: [usize; 4], [oh, ow]: [usize; 2]) -> Self {
        Window2d {
            n,
            c,
            h,
            w,
            kh: 1,
            kw: 1,
            sh: 1,
            sw: 1,
            ph: 0,
            pw: 0,
            dh: 1,
            dw: 1,
            oh,
            ow,
        }
    }

    /// The input's dims, `[n, c, h, w]`.
    pub fn input_dims(&self) -> Dims {
        Dims::from_array([self.n, self.c, self.h, self.w])
    }

    /// The output's dims for `c` output planes, `[n, c, oh, ow]`.
    pub fn output_dims(&self, c: usize) -> Dims {
        Dims::from_array([self.n, c, self.oh, self.ow])
    }

    /// Rows of the unfolded matrix: `c · kh · kw`.
    pub fn col_rows(&self) -> usize {
        self.c * self.kh * self.kw
    }

    /// Columns of the unfolded matrix: `n · oh · ow`.
    pub fn col_cols(&self) -> usize {
        self.n * self.oh * self.ow
    }

    /// Checks that `l` is a rank-4 layout of this window's input dims.
    pub(crate) fn check_input(&self, l: &Layout, what: &str) -> Result<()> {
        if l.dims() == self.input_dims() {
            Ok(())
        } else {
            Err(Error::Device(format!(
                "{what}: layout {l:?} does not have the window's input dims {:?}",
                self.input_dims()
            )))
        }
    }
}

/// Kernels for convolutions: im2col, col2im, and the output step.
pub trait ConvKernel: DeviceStorage {
    /// im2col: the `[c·kh·kw, n·oh·ow]` matrix (dense, row-major) whose column
    /// `(n, oh, ow)` holds the input window that output position sees, zero where the window
    /// lies in the padding; row `(c, i, j)` is kernel tap `(i, j)` of channel `c`. `x` has
    /// the window's input dims `[n, c, h, w]`, any strides.
    fn unfold<E: FloatDtype>(
        &self,
        x: &Self::Storage<E>,
        l: &Layout,
        win: &Window2d,
    ) -> Result<Self::Storage<E>>;

    /// col2im, the adjoint of [`unfold`](Self::unfold): a dense `[n, c, h, w]` buffer where
    /// each element is the sum of the matrix entries `unfold` would have copied from it
    /// (taps in row order), zero if none. `cols` has dims `[c·kh·kw, n·oh·ow]`, any strides.
    fn fold<E: FloatDtype>(
        &self,
        cols: &Self::Storage<E>,
        l: &Layout,
        win: &Window2d,
    ) -> Result<Self::Storage<E>>;

    /// The convolution's output from the product `y` of dims `[oc, n, l]` (any strides):
    /// dense `[n, oc, l]`, plus `bias[oc]` (dims `[oc]`, any strides) when given.
    fn conv_output<E: FloatDtype>(
        &self,
        y: &Self::Storage<E>,
        ly: &Layout,
        bias: Option<(&Self::Storage<E>, &Layout)>,
    ) -> Result<Self::Storage<E>>;
}

/// Convolution options, in PyTorch's positional order: `ConvOpts::<S, P, D, G>` is
/// `stride=S, padding=P, dilation=D, groups=G`, each defaulting as PyTorch's
/// (`ConvOpts::<2>` is stride 2, `ConvOpts::<1, 1>` padding 1).
///
/// The same stride, padding and dilation apply to every spatial dimension.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConvOpts<const S: usize = 1, const P: usize = 0, const D: usize = 1, const G: usize = 1>;

/// The typenum comparisons behind [`GroupChannels`] and [`GroupOutputs`] (total for sizes
/// that pass [`CheckTimeSize`], so that a failed check is reported as the check).
#[doc(hidden)]
pub trait GroupArith<const C: usize, const CG: usize, const OC: usize, const G: usize> {
    /// `CG · G` compared with `C`: `Equal` when the channels split.
    type Inputs;
    /// `(OC mod max(G, 1)` compared with 0, `G` compared with 0`): `(Equal, Greater)` when
    /// the outputs split into at least one group.
    type Outputs;
}

impl<const C: usize, const CG: usize, const OC: usize, const G: usize> GroupArith<C, CG, OC, G>
    for Sizes
where
    Sizes: CheckTimeSize<C> + CheckTimeSize<CG> + CheckTimeSize<OC> + CheckTimeSize<G>,
    Tn<CG>: std::ops::Mul<Tn<G>>,
    typenum::Prod<Tn<CG>, Tn<G>>: typenum::Cmp<Tn<C>>,
    Tn<G>: typenum::Max<typenum::U1> + typenum::Cmp<typenum::U0>,
    Tn<OC>: std::ops::Rem<typenum::Maximum<Tn<G>, typenum::U1>>,
    typenum::Mod<Tn<OC>, typenum::Maximum<Tn<G>, typenum::U1>>: typenum::Cmp<typenum::U0>,
{
    type Inputs = typenum::Compare<typenum::Prod<Tn<CG>, Tn<G>>, Tn<C>>;
    type Outputs = (
        typenum::Compare<typenum::Mod<Tn<OC>, typenum::Maximum<Tn<G>, typenum::U1>>, typenum::U0>,
        typenum::Compare<Tn<G>, typenum::U0>,
    );
}

/// `C` input channels go into `G` groups of `CG` (the weight's dimension 1): implemented for
/// typenum's `Equal`, the outcome of comparing `CG · G` with `C`.
#[diagnostic::on_unimplemented(
    message = "an input with {C} channels does not fit a weight made for {CG} channels per group in {G} group(s)",
    label = "the weight's dimension 1 times the groups must equal the input's channels",
    note = "a convolution's weight is [OUT, IN / groups, KH, KW] (PyTorch's layout)"
)]
pub trait GroupChannels<const C: usize, const CG: usize, const G: usize> {}
impl<const C: usize, const CG: usize, const G: usize> GroupChannels<C, CG, G> for typenum::Equal {}

/// `OC` output channels split evenly into `G` groups, `G` at least 1: implemented for the
/// outcomes `(Equal, Greater)` of comparing `OC mod G` and `G` with 0.
#[diagnostic::on_unimplemented(
    message = "{OC} output channels do not split into {G} group(s)",
    label = "the output channels must be a multiple of the groups (at least 1)"
)]
pub trait GroupOutputs<const OC: usize, const G: usize> {}
impl<const OC: usize, const G: usize> GroupOutputs<OC, G> for (typenum::Equal, typenum::Greater) {}

/// The input and output channels of a convolution split into `G` groups.
#[doc(hidden)]
pub trait Groups<const C: usize, const CG: usize, const OC: usize, const G: usize> {}

impl<const C: usize, const CG: usize, const OC: usize, const G: usize> Groups<C, CG, OC, G>
    for Sizes
where
    Sizes: GroupArith<C, CG, OC, G>,
    <Sizes as GroupArith<C, CG, OC, G>>::Inputs: GroupChannels<C, CG, G>,
    <Sizes as GroupArith<C, CG, OC, G>>::Outputs: GroupOutputs<OC, G>,
{
}

/// The weight shapes of a convolution layer with `IN` input channels, `OUT` output
/// channels and `G` groups: `[OUT, IN / G, KH, KW]` (2-D) and `[OUT, IN / G, K]` (1-D), as
/// PyTorch lays them out. Exists when `G` divides both channel counts.
pub trait ConvWeight<const IN: usize, const OUT: usize, const G: usize> {
    /// `IN / G`.
    const PER_GROUP: usize;
    /// A 2-D layer's weight, `Rank4<OUT, IN / G, KH, KW>`.
    type W2d<const KH: usize, const KW: usize>: Shape;
    /// A 1-D layer's weight, `Rank3<OUT, IN / G, K>`.
    type W1d<const K: usize>: Shape;
}

impl<const IN: usize, const OUT: usize, const G: usize, const CG: usize> ConvWeight<IN, OUT, G>
    for Sizes
where
    Sizes: GroupSplit<IN, G, Dim = Dim<CG>> + Groups<IN, CG, OUT, G>,
{
    const PER_GROUP: usize = CG;
    type W2d<const KH: usize, const KW: usize> = Rank4<OUT, CG, KH, KW>;
    type W1d<const K: usize> = Rank3<OUT, CG, K>;
}

/// `C / G` (rounded down; whether `G` divides `C` is [`GroupChannels`]' check) as a `Dim`.
#[doc(hidden)]
pub trait GroupSplit<const C: usize, const G: usize> {
    /// `Dim<C / G>`.
    type Dim;
}

impl<const C: usize, const G: usize> GroupSplit<C, G> for Sizes
where
    Sizes: CheckTimeSize<C> + CheckTimeSize<G>,
    Tn<G>: typenum::Max<typenum::U1>,
    Tn<C>: std::ops::Div<typenum::Maximum<Tn<G>, typenum::U1>>,
    typenum::Quot<Tn<C>, typenum::Maximum<Tn<G>, typenum::U1>>:
        crate::shape::typenum_bridge::FromTn,
{
    type Dim = <typenum::Quot<Tn<C>, typenum::Maximum<Tn<G>, typenum::U1>> as crate::shape::typenum_bridge::FromTn>::Dim;
}

/// The 2-D weight shape of a layer: `Rank4<OUT, IN / G, K, K>`.
pub type Conv2dWeight<const IN: usize, const OUT: usize, const K: usize, const G: usize = 1> =
    <Sizes as ConvWeight<IN, OUT, G>>::W2d<K, K>;
/// The 1-D weight shape of a layer: `Rank3<OUT, IN / G, K>`.
pub type Conv1dWeight<const IN: usize, const OUT: usize, const K: usize, const G: usize = 1> =
    <Sizes as ConvWeight<IN, OUT, G>>::W1d<K>;

/// Shapes a `conv2d` takes (`Self`, the input; `W`, the weight) and gives.
#[diagnostic::on_unimplemented(
    message = "cannot convolve an input of shape `{Self}` with a weight of shape `{W}` (stride {S}, padding {P}, dilation {D}, groups {G})",
    label = "`conv2d` takes an [N, C, H, W] or [C, H, W] input and an [OUT, C / groups, KH, KW] weight",
    note = "a `Rank3` input is one unbatched image, as in PyTorch"
)]
pub trait Conv2dRule<W, const S: usize, const P: usize, const D: usize, const G: usize>:
    Shape
{
    /// The output's shape.
    type Out: Shape;
    /// The bias's shape, `Rank1<OUT>`.
    type Bias: Shape;
}

impl<
    const N: usize,
    const C: usize,
    const H: usize,
    const W: usize,
    const OC: usize,
    const CG: usize,
    const KH: usize,
    const KW: usize,
    const S: usize,
    const P: usize,
    const D: usize,
    const G: usize,
    const HO: usize,
    const WO: usize,
> Conv2dRule<Rank4<OC, CG, KH, KW>, S, P, D, G> for Rank4<N, C, H, W>
where
    Sizes: Groups<C, CG, OC, G>
        + ConvOut<H, KH, S, P, D, Out = Dim<HO>>
        + ConvOut<W, KW, S, P, D, Out = Dim<WO>>,
{
    type Out = Rank4<N, OC, HO, WO>;
    type Bias = Rank1<OC>;
}

impl<
    const C: usize,
    const H: usize,
    const W: usize,
    const OC: usize,
    const CG: usize,
    const KH: usize,
    const KW: usize,
    const S: usize,
    const P: usize,
    const D: usize,
    const G: usize,
    const HO: usize,
    const WO: usize,
> Conv2dRule<Rank4<OC, CG, KH, KW>, S, P, D, G> for Rank3<C, H, W>
where
    Sizes: Groups<C, CG, OC, G>
        + ConvOut<H, KH, S, P, D, Out = Dim<HO>>
        + ConvOut<W, KW, S, P, D, Out = Dim<WO>>,
{
    type Out = Rank3<OC, HO, WO>;
    type Bias = Rank1<OC>;
}

/// Shapes a `conv1d` takes (`Self`, the input; `W`, the weight) and gives.
#[diagnostic::on_unimplemented(
    message = "cannot convolve an input of shape `{Self}` with a weight of shape `{W}` (stride {S}, padding {P}, dilation {D}, groups {G})",
    label = "`conv1d` takes an [N, C, L] or [C, L] input and an [OUT, C / groups, K] weight"
)]
pub trait Conv1dRule<W, const S: usize, const P: usize, const D: usize, const G: usize>:
    Shape
{
    /// The output's shape.
    type Out: Shape;
    /// The bias's shape, `Rank1<OUT>`.
    type Bias: Shape;
}

impl<
    const N: usize,
    const C: usize,
    const L: usize,
    const OC: usize,
    const CG: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const D: usize,
    const G: usize,
    const LO: usize,
> Conv1dRule<Rank3<OC, CG, K>, S, P, D, G> for Rank3<N, C, L>
where
    Sizes: Groups<C, CG, OC, G> + ConvOut<L, K, S, P, D, Out = Dim<LO>>,
{
    type Out = Rank3<N, OC, LO>;
    type Bias = Rank1<OC>;
}

impl<
    const C: usize,
    const L: usize,
    const OC: usize,
    const CG: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const D: usize,
    const G: usize,
    const LO: usize,
> Conv1dRule<Rank3<OC, CG, K>, S, P, D, G> for Rank2<C, L>
where
    Sizes: Groups<C, CG, OC, G> + ConvOut<L, K, S, P, D, Out = Dim<LO>>,
{
    type Out = Rank2<OC, LO>;
    type Bias = Rank1<OC>;
}

// Unusable second and third impls (see `ShapeProbe`) for every rank: with the weight still unknown
// while rustc looks the method up, a shape then has two candidate impls, so a wrong rank or
// a size outside check-time arithmetic is reported with the rules' messages (E0277) rather
// than as "the method exists but its trait bounds were not satisfied" (E0599).
macro_rules! conv_probes {
    ($($rank:ident [$($d:ident),*]),*) => {$(
        conv_probes!(@one $rank [$($d),*] ShapeProbe);
        conv_probes!(@one $rank [$($d),*] ShapeProbe2);
    )*};
    (@one $rank:ident [$($d:ident),*] $probe:ident) => {
        #[diagnostic::do_not_recommend]
        impl<$(const $d: usize,)* const S: usize, const P: usize, const DI: usize, const G: usize>
            Conv2dRule<$probe, S, P, DI, G> for $rank<$($d),*>
        {
            type Out = $probe;
            type Bias = $probe;
        }
        #[diagnostic::do_not_recommend]
        impl<$(const $d: usize,)* const S: usize, const P: usize, const DI: usize, const G: usize>
            Conv1dRule<$probe, S, P, DI, G> for $rank<$($d),*>
        {
            type Out = $probe;
            type Bias = $probe;
        }
    };
}
conv_probes!(Rank0 [], Rank1 [A], Rank2 [A, B], Rank3 [A, B, C], Rank4 [A, B, C, E]);

/// The shape of `x.conv2d_with(&w, b, ConvOpts::<S, P, D, G>)` for `x: X`, `w: W`.
pub type Conv2dOut<
    X,
    W,
    const S: usize = 1,
    const P: usize = 0,
    const D: usize = 1,
    const G: usize = 1,
> = <X as Conv2dRule<W, S, P, D, G>>::Out;
/// The bias shape of a `conv2d` with weight `W` (`Rank1<OUT>`).
pub type Conv2dBias<
    X,
    W,
    const S: usize = 1,
    const P: usize = 0,
    const D: usize = 1,
    const G: usize = 1,
> = <X as Conv2dRule<W, S, P, D, G>>::Bias;
/// The shape of `x.conv1d_with(&w, b, ConvOpts::<S, P, D, G>)` for `x: X`, `w: W`.
pub type Conv1dOut<
    X,
    W,
    const S: usize = 1,
    const P: usize = 0,
    const D: usize = 1,
    const G: usize = 1,
> = <X as Conv1dRule<W, S, P, D, G>>::Out;
/// The bias shape of a `conv1d` with weight `W` (`Rank1<OUT>`).
pub type Conv1dBias<
    X,
    W,
    const S: usize = 1,
    const P: usize = 0,
    const D: usize = 1,
    const G: usize = 1,
> = <X as Conv1dRule<W, S, P, D, G>>::Bias;

/// A layout seen as rank 4 by inserting size-1 dims at `at` (their strides never matter).
fn with_unit_dims(l: &Layout, at: &[usize]) -> Layout {
    let mut dims = l.dims().as_slice().to_vec();
    let mut strides = l.strides().to_vec();
    for &a in at {
        dims.insert(a, 1);
        strides.insert(a, 0);
    }
    let mut out = Layout::contiguous(Dims::new(&dims).unwrap_or(l.dims()));
    out.strides[..strides.len()].copy_from_slice(&strides);
    out.offset = l.offset();
    out
}

/// A 2-D pooling or convolution operand (or gradient) of rank 3, `[C, H, W]`, as
/// `[1, C, H, W]`; rank 4 as it is.
pub(crate) fn as_nchw(l: &Layout) -> Layout {
    if l.dims().rank() == 4 {
        *l
    } else {
        with_unit_dims(l, &[0])
    }
}

/// Where a 1-D or unbatched input gets its missing dims to become `[N, C, H, W]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Spatial {
    /// `[N, C, H, W]` (conv2d, batched): nothing to insert.
    Batched2d,
    /// `[C, H, W]`: `N = 1` in front.
    Unbatched2d,
    /// `[N, C, L]`: `H = 1` before `L`.
    Batched1d,
    /// `[C, L]`: `N = 1` and `H = 1`.
    Unbatched1d,
}

impl Spatial {
    fn of(rank: usize, two_d: bool) -> Self {
        match (two_d, rank) {
            (true, 4) => Spatial::Batched2d,
            (true, _) => Spatial::Unbatched2d,
            (false, 3) => Spatial::Batched1d,
            (false, _) => Spatial::Unbatched1d,
        }
    }

    /// The input layout as `[N, C, H, W]`.
    pub(crate) fn input4(self, l: &Layout) -> Layout {
        match self {
            Spatial::Batched2d => *l,
            Spatial::Unbatched2d => with_unit_dims(l, &[0]),
            Spatial::Batched1d => with_unit_dims(l, &[2]),
            Spatial::Unbatched1d => with_unit_dims(l, &[0, 2]),
        }
    }

    /// The output dims of the user's rank from `[n, c, oh, ow]`.
    pub(crate) fn output_dims(self, n: usize, c: usize, oh: usize, ow: usize) -> Dims {
        match self {
            Spatial::Batched2d => Dims::from_array([n, c, oh, ow]),
            Spatial::Unbatched2d => Dims::from_array([c, oh, ow]),
            Spatial::Batched1d => Dims::from_array([n, c, ow]),
            Spatial::Unbatched1d => Dims::from_array([c, ow]),
        }
    }
}

/// A convolution's sizes, read from the run-time layouts.
#[derive(Clone, Copy, Debug)]
struct ConvGeom {
    win: Window2d,
    /// Output channels.
    oc: usize,
    groups: usize,
}

impl ConvGeom {
    /// `x` (rank 2..=4) and weight dims, stride/padding/dilation applied to every spatial
    /// dimension (none on the added `H = 1` of a 1-D convolution).
    fn new(x4: &Layout, w: Dims, spatial: Spatial, [s, p, d, groups]: [usize; 4]) -> Result<Self> {
        let xd = x4.dims();
        let (oc, cg) = (w[0], w[1]);
        let one_d = matches!(spatial, Spatial::Batched1d | Spatial::Unbatched1d);
        let (kh, kw) = if one_d { (1, w[2]) } else { (w[2], w[3]) };
        let (sh, ph, dh) = if one_d { (1, 0, 1) } else { (s, p, d) };
        if groups == 0 || cg * groups != xd[1] || oc % groups != 0 {
            return Err(Error::Device(format!(
                "conv: input dims {xd:?} and weight dims {w:?} do not fit {groups} group(s)"
            )));
        }
        let win = Window2d::new(
            [xd[0], xd[1], xd[2], xd[3]],
            [kh, kw],
            [sh, s],
            [ph, p],
            [dh, d],
        )?;
        Ok(ConvGeom { win, oc, groups })
    }

    /// The weight as `[G, OC/G, C/G·KH·KW]` (a product's batch of left operands).
    fn weight_dims(&self) -> Dims {
        let g = self.groups;
        Dims::from_array([g, self.oc / g, self.win.col_rows() / g])
    }

    /// The unfolded input as `[G, C/G·KH·KW, N·OH·OW]`.
    fn cols_dims(&self) -> Dims {
        let g = self.groups;
        Dims::from_array([g, self.win.col_rows() / g, self.win.col_cols()])
    }

    /// The product `weight × cols`, `[G, OC/G, N·OH·OW]`, seen as `[OC, N, OH·OW]`.
    fn product_as_channels(&self) -> Dims {
        Dims::from_array([self.oc, self.win.n, self.win.oh * self.win.ow])
    }
}

impl<S: Shape, E: FloatDtype, D: Device> Tensor<S, E, D> {
    /// The convolution shared by every public form: the output of shape `SO` and its graph.
    fn try_conv<SW: Shape, SB: Shape, SO: Shape>(
        &self,
        weight: &Tensor<SW, E, D>,
        bias: Option<&Tensor<SB, E, D>>,
        two_d: bool,
        opts: [usize; 4],
    ) -> Result<Tensor<SO, E, D>> {
        let spatial = Spatial::of(S::RANK, two_d);
        let x4 = spatial.input4(&self.layout);
        let geom = ConvGeom::new(&x4, weight.dims(), spatial, opts)?;
        let dev = &self.device;
        let cols = dev.unfold(&self.storage, &x4, &geom.win)?;
        let lcols = Layout::contiguous(geom.cols_dims());
        let w = weight.raw().reshape(geom.weight_dims())?;
        let y = dev.matmul(&w.storage, &w.layout, &cols, &lcols)?;
        let ly = Layout::contiguous(geom.product_as_channels());
        let out = dev.conv_output(&y, &ly, bias.map(|b| (&*b.storage, &b.layout)))?;
        let win = &geom.win;
        let dims = spatial.output_dims(win.n, geom.oc, win.oh, win.ow);
        let shape = SO::from_dims(&dims)
            .ok_or_else(|| Error::Device(format!("conv produced unexpected dims {dims:?}")))?;
        let out = Tensor::from_storage(out, shape, dev.clone());
        Ok(backward::record_conv(
            out,
            self,
            weight,
            bias,
            backward::Saved {
                cols,
                w,
                geom_win: geom.win,
                oc: geom.oc,
                groups: geom.groups,
            },
        ))
    }

    /// `F.conv2d(x, weight, bias)`: a 2-D convolution (cross-correlation, as PyTorch's) of
    /// an `[N, C, H, W]` batch (or one `[C, H, W]` image) with an `[OUT, C, KH, KW]` weight,
    /// stride 1, no padding. The output's spatial size is computed in the type.
    ///
    /// ```
    /// use typetensor::{Rank1, Rank4, Tensor};
    /// let x = Tensor::<Rank4<4, 1, 32, 32>>::randn();
    /// let w = Tensor::<Rank4<6, 1, 5, 5>>::randn();
    /// let b = Tensor::<Rank1<6>>::zeros();
    /// let y: Tensor<Rank4<4, 6, 28, 28>> = x.conv2d(&w, Some(&b)); // F.conv2d(x, w, b)
    /// # let _ = y;
    /// ```
    pub fn conv2d<SW: Shape>(
        &self,
        weight: &Tensor<SW, E, D>,
        bias: Option<&Tensor<Conv2dBias<S, SW>, E, D>>,
    ) -> Tensor<Conv2dOut<S, SW>, E, D>
    where
        S: Conv2dRule<SW, 1, 0, 1, 1>,
    {
        expect_device(self.try_conv2d(weight, bias))
    }

    /// [`conv2d`](Self::conv2d) with device errors returned.
    pub fn try_conv2d<SW: Shape>(
        &self,
        weight: &Tensor<SW, E, D>,
        bias: Option<&Tensor<Conv2dBias<S, SW>, E, D>>,
    ) -> Result<Tensor<Conv2dOut<S, SW>, E, D>>
    where
        S: Conv2dRule<SW, 1, 0, 1, 1>,
    {
        self.try_conv(weight, bias, true, [1, 0, 1, 1])
    }

    /// `F.conv2d(x, weight, bias, stride=ST, padding=PA, dilation=DI, groups=GR)`, with the
    /// options as a [`ConvOpts`] value: `x.conv2d_with(&w, None, ConvOpts::<2, 1>)` is
    /// `F.conv2d(x, w, None, 2, 1)`. With groups, the weight is `[OUT, C / GR, KH, KW]`.
    ///
    /// ```
    /// use typetensor::ops::conv::ConvOpts;
    /// use typetensor::{Rank4, Tensor};
    /// let x = Tensor::<Rank4<2, 64, 56, 56>>::randn();
    /// let w = Tensor::<Rank4<64, 64, 3, 3>>::randn();
    /// // F.conv2d(x, w, stride=2, padding=1)
    /// let y: Tensor<Rank4<2, 64, 28, 28>> = x.conv2d_with(&w, None, ConvOpts::<2, 1>);
    /// // a depthwise convolution: F.conv2d(x, dw, padding=1, groups=64)
    /// let dw = Tensor::<Rank4<64, 1, 3, 3>>::randn();
    /// let z: Tensor<Rank4<2, 64, 56, 56>> = x.conv2d_with(&dw, None, ConvOpts::<1, 1, 1, 64>);
    /// # let _ = (y, z);
    /// ```
    pub fn conv2d_with<
        SW: Shape,
        const ST: usize,
        const PA: usize,
        const DI: usize,
        const GR: usize,
    >(
        &self,
        weight: &Tensor<SW, E, D>,
        bias: Option<&Tensor<Conv2dBias<S, SW, ST, PA, DI, GR>, E, D>>,
        opts: ConvOpts<ST, PA, DI, GR>,
    ) -> Tensor<Conv2dOut<S, SW, ST, PA, DI, GR>, E, D>
    where
        S: Conv2dRule<SW, ST, PA, DI, GR>,
    {
        expect_device(self.try_conv2d_with(weight, bias, opts))
    }

    /// [`conv2d_with`](Self::conv2d_with) with device errors returned.
    pub fn try_conv2d_with<
        SW: Shape,
        const ST: usize,
        const PA: usize,
        const DI: usize,
        const GR: usize,
    >(
        &self,
        weight: &Tensor<SW, E, D>,
        bias: Option<&Tensor<Conv2dBias<S, SW, ST, PA, DI, GR>, E, D>>,
        _opts: ConvOpts<ST, PA, DI, GR>,
    ) -> Result<Tensor<Conv2dOut<S, SW, ST, PA, DI, GR>, E, D>>
    where
        S: Conv2dRule<SW, ST, PA, DI, GR>,
    {
        self.try_conv(weight, bias, true, [ST, PA, DI, GR])
    }

    /// `F.conv1d(x, weight, bias)`: a 1-D convolution of an `[N, C, L]` batch (or one
    /// `[C, L]` sequence) with an `[OUT, C, K]` weight, stride 1, no padding.
    ///
    /// ```
    /// use typetensor::{Rank3, Tensor};
    /// let x = Tensor::<Rank3<8, 4, 100>>::randn();
    /// let w = Tensor::<Rank3<16, 4, 5>>::randn();
    /// let y: Tensor<Rank3<8, 16, 96>> = x.conv1d(&w, None); // F.conv1d(x, w)
    /// # let _ = y;
    /// ```
    pub fn conv1d<SW: Shape>(
        &self,
        weight: &Tensor<SW, E, D>,
        bias: Option<&Tensor<Conv1dBias<S, SW>, E, D>>,
    ) -> Tensor<Conv1dOut<S, SW>, E, D>
    where
        S: Conv1dRule<SW, 1, 0, 1, 1>,
    {
        expect_device(self.try_conv1d(weight, bias))
    }

    /// [`conv1d`](Self::conv1d) with device errors returned.
    pub fn try_conv1d<SW: Shape>(
        &self,
        weight: &Tensor<SW, E, D>,
        bias: Option<&Tensor<Conv1dBias<S, SW>, E, D>>,
    ) -> Result<Tensor<Conv1dOut<S, SW>, E, D>>
    where
        S: Conv1dRule<SW, 1, 0, 1, 1>,
    {
        self.try_conv(weight, bias, false, [1, 0, 1, 1])
    }

    /// `F.conv1d(x, weight, bias, stride=ST, padding=PA, dilation=DI, groups=GR)`.
    ///
    /// ```
    /// use typetensor::ops::conv::ConvOpts;
    /// use typetensor::{Rank3, Tensor};
    /// let x = Tensor::<Rank3<8, 4, 100>>::randn();
    /// let w = Tensor::<Rank3<16, 4, 3>>::randn();
    /// let y: Tensor<Rank3<8, 16, 50>> = x.conv1d_with(&w, None, ConvOpts::<2, 1>);
    /// # let _ = y;
    /// ```
    pub fn conv1d_with<
        SW: Shape,
        const ST: usize,
        const PA: usize,
        const DI: usize,
        const GR: usize,
    >(
        &self,
        weight: &Tensor<SW, E, D>,
        bias: Option<&Tensor<Conv1dBias<S, SW, ST, PA, DI, GR>, E, D>>,
        opts: ConvOpts<ST, PA, DI, GR>,
    ) -> Tensor<Conv1dOut<S, SW, ST, PA, DI, GR>, E, D>
    where
        S: Conv1dRule<SW, ST, PA, DI, GR>,
    {
        expect_device(self.try_conv1d_with(weight, bias, opts))
    }

    /// [`conv1d_with`](Self::conv1d_with) with device errors returned.
    pub fn try_conv1d_with<
        SW: Shape,
        const ST: usize,
        const PA: usize,
        const DI: usize,
        const GR: usize,
    >(
        &self,
        weight: &Tensor<SW, E, D>,
        bias: Option<&Tensor<Conv1dBias<S, SW, ST, PA, DI, GR>, E, D>>,
        _opts: ConvOpts<ST, PA, DI, GR>,
    ) -> Result<Tensor<Conv1dOut<S, SW, ST, PA, DI, GR>, E, D>>
    where
        S: Conv1dRule<SW, ST, PA, DI, GR>,
    {
        self.try_conv(weight, bias, false, [ST, PA, DI, GR])
    }
}
