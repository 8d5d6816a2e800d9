//! Gradients of the softmax family, as PyTorch's: `softmax` and `log_softmax` from their
//! output (one fused kernel each), `logsumexp` as `g * softmax(x)`.
use crate::autograd::Raw;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::ops::arith::BinaryOp;
use crate::shape::{Dims, Shape};
use crate::tensor::Tensor;

use super::SoftmaxOp;

/// Records `out = op(x)` along `axis` for `Softmax` or `LogSoftmax`.
pub(crate) fn record<S: Shape, E: FloatDtype, D: Device>(
    out: Tensor<S, E, D>,
    op: SoftmaxOp,
    axis: usize,
    x: &Tensor<S, E, D>,
) -> Tensor<S, E, D> {
    if !crate::autograd::tracking(&[x.node()]) {
        return out;
    }
    let name = match op {
        SoftmaxOp::Softmax => "SoftmaxBackward0",
        _ => "LogSoftmaxBackward0",
    };
    let ry = out.raw();
    out.record1(name, x, move |g| {
        let dims = ry.dims();
        let s =
            g.device
                .softmax_backward(op, &g.storage, &g.layout, &ry.storage, &ry.layout, axis)?;
        Ok(Raw::new(s, dims, g.device.clone()))
    })
}

/// Records `out = x.logsumexp(axis)`.
pub(crate) fn record_logsumexp<S: Shape, SO: Shape, E: FloatDtype, D: Device>(
    out: Tensor<SO, E, D>,
    axis: usize,
    x: &Tensor<S, E, D>,
) -> Tensor<SO, E, D> {
    if !crate::autograd::tracking(&[x.node()]) {
        return out;
    }
    let rx = x.raw();
    out.record1("LogsumexpBackward0", x, move |g| {
        let dims = rx.dims();
        let mut kept = dims.as_slice().to_vec();
        kept[axis] = 1;
        let g = g.reshape(Dims::new(&kept).unwrap_or(dims))?.expand(dims);
        let p = g
            .device
            .softmax(SoftmaxOp::Softmax, &rx.storage, &rx.layout, axis)?;
        Raw::new(p, dims, g.device.clone()).binary(BinaryOp::Mul, &g)
    })
}
