//! The sliding-window kernel traits for [`Cuda`]: [`ConvKernel`] (`kernels/conv.cu`) and
//! [`PoolKernel`] (`kernels/pool.cu`), each method one launch. The launchers check what the
//! CPU kernels check (dims against the window, layouts against their buffers) before
//! launching, and size every output exactly.
use cust::memory::DevicePointer;

use crate::Result;
use crate::dtype::{Dtype, FloatDtype};
use crate::error::Error;
use crate::layout::Layout;
use crate::ops::conv::{ConvKernel, Window2d};
use crate::ops::pool::{AvgKind, PoolKernel};
use crate::shape::Dims;

use super::kernels::{ptr, u64_of};
use super::launch::{Family, args, dense4, grid_1d, layout4};
use super::{Cuda, CudaStorage};

/// `window.cuh`'s `struct Win2d`, field for field (14 `u64`s, passed by value).
#[repr(C)]
#[derive(Clone, Copy, Debug, cust::DeviceCopy)]
pub(super) struct Win2d {
    pub n: u64,
    pub c: u64,
    pub h: u64,
    pub w: u64,
    pub kh: u64,
    pub kw: u64,
    pub sh: u64,
    pub sw: u64,
    pub ph: u64,
    pub pw: u64,
    pub dh: u64,
    pub dw: u64,
    pub oh: u64,
    pub ow: u64,
}

const _: () = assert!(size_of::<Win2d>() == 112 && align_of::<Win2d>() == 8);

impl From<&Window2d> for Win2d {
    fn from(w: &Window2d) -> Self {
        let u = u64_of;
        Win2d {
            n: u(w.n),
            c: u(w.c),
            h: u(w.h),
            w: u(w.w),
            kh: u(w.kh),
            kw: u(w.kw),
            sh: u(w.sh),
            sw: u(w.sw),
            ph: u(w.ph),
            pw: u(w.pw),
            dh: u(w.dh),
            dw: u(w.dw),
            oh: u(w.oh),
            ow: u(w.ow),
        }
    }
}

/// `l` must have the window's output dims `[n, c, oh, ow]`.
fn check_output(l: &Layout, win: &Window2d, what: &str) -> Result<()> {
    if l.dims() == win.output_dims(win.c) {
        Ok(())
    } else {
        Err(Error::Device(format!(
            "CUDA {what}: layout {l:?} does not have the window's output dims {:?}",
            win.output_dims(win.c)
        )))
    }
}

impl Cuda {
    /// A new buffer of `n` elements written by one grid-stride launch of `name` (whose last
    /// two parameters are the output pointer and its length), or an empty one.
    ///
    /// # Safety
    ///
    /// `args` (this launch's parameters before the output) match the kernel's parameter list
    /// and their buffers and layouts were checked as `launch` requires.
    unsafe fn window_launch<E: Dtype>(
        &self,
        family: Family,
        name: &str,
        n: usize,
        args: &[*mut std::ffi::c_void],
    ) -> Result<CudaStorage<E>> {
        let out = self.alloc::<E>(n)?;
        if n > 0 {
            let (po, len) = (ptr(&out), u64_of(n));
            let mut all = args.to_vec();
            all.extend(args![po, len]);
            // SAFETY: the caller's contract for `args`; `po` addresses exactly `len`
            // elements of `E::Cuda`, the kernel's `T`, and the kernel writes out[0..len).
            unsafe { self.launch(family, &format!("{name}_{}", E::SUFFIX), grid_1d(n), &all)? };
        }
        Ok(out)
    }
}

impl ConvKernel for Cuda {
    fn unfold<E: FloatDtype>(
        &self,
        x: &CudaStorage<E>,
        l: &Layout,
        win: &Window2d,
    ) -> Result<CudaStorage<E>> {
        win.check_input(l, "CUDA unfold")?;
        self.enter()?;
        let (px, lx, w) = (ptr(x), layout4(l, x.len())?, Win2d::from(win));
        let n = win.col_rows() * win.col_cols();
        // SAFETY: conv_unfold_<dtype>(const T* x, Layout4 lx, Win2d win, T* out, u64 out_len):
        // `lx` is checked against `x` and has the window's input dims.
        unsafe { self.window_launch(Family::Conv, "conv_unfold", n, &args![px, lx, w]) }
    }

    fn fold<E: FloatDtype>(
        &self,
        cols: &CudaStorage<E>,
        l: &Layout,
        win: &Window2d,
    ) -> Result<CudaStorage<E>> {
        if l.dims() != Dims::from_array([win.col_rows(), win.col_cols()]) {
            return Err(Error::Device(format!(
                "CUDA fold: layout {l:?} is not the window's [{}, {}] matrix",
                win.col_rows(),
                win.col_cols()
            )));
        }
        self.enter()?;
        let (pc, lc, w) = (ptr(cols), layout4(l, cols.len())?, Win2d::from(win));
        let n = win.input_dims().numel();
        // SAFETY: conv_fold_<dtype>(const T* cols, Layout4 lc, Win2d win, T* out,
        // u64 out_len): `lc` is checked against `cols` and has the window's matrix dims.
        unsafe { self.window_launch(Family::Conv, "conv_fold", n, &args![pc, lc, w]) }
    }

    fn conv_output<E: FloatDtype>(
        &self,
        y: &CudaStorage<E>,
        ly: &Layout,
        bias: Option<(&CudaStorage<E>, &Layout)>,
    ) -> Result<CudaStorage<E>> {
        let d = ly.dims();
        if d.rank() != 3 {
            return Err(Error::Device(format!(
                "CUDA conv_output: the product must be [oc, n, l], got {ly:?}"
            )));
        }
        self.enter()?;
        let (py, l4y) = (ptr(y), layout4(ly, y.len())?);
        let (pb, lb) = match bias {
            Some((b, lb)) if lb.dims() == Dims::from_array([d[0]]) => {
                (ptr(b), layout4(lb, b.len())?)
            }
            Some((_, lb)) => {
                return Err(Error::Device(format!(
                    "CUDA conv_output: a bias of {} channels must be [{}], got {lb:?}",
                    d[0], d[0]
                )));
            }
            None => (DevicePointer::null(), dense4(Dims::from_array([0]))?),
        };
        // SAFETY: conv_output_<dtype>(const T* y, Layout4 ly, const T* bias, Layout4 lb, T* out,
        // u64 out_len): `ly` is checked against `y`; the bias is null or a `[oc]` layout
        // checked against its buffer.
        unsafe {
            self.window_launch(
                Family::Conv,
                "conv_output",
                d.numel(),
                &args![py, l4y, pb, lb],
            )
        }
    }
}

impl PoolKernel for Cuda {
    fn max_pool2d<E: FloatDtype>(
        &self,
        x: &CudaStorage<E>,
        l: &Layout,
        win: &Window2d,
    ) -> Result<(CudaStorage<E>, CudaStorage<i64>)> {
        win.check_input(l, "CUDA max_pool2d")?;
        self.enter()?;
        let n = win.output_dims(win.c).numel();
        let (vals, idx) = (self.alloc::<E>(n)?, self.alloc::<i64>(n)?);
        if n > 0 {
            let (px, lx, w) = (ptr(x), layout4(l, x.len())?, Win2d::from(win));
            let (pv, pi, len) = (ptr(&vals), ptr(&idx), u64_of(n));
            // SAFETY: pool_max_<dtype>(const T* x, Layout4 lx, Win2d win, T* out, i64* idx,
            // u64 out_len): `lx` is checked against `x` with the window's input dims; `out`
            // and `idx` hold exactly `n` elements each.
            unsafe {
                self.launch(
                    Family::Pool,
                    &format!("pool_max_{}", E::SUFFIX),
                    grid_1d(n),
                    &args![px, lx, w, pv, pi, len],
                )?;
            }
        }
        Ok((vals, idx))
    }

    fn max_pool2d_backward<E: FloatDtype>(
        &self,
        g: &CudaStorage<E>,
        lg: &Layout,
        idx: &CudaStorage<i64>,
        lidx: &Layout,
        win: &Window2d,
    ) -> Result<CudaStorage<E>> {
        check_output(lg, win, "max_pool2d_backward")?;
        check_output(lidx, win, "max_pool2d_backward")?;
        self.enter()?;
        let (pg, l4g, pi, l4i) = (
            ptr(g),
            layout4(lg, g.len())?,
            ptr(idx),
            layout4(lidx, idx.len())?,
        );
        let w = Win2d::from(win);
        let n = win.input_dims().numel();
        // SAFETY: pool_max_backward_<dtype>(const T* g, Layout4 lg, const i64* idx, Layout4 li,
        // Win2d win, T* out, u64 out_len): both layouts are checked against their buffers and
        // have the window's output dims. (An index outside its plane matches no input, so
        // the gather simply never picks it.)
        unsafe {
            self.window_launch(
                Family::Pool,
                "pool_max_backward",
                n,
                &args![pg, l4g, pi, l4i, w],
            )
        }
    }

    fn avg_pool2d<E: FloatDtype>(
        &self,
        x: &CudaStorage<E>,
        l: &Layout,
        win: &Window2d,
        kind: AvgKind,
    ) -> Result<CudaStorage<E>> {
        win.check_input(l, "CUDA avg_pool2d")?;
        self.enter()?;
        let (px, lx, w) = (ptr(x), layout4(l, x.len())?, Win2d::from(win));
        let adaptive = u32::from(kind == AvgKind::Adaptive);
        let n = win.output_dims(win.c).numel();
        // SAFETY: pool_avg_<dtype>(const T* x, Layout4 lx, Win2d win, u32 adaptive, T* out,
        // u64 out_len): `lx` is checked against `x` with the window's input dims.
        unsafe { self.window_launch(Family::Pool, "pool_avg", n, &args![px, lx, w, adaptive]) }
    }

    fn avg_pool2d_backward<E: FloatDtype>(
        &self,
        g: &CudaStorage<E>,
        lg: &Layout,
        win: &Window2d,
        kind: AvgKind,
    ) -> Result<CudaStorage<E>> {
        check_output(lg, win, "avg_pool2d_backward")?;
        self.enter()?;
        let (pg, l4g, w) = (ptr(g), layout4(lg, g.len())?, Win2d::from(win));
        let adaptive = u32::from(kind == AvgKind::Adaptive);
        let n = win.input_dims().numel();
        // SAFETY: pool_avg_backward_<dtype>(const T* g, Layout4 lg, Win2d win, u32 adaptive,
        // T* out, u64 out_len): `lg` is checked against `g` with the window's output dims.
        unsafe {
            self.window_launch(
                Family::Pool,
                "pool_avg_backward",
                n,
                &args![pg, l4g, w, adaptive],
            )
        }
    }
}
