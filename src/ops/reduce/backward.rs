//! Gradients of reductions: a sum's gradient is repeated over the reduced elements, a
//! mean's also divided by their count, and a max/min's shared evenly among the elements
//! equal to the extreme (PyTorch's rule for `max()` and `amax`).
use std::any::Any;

use crate::Result;
use crate::autograd::Raw;
use crate::device::Device;
use crate::dtype::{NumDtype, SumDtype};
use crate::ops::arith::BinaryOp;
use crate::ops::compare::CmpOp;
use crate::shape::{Dims, Shape};
use crate::tensor::Tensor;

use super::ReduceOp;

/// Which reduction, for the backward pass.
#[derive(Clone, Copy)]
pub(crate) enum Reduction {
    /// Over every element.
    All,
    /// Along one axis, the output dropping it.
    Dim(usize),
    /// Along one axis, the output keeping it as size 1.
    KeepDim(usize),
}

fn name(op: ReduceOp, how: Reduction, mean: bool) -> &'static str {
    match (op, how, mean) {
        (_, Reduction::All, true) => "MeanBackward0",
        (_, _, true) => "MeanBackward1",
        (ReduceOp::Sum, Reduction::All, _) => "SumBackward0",
        (ReduceOp::Sum, _, _) => "SumBackward1",
        (ReduceOp::Max, Reduction::All, _) => "MaxBackward1",
        (ReduceOp::Min, Reduction::All, _) => "MinBackward1",
        (ReduceOp::Max, _, _) => "AmaxBackward0",
        (ReduceOp::Min, _, _) => "AminBackward0",
    }
}

/// The output's gradient seen with the input's dims (reduced axes repeated).
fn spread<E: NumDtype, D: Device>(
    g: &Raw<E, D>,
    how: Reduction,
    x_dims: Dims,
) -> Result<Raw<E, D>> {
    let g = match how {
        Reduction::Dim(axis) => {
            let mut d = x_dims.as_slice().to_vec();
            d[axis] = 1;
            g.reshape(Dims::new(&d).unwrap_or(x_dims))?
        }
        Reduction::All | Reduction::KeepDim(_) => g.clone(),
    };
    Ok(g.expand(x_dims))
}

/// Records `out = reduce(x)`; with `mean`, the reduction was a sum divided by the count.
pub(crate) fn record<S: Shape, SO: Shape, E: NumDtype, D: Device>(
    out: Tensor<SO, E, D>,
    op: ReduceOp,
    how: Reduction,
    mean: bool,
    x: &Tensor<S, E, D>,
) -> Tensor<SO, E, D> {
    if !crate::autograd::tracking(&[x.node()]) {
        return out;
    }
    let (rx, ry) = (x.raw(), out.raw());
    let x_dims = x.dims();
    let count = match how {
        Reduction::All => x_dims.numel(),
        Reduction::Dim(a) | Reduction::KeepDim(a) => x_dims[a],
    };
    out.record1(name(op, how, mean), x, move |g| {
        let g = spread(g, how, x_dims)?;
        match op {
            ReduceOp::Sum if mean => {
                let n = Raw::full(count_as::<E>(count), Dims::from_array([]), &g.device)?;
                g.binary(BinaryOp::Div, &n)
            }
            ReduceOp::Sum => Ok(g),
            ReduceOp::Max | ReduceOp::Min => {
                let hit = rx.compare(CmpOp::Eq, &spread(&ry, how, x_dims)?)?;
                let one = Raw::full(E::one(), Dims::from_array([]), &g.device)?;
                let zero = Raw::full(E::zero(), Dims::from_array([]), &g.device)?;
                let hits = Raw::select(&hit, &one, &zero)?;
                let ties = match how {
                    Reduction::All => hits.reduce_all(ReduceOp::Sum)?,
                    Reduction::Dim(a) | Reduction::KeepDim(a) => {
                        hits.reduce(ReduceOp::Sum, a, true)?
                    }
                };
                g.binary(BinaryOp::Mul, &hits)?.binary(BinaryOp::Div, &ties)
            }
        }
    })
}

/// Records `out = x.sum(..)`, whose dtype is `E::Sum`: the gradient is the output's,
/// repeated over the reduced elements (only float tensors carry gradients, and a float's
/// sum has its own dtype, so the cast back is never more than a type conversion).
pub(crate) fn record_sum<S: Shape, SO: Shape, E: SumDtype, D: Device>(
    out: Tensor<SO, E::Sum, D>,
    how: Reduction,
    x: &Tensor<S, E, D>,
) -> Tensor<SO, E::Sum, D> {
    if !crate::autograd::tracking(&[x.node()]) {
        return out;
    }
    let x_dims = x.dims();
    out.record1(name(ReduceOp::Sum, how, false), x, move |g| {
        let g = spread(g, how, x_dims)?;
        match (&g as &dyn Any).downcast_ref::<Raw<E, D>>() {
            Some(same) => Ok(same.clone()),
            None => g.cast::<E>(),
        }
    })
}

/// A count as an element value (only floats reach a mean).
fn count_as<E: NumDtype>(n: usize) -> E {
    num_traits::NumCast::from(n).unwrap_or(E::one())
}
