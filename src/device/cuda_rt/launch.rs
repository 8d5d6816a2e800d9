//! Launching the PTX kernels: the embedded modules, the `Layout4` parameter and its bounds
//! check, launch configurations, and the one `unsafe` entry point every kernel call goes
//! through. `kernels/README.md` is the ABI this follows.
use std::ffi::c_void;

use cust::function::{BlockSize, GridSize};

use crate::Result;
use crate::error::Error;
use crate::layout::Layout;
use crate::shape::MAX_RANK;

use super::{Cuda, cuda_error};

/// A kernel family: one CUDA source in `kernels/`, one PTX module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Family {
    Arith,
    Unary,
    Compare,
    Copy,
    Index,
    Matmul,
    Reduce,
    Softmax,
    Optim,
    Conv,
    Pool,
}

impl Family {
    pub(super) const COUNT: usize = 11;

    pub(super) fn name(self) -> &'static str {
        match self {
            Family::Arith => "arith",
            Family::Unary => "unary",
            Family::Compare => "compare",
            Family::Copy => "copy",
            Family::Index => "index",
            Family::Matmul => "matmul",
            Family::Reduce => "reduce",
            Family::Softmax => "softmax",
            Family::Optim => "optim",
            Family::Conv => "conv",
            Family::Pool => "pool",
        }
    }

    /// The module's PTX, embedded at build time.
    pub(super) fn ptx(self) -> &'static str {
        match self {
            Family::Arith => include_str!("../../../kernels/ptx/arith.ptx"),
            Family::Unary => include_str!("../../../kernels/ptx/unary.ptx"),
            Family::Compare => include_str!("../../../kernels/ptx/compare.ptx"),
            Family::Copy => include_str!("../../../kernels/ptx/copy.ptx"),
            Family::Index => include_str!("../../../kernels/ptx/index.ptx"),
            Family::Matmul => include_str!("../../../kernels/ptx/matmul.ptx"),
            Family::Reduce => include_str!("../../../kernels/ptx/reduce.ptx"),
            Family::Softmax => include_str!("../../../kernels/ptx/softmax.ptx"),
            Family::Optim => include_str!("../../../kernels/ptx/optim.ptx"),
            Family::Conv => include_str!("../../../kernels/ptx/conv.ptx"),
            Family::Pool => include_str!("../../../kernels/ptx/pool.ptx"),
        }
    }
}

/// A strided operand as the kernels take it (`common.cuh`'s `struct Layout4`, 88 bytes,
/// field for field): dims, strides, offset, the buffer's length in elements, and the rank.
#[repr(C)]
#[derive(Clone, Copy, Debug, cust::DeviceCopy)]
pub(super) struct Layout4 {
    pub dims: [u64; 4],
    pub strides: [u64; 4],
    pub offset: u64,
    pub len: u64,
    pub rank: u32,
    pub _pad: u32,
}

const _: () = assert!(size_of::<Layout4>() == 88 && align_of::<Layout4>() == 8);
const _: () = assert!(MAX_RANK == 4);

/// `l` over a buffer of `len` elements, checked as the CPU kernels' slice indexing would:
/// for a non-empty layout, the last element it can reach, `offset + Σ (dims[d] - 1) *
/// strides[d]`, must lie below `len` (checked arithmetic). Every launch passes only layouts
/// made here, so no kernel is given an extent past its buffer.
pub(super) fn layout4(l: &Layout, len: usize) -> Result<Layout4> {
    let dims = l.dims();
    let rank = dims.rank();
    let strides = l.strides();
    let mut out = Layout4 {
        dims: [0; 4],
        strides: [0; 4],
        offset: l.offset() as u64,
        len: len as u64,
        rank: rank as u32,
        _pad: 0,
    };
    for d in 0..rank {
        out.dims[d] = dims[d] as u64;
        out.strides[d] = strides[d] as u64;
    }
    if l.numel() > 0 {
        let last = (0..rank).try_fold(l.offset(), |acc, d| {
            (dims[d] - 1)
                .checked_mul(strides[d])
                .and_then(|x| acc.checked_add(x))
        });
        if last.is_none_or(|last| last >= len) {
            return Err(Error::Device(format!(
                "CUDA: layout {l:?} reaches past its buffer of {len} elements"
            )));
        }
    }
    Ok(out)
}

/// The dense row-major layout of `dims` over exactly its own elements.
pub(super) fn dense4(dims: crate::shape::Dims) -> Result<Layout4> {
    layout4(&Layout::contiguous(dims), dims.numel())
}

/// A grid and a block.
#[derive(Clone, Copy, Debug)]
pub(super) struct LaunchCfg {
    pub grid: (u32, u32, u32),
    pub block: u32,
}

/// Threads per block of the elementwise (grid-stride) kernels.
pub(super) const THREADS: u32 = 256;

/// `min(ceil(n / 256), 65535)` blocks of 256 (at least 1): the grid-stride kernels'
/// configuration (`kernels/README.md`). Callers launch only for `n > 0`.
pub(super) fn grid_1d(n: usize) -> LaunchCfg {
    let blocks = n.div_ceil(THREADS as usize).clamp(1, 65535) as u32;
    LaunchCfg {
        grid: (blocks, 1, 1),
        block: THREADS,
    }
}

/// The argument array of a launch: a pointer to each local, in the kernel's parameter order.
/// Only identifiers (locals), so that every pointer outlives the array.
macro_rules! args {
    ($($a:ident),* $(,)?) => {
        [$(::std::ptr::from_ref(&$a).cast_mut().cast::<::std::ffi::c_void>()),*]
    };
}
pub(super) use args;

impl Cuda {
    /// Launches kernel `name` of `family` on this GPU's stream (asynchronously).
    ///
    /// # Safety
    ///
    /// `args` holds one pointer per kernel parameter, in order, each to a live value of
    /// exactly the parameter's type and width (`DevicePointer<T>` for `T*`, [`Layout4`],
    /// `u64`, `u32`, the element's device type); every device pointer addresses an
    /// allocation at least as long as the length or `Layout4` passed with it (layouts made by
    /// [`layout4`] from that buffer's length), and none of those buffers is freed before the
    /// kernel finishes (freeing synchronizes the device, so holding them for the call
    /// suffices). The kernels index nothing past the lengths they are given.
    pub(super) unsafe fn launch(
        &self,
        family: Family,
        name: &str,
        cfg: LaunchCfg,
        args: &[*mut c_void],
    ) -> Result<()> {
        let module = self.module(family)?;
        let function = module.get_function(name).map_err(|e| {
            cuda_error(
                &format!(
                    "finding kernel `{name}` in kernels/ptx/{}.ptx",
                    family.name()
                ),
                e,
            )
        })?;
        let (gx, gy, gz) = cfg.grid;
        // SAFETY: the caller's contract above: the parameter list matches the kernel's, and
        // every buffer it points to is live and large enough.
        unsafe {
            self.inner.stream.launch(
                &function,
                GridSize::xyz(gx, gy, gz),
                BlockSize::x(cfg.block),
                0,
                args,
            )
        }
        .map_err(|e| cuda_error(&format!("launching `{name}`"), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Dims;

    fn dims(d: &[usize]) -> Dims {
        Dims::new(d).unwrap()
    }

    #[test]
    fn layout4_mirrors_the_layout() {
        let l = Layout::contiguous(dims(&[2, 3, 4])).transpose(0, 2);
        let l4 = layout4(&l, 24).unwrap();
        assert_eq!(l4.rank, 3);
        assert_eq!(l4.dims, [4, 3, 2, 0]);
        assert_eq!(l4.strides, [1, 4, 12, 0]);
        assert_eq!((l4.offset, l4.len), (0, 24));
    }

    #[test]
    fn layout4_refuses_extents_past_the_buffer() {
        let l = Layout::contiguous(dims(&[3, 4]));
        assert!(layout4(&l, 12).is_ok());
        assert!(layout4(&l, 11).is_err());
        // A narrowed view: offset 1 * 4 + 1, last element 5 + 1 = 6.
        let n = l.narrow(0, 1, 1).narrow(1, 1, 2);
        assert!(layout4(&n, 7).is_ok());
        assert!(layout4(&n, 6).is_err());
        // Broadcast (stride 0) reaches only its one element; empty layouts reach nothing.
        let b = Layout::contiguous(dims(&[])).broadcast_to(dims(&[5, 6]));
        assert!(layout4(&b, 1).is_ok());
        assert!(layout4(&Layout::contiguous(dims(&[0, 9])), 0).is_ok());
        // Overflowing extents are refused, not wrapped.
        let huge = Layout {
            strides: [usize::MAX, 1, 0, 0],
            ..Layout::contiguous(dims(&[2, 2]))
        };
        assert!(layout4(&huge, usize::MAX).is_err());
    }

    #[test]
    fn grids_follow_the_readme() {
        assert_eq!(grid_1d(1).grid, (1, 1, 1));
        assert_eq!(grid_1d(256).grid, (1, 1, 1));
        assert_eq!(grid_1d(257).grid, (2, 1, 1));
        assert_eq!(grid_1d(usize::MAX / 2).grid, (65535, 1, 1));
        assert_eq!(grid_1d(7).block, 256);
    }

    #[test]
    fn every_family_embeds_its_ptx() {
        for f in [
            Family::Arith,
            Family::Unary,
            Family::Compare,
            Family::Copy,
            Family::Index,
            Family::Matmul,
            Family::Reduce,
            Family::Softmax,
            Family::Optim,
            Family::Conv,
            Family::Pool,
        ] {
            assert!(f.ptx().contains(".version 8.0"), "{}", f.name());
            assert!(f.ptx().contains(".target sm_80"), "{}", f.name());
            assert!(f.ptx().contains(".visible .entry"), "{}", f.name());
        }
    }
}
