//! CPU kernels for elementwise binary ops.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::{Elems, elems, try_vec};
use crate::device::parallel::{for_chunks, map_new, zip_new};
use crate::dtype::NumDtype;
use crate::error::Error;
use crate::layout::Layout;

use super::{BinaryKernel, BinaryOp};

/// NaN-propagating max/min: `x != x` is only true for NaN, and false for every integer.
#[allow(clippy::eq_op)]
#[inline]
pub(crate) fn nan_max<E: NumDtype>(a: E, b: E) -> E {
    if a != a || a > b { a } else { b }
}

#[allow(clippy::eq_op)]
#[inline]
pub(crate) fn nan_min<E: NumDtype>(a: E, b: E) -> E {
    if a != a || a < b { a } else { b }
}

/// Applies `f` pairwise over two layouts of equal dims into a new contiguous buffer.
///
/// Each operand is read as a dense run or a broadcast scalar ([`elems`]; other layouts are
/// gathered into a dense run first), so there are three loops, which the compiler
/// vectorises, and they are split over threads when large (the `threads` feature).
#[inline]
pub(crate) fn zip_map<A: Copy + Sync, B: Copy + Sync, O: Copy + Send>(
    a: &[A],
    la: &Layout,
    b: &[B],
    lb: &Layout,
    f: impl Fn(A, B) -> O + Sync,
) -> Result<Vec<O>> {
    match (elems(a, la)?, elems(b, lb)?) {
        (Elems::Dense(a), Elems::Dense(b)) => zip_new(&a, &b, f),
        (Elems::Dense(a), Elems::Scalar(y)) => map_new(&a, move |x| f(x, y)),
        (Elems::Scalar(x), Elems::Dense(b)) => map_new(&b, move |y| f(x, y)),
        (Elems::Scalar(x), Elems::Scalar(y)) => {
            let mut out = try_vec(la.numel())?;
            out.resize(la.numel(), f(x, y));
            Ok(out)
        }
    }
}

/// `a = f(a, b)` elementwise over the dense run `a` and the elements `lb` selects (its dims
/// are `a`'s, broadcasting expressed as zero strides).
#[inline]
pub(crate) fn zip_assign<A: Copy + Send, B: Copy + Sync>(
    a: &mut [A],
    b: &[B],
    lb: &Layout,
    f: impl Fn(A, B) -> A + Sync,
) -> Result<()> {
    if a.is_empty() {
        return Ok(());
    }
    match elems(b, lb)? {
        Elems::Dense(b) => for_chunks(a, |start, a| {
            for (x, &y) in a.iter_mut().zip(&b[start..]) {
                *x = f(*x, y);
            }
        }),
        Elems::Scalar(y) => for_chunks(a, |_, a| {
            for x in a.iter_mut() {
                *x = f(*x, y);
            }
        }),
    }
    Ok(())
}

/// Runs `$body` with `$f` bound to the elementwise function of a [`BinaryOp`]: one match per
/// call, not per element, so each arm is its own monomorphised loop.
macro_rules! with_binary_fn {
    ($op:expr, $e:ty, |$f:ident| $body:expr) => {
        match $op {
            BinaryOp::Add => {
                let $f = <$e>::wadd;
                $body
            }
            BinaryOp::Sub => {
                let $f = <$e>::wsub;
                $body
            }
            BinaryOp::Mul => {
                let $f = <$e>::wmul;
                $body
            }
            BinaryOp::Div => {
                let $f = |x: $e, y: $e| x / y;
                $body
            }
            BinaryOp::Maximum => {
                let $f = nan_max::<$e>;
                $body
            }
            BinaryOp::Minimum => {
                let $f = nan_min::<$e>;
                $body
            }
        }
    };
}

fn check_division<E: NumDtype>(op: BinaryOp) -> Result<()> {
    if op == BinaryOp::Div && !E::DTYPE.is_float() {
        // The typed API never asks for this; a direct kernel call must not divide by 0.
        return Err(Error::Device("integer division is not supported".into()));
    }
    Ok(())
}

impl BinaryKernel for Cpu {
    fn binary<E: NumDtype>(
        &self,
        op: BinaryOp,
        a: &Vec<E>,
        la: &Layout,
        b: &Vec<E>,
        lb: &Layout,
    ) -> Result<Vec<E>> {
        check_division::<E>(op)?;
        with_binary_fn!(op, E, |f| zip_map(a, la, b, lb, f))
    }

    fn binary_assign<E: NumDtype>(
        &self,
        op: BinaryOp,
        a: &mut Vec<E>,
        la: &Layout,
        b: &Vec<E>,
        lb: &Layout,
        b_scale: Option<E>,
    ) -> Result<bool> {
        check_division::<E>(op)?;
        let Some(ra) = la.contiguous_range() else {
            return Err(Error::Device(format!(
                "binary_assign needs a contiguous left operand, got {la:?}"
            )));
        };
        let a = &mut a[ra];
        match (b_scale, op) {
            (None, _) => with_binary_fn!(op, E, |f| zip_assign(a, b, lb, f))?,
            // The scaled forms the library uses (`param -= lr * grad`); the others are
            // left to the out-of-place path.
            (Some(s), BinaryOp::Sub) => {
                zip_assign(a, b, lb, move |x: E, y: E| x.wsub(y.wmul(s)))?;
            }
            (Some(s), BinaryOp::Add) => {
                zip_assign(a, b, lb, move |x: E, y: E| x.wadd(y.wmul(s)))?;
            }
            (Some(_), _) => return Ok(false),
        }
        Ok(true)
    }
}
