//! Gradients of mask selection: the gradient flows to whichever operand was picked.
//! Comparisons themselves give bool tensors and are not differentiable.
use crate::Result;
use crate::autograd::Raw;
use crate::device::Device;
use crate::dtype::Dtype;
use crate::shape::{Dims, Shape};
use crate::tensor::Tensor;

fn zeros_like<E: Dtype, D: Device>(g: &Raw<E, D>) -> Result<Raw<E, D>> {
    Raw::full(E::default(), Dims::from_array([]), &g.device)
}

/// Records `out = x.masked_fill(mask, value)`: no gradient where the value was written.
pub(crate) fn record_masked_fill<S: Shape, E: Dtype, D: Device>(
    out: Tensor<S, E, D>,
    x: &Tensor<S, E, D>,
    mask: Raw<bool, D>,
) -> Tensor<S, E, D> {
    let dims = x.dims();
    out.record1("MaskedFillBackward0", x, move |g| {
        Raw::select(&mask.expand(dims), &zeros_like(g)?, g)
    })
}

/// Records `out = x.where_(cond, other)`.
pub(crate) fn record_where<S: Shape, S3: Shape, E: Dtype, D: Device>(
    out: Tensor<S, E, D>,
    x: &Tensor<S, E, D>,
    cond: Raw<bool, D>,
    other: &Tensor<S3, E, D>,
) -> Tensor<S, E, D> {
    let (dims, other_dims) = (x.dims(), other.dims());
    out.record2("WhereBackward0", x, other, move |g, need_x, need_other| {
        let cond = cond.expand(dims);
        let zero = zeros_like(g)?;
        let gx = if need_x {
            Some(Raw::select(&cond, g, &zero)?)
        } else {
            None
        };
        let go = if need_other {
            Some(E::grad_sum_to(&Raw::select(&cond, &zero, g)?, other_dims)?)
        } else {
            None
        };
        Ok((gx, go))
    })
}
