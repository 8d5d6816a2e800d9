//! Gradients of elementwise binary ops. A broadcast operand's gradient is summed back to
//! its own shape (`sum_to`), as PyTorch does for a bias.
use crate::Result;
use crate::autograd::Raw;
use crate::device::Device;
use crate::dtype::NumDtype;
use crate::ops::compare::CmpOp;
use crate::shape::Shape;
use crate::tensor::Tensor;

use super::BinaryOp;

fn name(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "AddBackward0",
        BinaryOp::Sub => "SubBackward0",
        BinaryOp::Mul => "MulBackward0",
        BinaryOp::Div => "DivBackward0",
        BinaryOp::Maximum => "MaximumBackward0",
        BinaryOp::Minimum => "MinimumBackward0",
    }
}

/// Records `out = op(a, b)` for autograd (a no-op when neither input requires grad).
pub(crate) fn record<S: Shape, S2: Shape, SO: Shape, E: NumDtype, D: Device>(
    out: Tensor<SO, E, D>,
    op: BinaryOp,
    a: &Tensor<S, E, D>,
    b: &Tensor<S2, E, D>,
) -> Tensor<SO, E, D> {
    if !crate::autograd::tracking(&[a.node(), b.node()]) {
        return out;
    }
    let (ra, rb) = (a.raw(), b.raw());
    out.record2(name(op), a, b, move |g, need_a, need_b| {
        let (ga, gb) = grads(op, g, &ra, &rb)?;
        let ga = if need_a {
            Some(ga.sum_to(ra.dims())?)
        } else {
            None
        };
        let gb = if need_b {
            Some(gb.sum_to(rb.dims())?)
        } else {
            None
        };
        Ok((ga, gb))
    })
}

/// The gradients at the broadcast shape, before summing back to each operand's shape.
fn grads<E: NumDtype, D: Device>(
    op: BinaryOp,
    g: &Raw<E, D>,
    a: &Raw<E, D>,
    b: &Raw<E, D>,
) -> Result<(Raw<E, D>, Raw<E, D>)> {
    Ok(match op {
        BinaryOp::Add => (g.clone(), g.clone()),
        BinaryOp::Sub => (g.clone(), g.neg()?),
        BinaryOp::Mul => (g.binary(BinaryOp::Mul, b)?, g.binary(BinaryOp::Mul, a)?),
        BinaryOp::Div => {
            // d(a/b)/da = 1/b, d(a/b)/db = -a/b²
            let ga = g.binary(BinaryOp::Div, b)?;
            let gb = ga
                .binary(BinaryOp::Mul, a)?
                .binary(BinaryOp::Div, b)?
                .neg()?;
            (ga, gb)
        }
        BinaryOp::Maximum | BinaryOp::Minimum => {
            // PyTorch: the larger (smaller) operand gets the gradient; a tie splits it.
            let (win, lose) = if op == BinaryOp::Maximum {
                (CmpOp::Gt, CmpOp::Lt)
            } else {
                (CmpOp::Lt, CmpOp::Gt)
            };
            let zero = Raw::full(E::zero(), g.dims(), &g.device)?;
            let half = E::one() / (E::one() + E::one());
            let split = Raw::select(&a.compare(CmpOp::Eq, b)?, &g.mul_scalar(half)?, g)?;
            let ga = Raw::select(&a.compare(lose, b)?, &zero, &split)?;
            let gb = Raw::select(&a.compare(win, b)?, &zero, &split)?;
            (ga, gb)
        }
    })
}
