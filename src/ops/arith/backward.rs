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
///
/// Only the operands a gradient will read are saved (as PyTorch does): none for `+` and
/// `-`, the other operand for `*`, so that the graph does not keep (and copy-on-write does
/// not have to protect) tensors it never uses.
pub(crate) fn record<S: Shape, S2: Shape, SO: Shape, E: NumDtype, D: Device>(
    out: Tensor<SO, E, D>,
    op: BinaryOp,
    a: &Tensor<S, E, D>,
    b: &Tensor<S2, E, D>,
) -> Tensor<SO, E, D> {
    if !crate::autograd::tracking(&[a.node(), b.node()]) {
        return out;
    }
    let (need_a, need_b) = (a.node().is_some(), b.node().is_some());
    let (save_a, save_b) = match op {
        BinaryOp::Add | BinaryOp::Sub => (false, false),
        BinaryOp::Mul => (need_b, need_a),
        // d/da = g / b; d/db = -(g / b) * a / b
        BinaryOp::Div => (need_b, true),
        BinaryOp::Maximum | BinaryOp::Minimum => (true, true),
    };
    let ra = save_a.then(|| a.raw());
    let rb = save_b.then(|| b.raw());
    let (a_dims, b_dims) = (a.dims(), b.dims());
    out.record2(name(op), a, b, move |g, need_a, need_b| {
        let (ga, gb) = grads(op, g, ra.as_ref(), rb.as_ref(), need_a, need_b)?;
        let ga = match ga {
            Some(ga) if need_a => Some(ga.sum_to(a_dims)?),
            _ => None,
        };
        let gb = match gb {
            Some(gb) if need_b => Some(gb.sum_to(b_dims)?),
            _ => None,
        };
        Ok((ga, gb))
    })
}

/// The two operands' gradients, `None` where not wanted.
type GradPair<E, D> = (Option<Raw<E, D>>, Option<Raw<E, D>>);

/// An operand `record` saved, or the error for one it did not (which would be a bug there).
fn saved<E: NumDtype, D: Device>(x: Option<&Raw<E, D>>) -> Result<&Raw<E, D>> {
    x.ok_or_else(|| crate::Error::Autograd("a gradient needs an operand that was not saved".into()))
}

/// The gradients wanted (`need_a`, `need_b`) at the broadcast shape, before summing back to
/// each operand's shape. `a` and `b` are the operands `record` saved for them.
fn grads<E: NumDtype, D: Device>(
    op: BinaryOp,
    g: &Raw<E, D>,
    a: Option<&Raw<E, D>>,
    b: Option<&Raw<E, D>>,
    need_a: bool,
    need_b: bool,
) -> Result<GradPair<E, D>> {
    Ok(match op {
        BinaryOp::Add => (need_a.then(|| g.clone()), need_b.then(|| g.clone())),
        BinaryOp::Sub => (
            need_a.then(|| g.clone()),
            if need_b { Some(g.neg()?) } else { None },
        ),
        BinaryOp::Mul => (
            if need_a {
                Some(g.binary(BinaryOp::Mul, saved(b)?)?)
            } else {
                None
            },
            if need_b {
                Some(g.binary(BinaryOp::Mul, saved(a)?)?)
            } else {
                None
            },
        ),
        BinaryOp::Div => {
            // d(a/b)/da = 1/b, d(a/b)/db = -a/b²
            let ga = g.binary(BinaryOp::Div, saved(b)?)?;
            let gb = if need_b {
                Some(
                    ga.binary(BinaryOp::Mul, saved(a)?)?
                        .binary(BinaryOp::Div, saved(b)?)?
                        .neg()?,
                )
            } else {
                None
            };
            (need_a.then_some(ga), gb)
        }
        BinaryOp::Maximum | BinaryOp::Minimum => {
            let (a, b) = (saved(a)?, saved(b)?);
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
            (Some(ga), Some(gb))
        }
    })
}
