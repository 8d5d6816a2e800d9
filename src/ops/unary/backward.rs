//! Gradients of one-operand elementwise ops, with PyTorch's conventions at the kinks:
//! `clamp` passes the gradient where `min <= x <= max`, `relu` only where `x > 0`, `abs`
//! gives 0 at 0.
use crate::Result;
use crate::autograd::Raw;
use crate::device::Device;
use crate::dtype::{FloatDtype, NumDtype};
use crate::ops::arith::BinaryOp;
use crate::ops::compare::CmpOp;
use crate::ops::unary::{FloatUnaryOp, UnaryOp};
use crate::shape::{Dims, Shape};
use crate::tensor::Tensor;

fn scalar<E: NumDtype, D: Device>(v: E, like: &Raw<E, D>) -> Result<Raw<E, D>> {
    Raw::full(v, Dims::from_array([]), &like.device)
}

/// `g` where `keep` holds, else 0.
fn mask<E: NumDtype, D: Device>(g: &Raw<E, D>, keep: &Raw<bool, D>) -> Result<Raw<E, D>> {
    Raw::select(keep, g, &scalar(E::zero(), g)?)
}

fn unary_name<E>(op: &UnaryOp<E>) -> &'static str {
    match op {
        UnaryOp::Neg => "NegBackward0",
        UnaryOp::Abs => "AbsBackward0",
        UnaryOp::Relu => "ReluBackward0",
        // PyTorch 2.15 names every clamp form `ClampBackward1`.
        UnaryOp::Clamp(..) => "ClampBackward1",
        UnaryOp::AddScalar(_) => "AddBackward0",
        UnaryOp::SubScalar(_) => "SubBackward0",
        UnaryOp::ScalarSub(_) => "RsubBackward1",
        UnaryOp::MulScalar(_) => "MulBackward0",
    }
}

/// Records `out = op(x)` for autograd.
pub(crate) fn record<S: Shape, E: NumDtype, D: Device>(
    out: Tensor<S, E, D>,
    op: UnaryOp<E>,
    x: &Tensor<S, E, D>,
) -> Tensor<S, E, D> {
    if !crate::autograd::tracking(&[x.node()]) {
        return out;
    }
    // Only the ops whose gradient reads `x` keep it (scalar arithmetic does not).
    let rx = matches!(op, UnaryOp::Abs | UnaryOp::Relu | UnaryOp::Clamp(..)).then(|| x.raw());
    let input = move || {
        rx.clone().ok_or_else(|| {
            crate::Error::Autograd("a gradient needs an input that was not saved".into())
        })
    };
    out.record1(unary_name(&op), x, move |g| match op {
        UnaryOp::Neg => g.neg(),
        UnaryOp::Abs => {
            let rx = input()?;
            let zero = scalar(E::zero(), &rx)?;
            let pos = mask(g, &rx.compare(CmpOp::Gt, &zero)?)?;
            let neg = mask(g, &rx.compare(CmpOp::Lt, &zero)?)?;
            pos.binary(BinaryOp::Sub, &neg)
        }
        // `g` where `x > 0`, else 0 (one fused pass).
        UnaryOp::Relu => g.clamp_backward(&input()?, Some(E::zero()), None, true),
        // `g` where `lo <= x <= hi`, else 0.
        UnaryOp::Clamp(None, None) => Ok(g.clone()),
        UnaryOp::Clamp(lo, hi) => g.clamp_backward(&input()?, lo, hi, false),
        UnaryOp::AddScalar(_) | UnaryOp::SubScalar(_) => Ok(g.clone()),
        UnaryOp::ScalarSub(_) => g.neg(),
        UnaryOp::MulScalar(s) => g.mul_scalar(s),
    })
}

fn float_name<E>(op: &FloatUnaryOp<E>) -> &'static str {
    match op {
        FloatUnaryOp::Exp => "ExpBackward0",
        FloatUnaryOp::Log => "LogBackward0",
        FloatUnaryOp::Sqrt => "SqrtBackward0",
        FloatUnaryOp::Pow(_) => "PowBackward0",
        FloatUnaryOp::Sigmoid => "SigmoidBackward0",
        FloatUnaryOp::Tanh => "TanhBackward0",
        FloatUnaryOp::DivScalar(_) => "DivBackward0",
        // PyTorch computes `s / x` as `x.reciprocal() * s`.
        FloatUnaryOp::ScalarDiv(_) => "MulBackward0",
        FloatUnaryOp::Sin => "SinBackward0",
        FloatUnaryOp::Cos => "CosBackward0",
        FloatUnaryOp::Exp2 => "Exp2Backward0",
        FloatUnaryOp::Log1p => "Log1PBackward0",
        FloatUnaryOp::Expm1 => "Expm1Backward0",
        FloatUnaryOp::Rsqrt => "RsqrtBackward0",
        FloatUnaryOp::Sign => "SignBackward0",
        FloatUnaryOp::Floor => "FloorBackward0",
        FloatUnaryOp::Round => "RoundBackward0",
        FloatUnaryOp::Gelu | FloatUnaryOp::GeluTanh => "GeluBackward0",
        FloatUnaryOp::LeakyRelu(_) => "LeakyReluBackward0",
    }
}

/// Records `out = op(x)` for a float op.
pub(crate) fn record_float<S: Shape, E: FloatDtype, D: Device>(
    out: Tensor<S, E, D>,
    op: FloatUnaryOp<E>,
    x: &Tensor<S, E, D>,
) -> Tensor<S, E, D> {
    if !crate::autograd::tracking(&[x.node()]) {
        return out;
    }
    let (rx, ry) = (x.raw(), out.raw());
    out.record1(float_name(&op), x, move |g| {
        let one = E::one();
        match op {
            FloatUnaryOp::Exp => g.binary(BinaryOp::Mul, &ry),
            FloatUnaryOp::Log => g.binary(BinaryOp::Div, &rx),
            FloatUnaryOp::Sqrt => g.binary(BinaryOp::Div, &ry.mul_scalar(one + one)?),
            FloatUnaryOp::Pow(p) => {
                let d = rx.unary_float(FloatUnaryOp::Pow(p - one))?.mul_scalar(p)?;
                g.binary(BinaryOp::Mul, &d)
            }
            FloatUnaryOp::Sigmoid => {
                let d = ry.binary(BinaryOp::Mul, &ry.unary(UnaryOp::ScalarSub(one))?)?;
                g.binary(BinaryOp::Mul, &d)
            }
            FloatUnaryOp::Tanh => {
                let d = ry
                    .binary(BinaryOp::Mul, &ry)?
                    .unary(UnaryOp::ScalarSub(one))?;
                g.binary(BinaryOp::Mul, &d)
            }
            FloatUnaryOp::DivScalar(s) => g.unary_float(FloatUnaryOp::DivScalar(s)),
            FloatUnaryOp::ScalarDiv(s) => {
                // d(s/x)/dx = -s/x²
                let x2 = rx.binary(BinaryOp::Mul, &rx)?;
                g.mul_scalar(-s)?.binary(BinaryOp::Div, &x2)
            }
            // Piecewise constant: a zero gradient, as PyTorch (even where `g` is NaN).
            FloatUnaryOp::Sign | FloatUnaryOp::Floor | FloatUnaryOp::Round => {
                Raw::full(E::zero(), g.dims(), &g.device)
            }
            // One fused pass: `g * op'(x)`.
            FloatUnaryOp::Sin
            | FloatUnaryOp::Cos
            | FloatUnaryOp::Exp2
            | FloatUnaryOp::Log1p
            | FloatUnaryOp::Expm1
            | FloatUnaryOp::Rsqrt
            | FloatUnaryOp::Gelu
            | FloatUnaryOp::GeluTanh
            | FloatUnaryOp::LeakyRelu(_) => g.unary_float_backward(op, &rx),
        }
    })
}
