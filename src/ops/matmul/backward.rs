//! Gradients of matrix products: `dA = dC · Bᵀ`, `dB = Aᵀ · dC`, computed on the operands
//! as the forward pass saw them (vectors lifted to matrices, batches aligned), then summed
//! over broadcast batch dims and reshaped back to each operand's own shape.
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
    let (ra, rb) = (a.raw().with_layout(la), b.raw().with_layout(lb));
    let (a_dims, b_dims) = (a.dims(), b.dims());
    out.record2(name(S::RANK, S2::RANK), a, b, move |g, need_a, need_b| {
        let g = g.reshape(full)?;
        let ga = if need_a {
            Some(g.matmul(&rb.t_last())?.sum_to(lifted_a)?.reshape(a_dims)?)
        } else {
            None
        };
        let gb = if need_b {
            Some(ra.t_last().matmul(&g)?.sum_to(lifted_b)?.reshape(b_dims)?)
        } else {
            None
        };
        Ok((ga, gb))
    })
}
