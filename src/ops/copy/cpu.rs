//! CPU kernels for copies and casts.
use crate::Result;
use crate::device::Cpu;
use crate::device::cpu::gather;
use crate::dtype::{CastTo, Dtype};
use crate::layout::Layout;
use crate::ops::unary::cpu::map;

use super::CopyKernel;

impl CopyKernel for Cpu {
    fn contiguous<E: Dtype>(&self, x: &Vec<E>, l: &Layout) -> Result<Vec<E>> {
        gather(x, l)
    }

    fn cast<E: CastTo<F>, F: Dtype>(&self, x: &Vec<E>, l: &Layout) -> Result<Vec<F>> {
        map(x, l, E::cast)
    }
}
