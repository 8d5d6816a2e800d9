//! Gradients of matrix products: `dA = dC · Bᵀ`, `dB = Aᵀ · dC`, computed on the operands
//! as the forward pass saw them (vectors lifted to matrices, batches aligned), then summed
//! over broadcast batch dims and reshaped back to each operand's own shape.
use crate::autograd::Raw;
use crate::device::Device;
use crate::dtype::NumDtype;
use crate::layout::Layout;
use crate::shape::{Dims, Shape};
use crate::tensor::Tensor;

/// PyTorch's `grad_fn` name for `matmul` of these operand ranks.
fn name(lhs_rank: usize, rhs_rank: usize) -> &'static str {
    match (lhs_rank, rhs_rank) {
        (1, 1) => "DotBackward0",
        (2, 1) => "MvBackward0",
        (2, 2) => "MmBackward0",
        (1, _) => "SqueezeBackward4",
        _ => "UnsafeViewBackward0",
    }
}

/// Records `out = a.matmul(b)`. `la`/`lb` are the operand layouts the kernel used, `lifted_a`
/// and `lifted_b` the operands' dims after vector lifting (before batch alignment), and
/// `full` the kernel's output dims.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record<S: Shape, S2: Shape, SO: Shape, E: NumDtype, D: Device>(
    out: Tensor<SO, E, D>,
    a: &Tensor<S, E, D>,
    b: &Tensor<S2, E, D>,
    la: Layout,
    lb: Layout,
    lifted_a: Dims,
    lifted_b: Dims,
    full: Dims,
) -> Tensor<SO, E, D> {
    if !crate::autograd::tracking(&[a.node(), b.node()]) {
        return out;
    }
    // Each gradient needs only the other operand: `dA = dC · Bᵀ` needs B, `dB = Aᵀ · dC`
    // needs A. Saving only what is needed (as PyTorch does) leaves a weight that only the
    // other side's gradient would read — `x.mm(&w1)` with an `x` that needs none — out of
    // the graph, so an optimizer can update it in place while the graph is alive.
    let (need_a, need_b) = (a.node().is_some(), b.node().is_some());
    let ra = need_b.then(|| a.raw().with_layout(la));
    let rb = need_a.then(|| b.raw().with_layout(lb));
    let (a_dims, b_dims) = (a.dims(), b.dims());
    out.record2(name(S::RANK, S2::RANK), a, b, move |g, need_a, need_b| {
        let g = g.reshape(full)?;
        let ga = match (&rb, need_a) {
            (Some(rb), true) => Some(
                product_like(&la, &g, rb, ProductSide::Left)?
                    .sum_to(lifted_a)?
                    .reshape(a_dims)?,
            ),
            _ => None,
        };
        let gb = match (&ra, need_b) {
            (Some(ra), true) => Some(
                product_like(&lb, ra, &g, ProductSide::Right)?
                    .sum_to(lifted_b)?
                    .reshape(b_dims)?,
            ),
            _ => None,
        };
        Ok((ga, gb))
    })
}

/// Which operand's gradient [`product_like`] computes.
#[derive(Clone, Copy)]
enum ProductSide {
    /// `dA = dC · Bᵀ`, from `(dC, B)`.
    Left,
    /// `dB = Aᵀ · dC`, from `(A, dC)`.
    Right,
}

/// An operand's gradient, laid out like the operand where that is free: for an operand
/// stored transposed (`w.t()`, as `nn.Linear` uses its `[out, in]` weight), the product is
/// computed transposed, `dA = (B · dCᵀ)ᵀ` and `dB = (dCᵀ · A)ᵀ`, so that the gradient
/// reaching the weight through `t()` is dense, as PyTorch's `mm` backward does. The
/// elements are the same dot products either way.
fn product_like<E: NumDtype, D: Device>(
    operand: &Layout,
    x: &Raw<E, D>,
    y: &Raw<E, D>,
    side: ProductSide,
) -> crate::Result<Raw<E, D>> {
    let r = operand.dims().rank();
    let s = operand.strides();
    let transposed = r >= 2 && s[r - 1] != 1 && s[r - 2] == 1 && operand.dims()[r - 1] > 1;
    match (side, transposed) {
        (ProductSide::Left, false) => x.matmul(&y.t_last()),
        (ProductSide::Left, true) => Ok(y.matmul(&x.t_last())?.t_last()),
        (ProductSide::Right, false) => x.t_last().matmul(y),
        (ProductSide::Right, true) => Ok(y.t_last().matmul(x)?.t_last()),
    }
}
