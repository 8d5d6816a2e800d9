//! Matrix products: `mm` (matrix × matrix) and `matmul` (PyTorch's rules: vectors, matrices
//! and batches). The shape rule [`MatMul`] requires equal inner dimensions and equal batch
//! dimensions; transposed operands (`x.t().mm(&y)`) are read through their strides, no copy.
use crate::Result;
use crate::device::{Device, DeviceStorage};
use crate::dtype::NumDtype;
use crate::error::Error;
use crate::layout::Layout;
use crate::shape::{Dims, Rank0, Rank1, Rank2, Rank3, Rank4, Shape, ShapeProbe};
use crate::tensor::{Tensor, expect_device};

mod backward;
pub(crate) mod cpu;
#[cfg(test)]
mod tests;

/// Batched matrix product kernels.
pub trait MatMulKernel: DeviceStorage {
    /// `a @ b` for `a` of dims `[batch…, m, k]` and `b` of dims `[batch…, k, n]` (same rank,
    /// batch dims already broadcast), into new contiguous storage of dims `[batch…, m, n]`.
    fn matmul<E: NumDtype>(
        &self,
        a: &Self::Storage<E>,
        la: &Layout,
        b: &Self::Storage<E>,
        lb: &Layout,
    ) -> Result<Self::Storage<E>>;
}

/// The sizes of a batched product `[batch…, m, k] × [batch…, k, n]`, as every backend's
/// [`MatMulKernel::matmul`] reads them from its operands' layouts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GemmDims {
    /// The rank of both operands (at least 2).
    pub rank: usize,
    /// The product of the batch dims (1 for plain matrices).
    pub batch: usize,
    pub m: usize,
    pub k: usize,
    pub n: usize,
}

/// Checks that `la` and `lb` fit a batched product and returns its sizes. The shape rules
/// make this hold for every typed call; a backend still checks, since its kernel trait is
/// public and takes run-time layouts.
pub(crate) fn gemm_dims(la: &Layout, lb: &Layout) -> Result<GemmDims> {
    let rank = la.dims().rank();
    if rank < 2 || lb.dims().rank() != rank {
        return Err(Error::Device(format!(
            "matmul needs two layouts of equal rank >= 2, got {la:?} and {lb:?}"
        )));
    }
    let (dims_a, dims_b) = (la.dims(), lb.dims());
    let (da, db) = (dims_a.as_slice(), dims_b.as_slice());
    let (m, k, n) = (da[rank - 2], da[rank - 1], db[rank - 1]);
    if db[rank - 2] != k || da[..rank - 2] != db[..rank - 2] {
        return Err(Error::Device(format!(
            "matmul operands do not fit: {la:?} and {lb:?}"
        )));
    }
    let batch = da[..rank - 2].iter().product();
    Ok(GemmDims {
        rank,
        batch,
        m,
        k,
        n,
    })
}

/// Checks at run time that the operands' [`DYN`](crate::DYN) sizes fit the product (the
/// types already guarantee the ranks and every static size).
fn check_operands(op: &'static str, a: Dims, b: Dims, la: &Layout, lb: &Layout) -> Result<()> {
    gemm_dims(la, lb)
        .map(|_| ())
        .map_err(|_| Error::IncompatibleShapes {
            op,
            lhs: a.as_slice().to_vec(),
            rhs: b.as_slice().to_vec(),
            rule: "a product needs [.., M, K] x [.., K, N] with equal batch dimensions",
        })
}

/// Shapes that can be matrix-multiplied, and the shape of the product.
#[diagnostic::on_unimplemented(
    message = "cannot matrix-multiply a `{Self}` tensor by a `{Rhs}` tensor",
    label = "inner dimensions (or batch dimensions) differ",
    note = "`matmul` needs [.., M, K] × [.., K, N] with equal batch dimensions; a `Rank1<K>` vector acts as [1, K] on the left and [K, 1] on the right",
    note = "`usize::MAX` is `DYN`, a size known only at run time; it never meets a static size implicitly: convert with `.to_dyn::<AXIS>()` (free) or `.try_into_shape::<RankN<..>>()` (checked)"
)]
pub trait MatMul<Rhs: Shape>: Shape {
    /// The product's shape.
    type Output: Shape;
}

/// Equal inner dimensions for `mm`: `[M, K] × [K, N]`.
#[diagnostic::on_unimplemented(
    message = "cannot `mm` a `{Self}` matrix by a `{Rhs}` matrix",
    label = "the inner dimensions differ",
    note = "`mm` needs [M, K] × [K, N]: the left operand's columns must equal the right operand's rows",
    note = "`usize::MAX` is `DYN`, a size known only at run time; it never meets a static size implicitly: convert with `.to_dyn::<AXIS>()` (free) or `.try_into_shape::<RankN<..>>()` (checked)"
)]
pub trait Mm<Rhs: Shape>: Shape {
    /// The product's shape.
    type Output: Shape;
}

impl<const M: usize, const K: usize, const N: usize> Mm<Rank2<K, N>> for Rank2<M, K> {
    type Output = Rank2<M, N>;
}
// A second impl, unusable (no tensor has `ShapeProbe`), so that rustc reports a mismatch
// with `Mm`'s message: a lone impl makes it unify the operands and say "expected `1000`,
// found `999`" without the shapes.
#[diagnostic::do_not_recommend]
impl<const M: usize, const K: usize> Mm<ShapeProbe> for Rank2<M, K> {
    type Output = ShapeProbe;
}

macro_rules! matmul_rule {
    ([$($p:ident),*] $lhs:ty, $rhs:ty => $out:ty) => {
        #[diagnostic::do_not_recommend]
        impl<$(const $p: usize),*> MatMul<$rhs> for $lhs {
            type Output = $out;
        }
    };
}
matmul_rule!([K] Rank1<K>, Rank1<K> => Rank0);
matmul_rule!([K, N] Rank1<K>, Rank2<K, N> => Rank1<N>);
matmul_rule!([M, K] Rank2<M, K>, Rank1<K> => Rank1<M>);
matmul_rule!([M, K, N] Rank2<M, K>, Rank2<K, N> => Rank2<M, N>);
matmul_rule!([B, M, K, N] Rank3<B, M, K>, Rank3<B, K, N> => Rank3<B, M, N>);
matmul_rule!([B, M, K, N] Rank3<B, M, K>, Rank2<K, N> => Rank3<B, M, N>);
matmul_rule!([B, M, K, N] Rank2<M, K>, Rank3<B, K, N> => Rank3<B, M, N>);
matmul_rule!([B, M, K] Rank3<B, M, K>, Rank1<K> => Rank2<B, M>);
matmul_rule!([A, B, M, K, N] Rank4<A, B, M, K>, Rank4<A, B, K, N> => Rank4<A, B, M, N>);
matmul_rule!([A, B, M, K, N] Rank4<A, B, M, K>, Rank2<K, N> => Rank4<A, B, M, N>);

/// The shape of `a.matmul(b)` for shapes `A` and `B`.
pub type MatMulOf<A, B> = <A as MatMul<B>>::Output;

/// Lifts a layout to rank >= 2 as PyTorch does: a vector is `[1, K]` on the left and
/// `[K, 1]` on the right.
fn as_matrix(l: &Layout, left: bool) -> Layout {
    if l.dims().rank() != 1 {
        return *l;
    }
    let k = l.dims()[0];
    let s = l.strides()[0];
    let (dims, strides) = if left {
        ([1, k], [0, s])
    } else {
        ([k, 1], [s, 0])
    };
    let mut out = Layout::contiguous(Dims::from_array(dims));
    out.strides[..2].copy_from_slice(&strides);
    out.offset = l.offset();
    out
}

/// Gives both operands the same batch dims (the longer one's), as zero-stride repeats.
fn align_batches(a: Layout, b: Layout) -> (Layout, Layout) {
    let (ra, rb) = (a.dims().rank(), b.dims().rank());
    let with_batch = |l: Layout, batch: &[usize]| {
        let r = l.dims().rank();
        let mut d = batch.to_vec();
        d.extend_from_slice(&l.dims().as_slice()[r - 2..]);
        let target = Dims::new(&d).unwrap_or(l.dims());
        l.broadcast_to(target)
    };
    if ra > rb {
        (a, with_batch(b, &a.dims().as_slice()[..ra - 2]))
    } else if rb > ra {
        (with_batch(a, &b.dims().as_slice()[..rb - 2]), b)
    } else {
        (a, b)
    }
}

impl<S: Shape, E: NumDtype, D: Device> Tensor<S, E, D> {
    /// [`matmul`](Self::matmul) with device errors returned.
    pub fn try_matmul<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E, D>,
    ) -> Result<Tensor<MatMulOf<S, S2>, E, D>>
    where
        S: MatMul<S2>,
    {
        let (ma, mb) = (as_matrix(&self.layout, true), as_matrix(&rhs.layout, false));
        let (la, lb) = align_batches(ma, mb);
        check_operands("matmul", self.dims(), rhs.dims(), &la, &lb)?;
        let storage = self.device.matmul(&self.storage, &la, &rhs.storage, &lb)?;
        // The kernel's output dims are [batch…, m, n]; the rule's shape drops the vector dims.
        let mut out_dims = la.dims().as_slice().to_vec();
        let r = out_dims.len();
        out_dims[r - 1] = lb.dims()[r - 1];
        let shape = <MatMulOf<S, S2> as Shape>::from_dims(&squeeze_vector_dims(
            &out_dims,
            S::RANK,
            S2::RANK,
        ))
        .ok_or_else(|| crate::Error::Device("matmul produced an unexpected shape".into()))?;
        let out = Tensor::from_storage(storage, shape, self.device.clone());
        let full = Dims::new(&out_dims).unwrap_or(la.dims());
        Ok(backward::record(
            out,
            self,
            rhs,
            la,
            lb,
            ma.dims(),
            mb.dims(),
            full,
        ))
    }

    /// `torch.matmul(x, y)` / `x @ y`: vectors, matrices and batches by PyTorch's rules.
    ///
    /// ```
    /// use typetensor::{Rank3, Tensor};
    /// let a = Tensor::<Rank3<2, 4, 3>>::ones();
    /// let b = Tensor::<Rank3<2, 3, 5>>::ones();
    /// let c: Tensor<Rank3<2, 4, 5>> = a.matmul(&b); // torch.matmul(a, b)
    /// assert_eq!(c.to_vec(), vec![3.0; 40]);
    /// ```
    pub fn matmul<S2: Shape>(&self, rhs: &Tensor<S2, E, D>) -> Tensor<MatMulOf<S, S2>, E, D>
    where
        S: MatMul<S2>,
    {
        expect_device(self.try_matmul(rhs))
    }

    /// `x.mm(y)`: the product of two matrices, `[M, K] × [K, N] → [M, N]`.
    ///
    /// ```
    /// use typetensor::{Rank2, Tensor};
    /// let x = Tensor::<Rank2<64, 1000>>::ones();
    /// let w1 = Tensor::<Rank2<1000, 100>>::ones();
    /// let h: Tensor<Rank2<64, 100>> = x.mm(&w1); // h = x.mm(w1)
    /// # let _ = h;
    /// ```
    pub fn mm<S2: Shape>(&self, rhs: &Tensor<S2, E, D>) -> Tensor<<S as Mm<S2>>::Output, E, D>
    where
        S: Mm<S2>,
    {
        expect_device(self.try_mm(rhs))
    }

    /// [`mm`](Self::mm) with device errors returned.
    pub fn try_mm<S2: Shape>(
        &self,
        rhs: &Tensor<S2, E, D>,
    ) -> Result<Tensor<<S as Mm<S2>>::Output, E, D>>
    where
        S: Mm<S2>,
    {
        check_operands("mm", self.dims(), rhs.dims(), &self.layout, &rhs.layout)?;
        let storage = self
            .device
            .matmul(&self.storage, &self.layout, &rhs.storage, &rhs.layout)?;
        let dims = Dims::from_array([self.layout.dims()[0], rhs.layout.dims()[1]]);
        let shape = <<S as Mm<S2>>::Output as Shape>::from_dims(&dims)
            .ok_or_else(|| crate::Error::Device("mm produced an unexpected shape".into()))?;
        let out = Tensor::from_storage(storage, shape, self.device.clone());
        let (la, lb) = (self.layout, rhs.layout);
        Ok(backward::record(
            out,
            self,
            rhs,
            la,
            lb,
            la.dims(),
            lb.dims(),
            dims,
        ))
    }
}

/// The product's dims without the 1s that stood in for vector operands.
fn squeeze_vector_dims(dims: &[usize], lhs_rank: usize, rhs_rank: usize) -> Dims {
    let r = dims.len();
    let mut out: Vec<usize> = dims[..r - 2].to_vec();
    if lhs_rank != 1 {
        out.push(dims[r - 2]);
    }
    if rhs_rank != 1 {
        out.push(dims[r - 1]);
    }
    Dims::new(&out).unwrap_or(Dims::from_array([]))
}
