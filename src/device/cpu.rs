//! The CPU device: storage is a `Vec`, kernels are plain loops and matrixmultiply.
use crate::Result;
use crate::dtype::Dtype;
use crate::layout::Layout;

use super::DeviceStorage;

/// The host CPU. The default device of every tensor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cpu;

impl DeviceStorage for Cpu {
    type Storage<E: Dtype> = Vec<E>;

    fn print_name(&self) -> Option<String> {
        None
    }

    fn alloc_filled<E: Dtype>(&self, len: usize, value: E) -> Result<Vec<E>> {
        Ok(vec![value; len])
    }

    fn upload<E: Dtype>(&self, data: Vec<E>) -> Result<Vec<E>> {
        Ok(data)
    }

    fn download<E: Dtype>(&self, storage: &Vec<E>, layout: &Layout) -> Result<Vec<E>> {
        Ok(gather(storage, layout))
    }
}

/// The elements a layout selects, in row-major order.
pub(crate) fn gather<E: Copy>(data: &[E], layout: &Layout) -> Vec<E> {
    if let Some(r) = layout.contiguous_range() {
        return data[r].to_vec();
    }
    let mut out = Vec::with_capacity(layout.numel());
    layout.for_each_index(|i| out.push(data[i]));
    out
}
