//! CPU kernels for comparisons and mask selection.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::{Elems, dense, elems};
use crate::device::parallel::{map_new, zip_new, zip3_new};
use crate::dtype::Dtype;
use crate::layout::Layout;
use crate::ops::arith::cpu::zip_map;

use super::{CmpOp, CompareKernel};

impl CompareKernel for Cpu {
    fn compare<E: Dtype>(
        &self,
        op: CmpOp,
        a: &Vec<E>,
        la: &Layout,
        b: &Vec<E>,
        lb: &Layout,
    ) -> Result<Vec<bool>> {
        match op {
            CmpOp::Eq => zip_map(a, la, b, lb, |x, y| x == y),
            CmpOp::Ne => zip_map(a, la, b, lb, |x, y| x != y),
            CmpOp::Lt => zip_map(a, la, b, lb, |x, y| x < y),
            CmpOp::Le => zip_map(a, la, b, lb, |x, y| x <= y),
            CmpOp::Gt => zip_map(a, la, b, lb, |x, y| x > y),
            CmpOp::Ge => zip_map(a, la, b, lb, |x, y| x >= y),
        }
    }

    fn select<E: Dtype>(
        &self,
        cond: &Vec<bool>,
        lc: &Layout,
        a: &Vec<E>,
        la: &Layout,
        b: &Vec<E>,
        lb: &Layout,
    ) -> Result<Vec<E>> {
        // A dense mask choosing between dense runs and broadcast scalars (`masked_fill`,
        // `where_`): one branch-free loop per combination.
        let c = dense(cond, lc)?;
        match (elems(a, la)?, elems(b, lb)?) {
            (Elems::Dense(x), Elems::Dense(y)) => zip3_new(&c, &x, &y, pick),
            (Elems::Dense(x), Elems::Scalar(y)) => zip_new(&c, &x, move |c, x| pick(c, x, y)),
            (Elems::Scalar(x), Elems::Dense(y)) => zip_new(&c, &y, move |c, y| pick(c, x, y)),
            (Elems::Scalar(x), Elems::Scalar(y)) => map_new(&c, move |c| pick(c, x, y)),
        }
    }
}

/// `c ? x : y` without a branch (a random mask mispredicts half of them), so that the
/// loops vectorise as blends.
#[inline(always)]
fn pick<E: Copy>(c: bool, x: E, y: E) -> E {
    [y, x][usize::from(c)]
}
