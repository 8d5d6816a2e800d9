//! CPU kernels for comparisons and mask selection.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::gather;
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
        Ok(match op {
            CmpOp::Eq => zip_map(a, la, b, lb, |x, y| x == y),
            CmpOp::Ne => zip_map(a, la, b, lb, |x, y| x != y),
            CmpOp::Lt => zip_map(a, la, b, lb, |x, y| x < y),
            CmpOp::Le => zip_map(a, la, b, lb, |x, y| x <= y),
            CmpOp::Gt => zip_map(a, la, b, lb, |x, y| x > y),
            CmpOp::Ge => zip_map(a, la, b, lb, |x, y| x >= y),
        })
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
        let picked = zip_map(cond, lc, a, la, |c, x| (c, x));
        let others = gather(b, lb);
        Ok(picked
            .into_iter()
            .zip(others)
            .map(|((c, x), y)| if c { x } else { y })
            .collect())
    }
}
