//! Every kernel trait of [`Device`](crate::Device) for [`Cuda`], each method a launch (or a
//! few) of the PTX kernels with the parameters `kernels/README.md` specifies.
//!
//! Each launch below is preceded by the checks its `SAFETY` comment relies on: strided
//! operands are `Layout4`s made by [`layout4`] from their own buffer's length (so their
//! extents lie inside the buffer), outputs are allocated with exactly the count the kernel
//! is told, and every scalar has the width of the kernel's parameter.
use cust::memory::{CopyDestination, DeviceBuffer, DevicePointer};

use crate::Result;
use crate::device::DeviceStorage;
use crate::dtype::{CastTo, DType, Dtype, FloatDtype, NumDtype, SumDtype};
use crate::error::Error;
use crate::layout::Layout;
use crate::ops::{
    arith::{BinaryKernel, BinaryOp},
    compare::{CmpOp, CompareKernel},
    copy::CopyKernel,
    index::IndexKernel,
    matmul::{GemmDims, MatMulKernel, gemm_dims},
    reduce::{ArgReduceOp, ReduceKernel, ReduceOp},
    softmax::{SoftmaxKernel, SoftmaxOp},
    unary::{FloatUnaryOp, UnaryKernel, UnaryOp},
};
use crate::optim::{AdamScalars, OptimKernel, RmspropScalars, SgdScalars};
use crate::shape::Dims;

use super::launch::{Family, LaunchCfg, THREADS, args, dense4, grid_1d, layout4};
use super::{Cuda, CudaStorage, cuda_error};

/// The device pointer of a storage's first element.
pub(super) fn ptr<E: Dtype>(s: &CudaStorage<E>) -> DevicePointer<E::Cuda> {
    s.buf.as_device_ptr()
}

/// Counts and axes as the kernels take them.
pub(super) fn u64_of(n: usize) -> u64 {
    n as u64
}

fn same_dims(a: &Layout, b: &Layout, what: &str) -> Result<()> {
    if a.dims() == b.dims() {
        Ok(())
    } else {
        Err(Error::Device(format!(
            "CUDA {what}: operands of different dims, {:?} and {:?}",
            a.dims(),
            b.dims()
        )))
    }
}

/// Dims without `axis`.
fn without_axis(dims: Dims, axis: usize) -> Dims {
    let mut d = dims.as_slice().to_vec();
    d.remove(axis);
    Dims::new(&d).unwrap_or(dims)
}

/// Dims with `dims[axis]` replaced.
fn with_axis(dims: Dims, axis: usize, size: usize) -> Dims {
    let mut d = dims.as_slice().to_vec();
    d[axis] = size;
    Dims::new(&d).unwrap_or(dims)
}

fn axis_of(axis: usize, rank: usize, what: &str) -> Result<u32> {
    if axis < rank {
        Ok(axis as u32)
    } else {
        Err(Error::Device(format!(
            "CUDA {what}: axis {axis} of a rank-{rank} tensor"
        )))
    }
}

/// The storage index of row-major element `j` of `l`.
fn storage_index(l: &Layout, mut j: usize) -> usize {
    let dims = l.dims();
    let strides = l.strides();
    let mut idx = l.offset();
    for d in (0..dims.rank()).rev() {
        let n = dims[d].max(1);
        idx += (j % n) * strides[d];
        j /= n;
    }
    idx
}

fn binary_name(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "add",
        BinaryOp::Sub => "sub",
        BinaryOp::Mul => "mul",
        BinaryOp::Div => "div",
        BinaryOp::Maximum => "maximum",
        BinaryOp::Minimum => "minimum",
    }
}

fn check_division<E: NumDtype>(op: BinaryOp) -> Result<()> {
    if op == BinaryOp::Div && !E::DTYPE.is_float() {
        return Err(Error::Device("integer division is not supported".into()));
    }
    Ok(())
}

/// `unary.cu`'s clamp flags.
const CLAMP_HAS_MIN: u32 = 1;
const CLAMP_HAS_MAX: u32 = 2;
/// `unary_clamp_backward_*`: the lower bound excludes equality (relu's gradient rule).
const CLAMP_MIN_EXCLUSIVE: u32 = 4;

/// A unary kernel's name and its scalar parameters `(s0, s1, flags)`.
struct UnaryCall<E> {
    name: &'static str,
    s0: E,
    s1: E,
    flags: u32,
}

impl<E: NumDtype> UnaryCall<E> {
    fn new(name: &'static str, s0: E) -> Self {
        UnaryCall {
            name,
            s0,
            s1: E::zero(),
            flags: 0,
        }
    }

    fn num(op: UnaryOp<E>) -> Self {
        let z = E::zero();
        match op {
            UnaryOp::Neg => Self::new("neg", z),
            UnaryOp::Abs => Self::new("abs", z),
            UnaryOp::Relu => Self::new("relu", z),
            UnaryOp::Clamp(lo, hi) => UnaryCall {
                name: "clamp",
                s0: lo.unwrap_or(z),
                s1: hi.unwrap_or(z),
                flags: if lo.is_some() { CLAMP_HAS_MIN } else { 0 }
                    | if hi.is_some() { CLAMP_HAS_MAX } else { 0 },
            },
            UnaryOp::AddScalar(s) => Self::new("add_scalar", s),
            UnaryOp::SubScalar(s) => Self::new("sub_scalar", s),
            UnaryOp::ScalarSub(s) => Self::new("scalar_sub", s),
            UnaryOp::MulScalar(s) => Self::new("mul_scalar", s),
        }
    }
}

impl<E: FloatDtype> UnaryCall<E> {
    /// `None` for `pow(1)`, which is a copy (as on the CPU: bit for bit).
    fn float(op: FloatUnaryOp<E>) -> Option<Self> {
        match op {
            FloatUnaryOp::Pow(p) if p == E::one() => None,
            _ => Some(Self::float_any(op)),
        }
    }

    /// The kernel of `op` (its `_backward` twin has the same name and scalars).
    fn float_any(op: FloatUnaryOp<E>) -> Self {
        let z = E::zero();
        match op {
            FloatUnaryOp::Exp => Self::new("exp", z),
            FloatUnaryOp::Log => Self::new("log", z),
            FloatUnaryOp::Sqrt => Self::new("sqrt", z),
            FloatUnaryOp::Pow(p) => Self::new("pow", p),
            FloatUnaryOp::Sigmoid => Self::new("sigmoid", z),
            FloatUnaryOp::Tanh => Self::new("tanh", z),
            FloatUnaryOp::DivScalar(s) => Self::new("div_scalar", s),
            FloatUnaryOp::ScalarDiv(s) => Self::new("scalar_div", s),
            FloatUnaryOp::Sin => Self::new("sin", z),
            FloatUnaryOp::Cos => Self::new("cos", z),
            FloatUnaryOp::Exp2 => Self::new("exp2", z),
            FloatUnaryOp::Log1p => Self::new("log1p", z),
            FloatUnaryOp::Expm1 => Self::new("expm1", z),
            FloatUnaryOp::Rsqrt => Self::new("rsqrt", z),
            FloatUnaryOp::Sign => Self::new("sign", z),
            FloatUnaryOp::Floor => Self::new("floor", z),
            FloatUnaryOp::Round => Self::new("round", z),
            FloatUnaryOp::Gelu => Self::new("gelu", z),
            FloatUnaryOp::GeluTanh => Self::new("gelu_tanh", z),
            FloatUnaryOp::LeakyRelu(s) => Self::new("leaky_relu", s),
        }
    }
}

impl Cuda {
    /// `out[i] = op(x at i)` into a new buffer: any `unary_<op>_<dtype>` kernel.
    fn unary_new<E: Dtype>(
        &self,
        call: &UnaryCall<E>,
        x: &CudaStorage<E>,
        l: &Layout,
    ) -> Result<CudaStorage<E>> {
        self.enter()?;
        let lx = layout4(l, x.len())?;
        let n = l.numel();
        let out = self.alloc::<E>(n)?;
        if n > 0 {
            let (px, po, len) = (ptr(x), ptr(&out), u64_of(n));
            let (s0, s1, flags) = (call.s0.to_cuda(), call.s1.to_cuda(), call.flags);
            // SAFETY: unary_<op>_<dtype>(const T* x, Layout4 lx, T* out, u64 out_len, T s0,
            // T s1, u32 flags): `lx` is checked against `x`, `out` holds exactly `n`.
            unsafe {
                self.launch(
                    Family::Unary,
                    &format!("unary_{}_{}", call.name, E::SUFFIX),
                    grid_1d(n),
                    &args![px, lx, po, len, s0, s1, flags],
                )?;
            }
        }
        Ok(out)
    }

    /// `x = op(x)` over the dense run `l` selects: the same kernel, writing where it reads.
    fn unary_in_place<E: Dtype>(
        &self,
        call: &UnaryCall<E>,
        x: &mut CudaStorage<E>,
        l: &Layout,
    ) -> Result<()> {
        self.enter()?;
        let Some(r) = l.contiguous_range() else {
            return Err(Error::Device(format!(
                "in-place kernels need a contiguous operand, got {l:?}"
            )));
        };
        let lx = layout4(l, x.len())?;
        let n = l.numel();
        if n > 0 {
            let px = ptr(x);
            let (po, len) = (px.wrapping_add(r.start), u64_of(n));
            let (s0, s1, flags) = (call.s0.to_cuda(), call.s1.to_cuda(), call.flags);
            // SAFETY: as `unary_new`; `out` is `x`'s dense run `r` (r.start + n <= len(x),
            // since `lx` passed the bounds check), and each thread reads element i before it
            // writes element i, the same address, so reading and writing one buffer is sound.
            unsafe {
                self.launch(
                    Family::Unary,
                    &format!("unary_{}_{}", call.name, E::SUFFIX),
                    grid_1d(n),
                    &args![px, lx, po, len, s0, s1, flags],
                )?;
            }
        }
        Ok(())
    }

    /// `out[i] = op(a at i, b at i)` for the `n = numel(la)` elements, into `out`
    /// (`binary_<op>_<dtype>`). `a` and `b` are a pointer and its layout.
    ///
    /// # Safety
    ///
    /// Each layout was made by [`layout4`] from the length of the buffer its pointer starts,
    /// and `out` addresses at least `n` writable elements. `out` may be `a`'s own elements at
    /// the storage indices `la` selects (each thread reads its element before writing it),
    /// but no other overlap.
    unsafe fn binary_launch<E: NumDtype>(
        &self,
        op: BinaryOp,
        (a, la): (DevicePointer<E::Cuda>, super::Layout4),
        (b, lb): (DevicePointer<E::Cuda>, super::Layout4),
        out: DevicePointer<E::Cuda>,
        n: usize,
    ) -> Result<()> {
        let len = u64_of(n);
        // SAFETY: binary_<op>_<dtype>(const T* a, Layout4 la, const T* b, Layout4 lb, T* out,
        // u64 out_len): the caller's contract gives in-bounds layouts and `n` elements of
        // `out`; the kernel reads each operand through its layout and writes out[0..n).
        unsafe {
            self.launch(
                Family::Arith,
                &format!("binary_{}_{}", binary_name(op), E::SUFFIX),
                grid_1d(n),
                &args![a, la, b, lb, out, len],
            )
        }
    }

    /// Checks every index of `idx` against `size` on the device (`index_check`), returning
    /// the CPU's error for the first one (row-major) outside `0..size`.
    fn check_indices(&self, idx: &CudaStorage<i64>, lidx: &Layout, size: usize) -> Result<()> {
        let n = lidx.numel();
        if n == 0 {
            return Ok(());
        }
        let li = layout4(lidx, idx.len())?;
        let flag = DeviceBuffer::from_slice(&[u64::MAX])
            .map_err(|e| cuda_error("allocating the index check flag", e))?;
        let (pi, sz, pf) = (ptr(idx), u64_of(size), flag.as_device_ptr());
        // SAFETY: index_check(const i64* idx, Layout4 lidx, u64 size, u64* first_bad): `li`
        // is checked against `idx`, `first_bad` is a live one-element u64 buffer.
        unsafe {
            self.launch(
                Family::Index,
                "index_check",
                grid_1d(n),
                &args![pi, li, sz, pf],
            )?;
        }
        let mut first = [0u64];
        flag.copy_to(&mut first[..])
            .map_err(|e| cuda_error("reading the index check", e))?;
        if first[0] == u64::MAX {
            return Ok(());
        }
        let k = storage_index(lidx, first[0] as usize);
        let mut index = [0i64];
        if k < idx.len() {
            idx.buf
                .index(k..k + 1)
                .copy_to(&mut index[..])
                .map_err(|e| cuda_error("reading a bad index", e))?;
        }
        Err(Error::IndexOutOfRange {
            index: index[0],
            size,
        })
    }

    /// One of `reduce.cu`'s reductions: `op` is `sum`, `max`, `min` (output `E`),
    /// `argmax`, `argmin` (output `i64`, `O`) or `sum64` (`i32`, `bool`: output `i64`),
    /// along `axis` or over everything. `P` is the partials' type: `E`, or `i64` for `sum64`.
    fn reduce_launch<E: Dtype, P: Dtype, O: Dtype>(
        &self,
        op: &str,
        x: &CudaStorage<E>,
        l: &Layout,
        axis: Option<usize>,
    ) -> Result<CudaStorage<O>> {
        self.enter()?;
        let lx = layout4(l, x.len())?;
        let px = ptr(x);
        match axis {
            Some(a) => {
                let ax = axis_of(a, l.dims().rank(), "reduce")?;
                let n = without_axis(l.dims(), a).numel();
                let out = self.alloc::<O>(n)?;
                if n > 0 {
                    // One block per output; threads: the axis length rounded up to a warp,
                    // 32..=256 (`kernels/README.md`).
                    let block = (l.dims()[a].div_ceil(32) * 32).clamp(32, THREADS as usize);
                    let cfg = LaunchCfg {
                        grid: (n.min(65535) as u32, 1, 1),
                        block: block as u32,
                    };
                    let (po, len) = (ptr(&out), u64_of(n));
                    // SAFETY: reduce_<op>_<dtype>(const T* x, Layout4 lx, u32 axis, O* out,
                    // u64 out_len): `lx` is checked against `x`, `axis < rank`, `out` holds
                    // exactly `n` elements of the kernel's output type `O`.
                    unsafe {
                        self.launch(
                            Family::Reduce,
                            &format!("reduce_{op}_{}", E::SUFFIX),
                            cfg,
                            &args![px, lx, ax, po, len],
                        )?;
                    }
                }
                Ok(out)
            }
            None => {
                let numel = l.numel();
                let nparts = numel.div_ceil(2048).clamp(1, 1024);
                let part_val = self.alloc::<P>(nparts)?;
                // Sums keep no indices (the kernel accepts a null `part_idx`).
                let part_idx = if op.starts_with("sum") {
                    None
                } else {
                    Some(self.alloc::<i64>(nparts)?)
                };
                let pv = ptr(&part_val);
                let pi = part_idx.as_ref().map_or(DevicePointer::null(), ptr);
                let np = u64_of(nparts);
                let pass1 = LaunchCfg {
                    grid: (nparts as u32, 1, 1),
                    block: THREADS,
                };
                // SAFETY: reduce_all_<op>_<dtype>(const T* x, Layout4 lx, P* part_val,
                // i64* part_idx, u64 nparts): `lx` is checked against `x`; `part_val` (of the
                // kernel's partial type `P`) and `part_idx` (null only for the sums, which
                // never write it) hold `nparts`.
                unsafe {
                    self.launch(
                        Family::Reduce,
                        &format!("reduce_all_{op}_{}", E::SUFFIX),
                        pass1,
                        &args![px, lx, pv, pi, np],
                    )?;
                }
                let out = self.alloc::<O>(1)?;
                let (po, one) = (ptr(&out), 1u64);
                let pass2 = LaunchCfg {
                    grid: (1, 1, 1),
                    block: THREADS,
                };
                // SAFETY: reduce_all_<op>_<dtype>_final(const P* part_val, const i64*
                // part_idx, u64 nparts, O* out, u64 out_len): the partial buffers of pass 1
                // (`nparts` each, or a null `part_idx` for the sums), `out` holds one `O`.
                unsafe {
                    self.launch(
                        Family::Reduce,
                        &format!("reduce_all_{op}_{}_final", E::SUFFIX),
                        pass2,
                        &args![pv, pi, np, po, one],
                    )?;
                }
                Ok(out)
            }
        }
    }
}

impl BinaryKernel for Cuda {
    fn binary<E: NumDtype>(
        &self,
        op: BinaryOp,
        a: &CudaStorage<E>,
        la: &Layout,
        b: &CudaStorage<E>,
        lb: &Layout,
    ) -> Result<CudaStorage<E>> {
        check_division::<E>(op)?;
        same_dims(la, lb, "binary")?;
        self.enter()?;
        let (la4, lb4) = (layout4(la, a.len())?, layout4(lb, b.len())?);
        let n = la.numel();
        let out = self.alloc::<E>(n)?;
        if n > 0 {
            // SAFETY: both layouts come from `layout4` with their own buffer's length, and
            // `out` was allocated with exactly `n` elements.
            unsafe { self.binary_launch::<E>(op, (ptr(a), la4), (ptr(b), lb4), ptr(&out), n)? };
        }
        Ok(out)
    }

    fn binary_assign<E: NumDtype>(
        &self,
        op: BinaryOp,
        a: &mut CudaStorage<E>,
        la: &Layout,
        b: &CudaStorage<E>,
        lb: &Layout,
        b_scale: Option<E>,
    ) -> Result<bool> {
        check_division::<E>(op)?;
        same_dims(la, lb, "binary_assign")?;
        let Some(ra) = la.contiguous_range() else {
            return Err(Error::Device(format!(
                "binary_assign needs a contiguous left operand, got {la:?}"
            )));
        };
        self.enter()?;
        let (la4, lb4) = (layout4(la, a.len())?, layout4(lb, b.len())?);
        let n = la.numel();
        if n == 0 {
            return Ok(true);
        }
        // `b * s` first, rounded on its own as the CPU's `op(a, b * s)`.
        let scaled = match b_scale {
            Some(s) => Some(self.unary_new(&UnaryCall::num(UnaryOp::MulScalar(s)), b, lb)?),
            None => None,
        };
        let (pb, lb4) = match &scaled {
            Some(t) => (ptr(t), dense4(lb.dims())?),
            None => (ptr(b), lb4),
        };
        let pa = ptr(a);
        // SAFETY: the layouts come from `layout4` with their buffers' lengths (`lb4` is the
        // scaled copy's own dense layout when there is one). The result goes to `a`'s dense
        // run `ra`, the very elements `la` selects (in bounds: `la4` passed the check), and
        // `b` (or its scaled copy) is another buffer, `a` being borrowed mutably.
        unsafe { self.binary_launch::<E>(op, (pa, la4), (pb, lb4), pa.wrapping_add(ra.start), n)? };
        Ok(true)
    }
}

impl UnaryKernel for Cuda {
    fn unary<E: NumDtype>(
        &self,
        op: UnaryOp<E>,
        x: &CudaStorage<E>,
        l: &Layout,
    ) -> Result<CudaStorage<E>> {
        self.unary_new(&UnaryCall::num(op), x, l)
    }

    fn unary_float<E: FloatDtype>(
        &self,
        op: FloatUnaryOp<E>,
        x: &CudaStorage<E>,
        l: &Layout,
    ) -> Result<CudaStorage<E>> {
        match UnaryCall::float(op) {
            Some(call) => self.unary_new(&call, x, l),
            None => self.contiguous(x, l),
        }
    }

    fn unary_float_backward<E: FloatDtype>(
        &self,
        op: FloatUnaryOp<E>,
        g: &CudaStorage<E>,
        lg: &Layout,
        x: &CudaStorage<E>,
        lx: &Layout,
    ) -> Result<CudaStorage<E>> {
        same_dims(lg, lx, "unary_float_backward")?;
        self.enter()?;
        let (lg4, lx4) = (layout4(lg, g.len())?, layout4(lx, x.len())?);
        let n = lg.numel();
        let out = self.alloc::<E>(n)?;
        if n > 0 {
            let call = UnaryCall::float_any(op);
            let (s0, s1, flags) = (call.s0.to_cuda(), call.s1.to_cuda(), call.flags);
            let (pg, px, po, len) = (ptr(g), ptr(x), ptr(&out), u64_of(n));
            // SAFETY: unary_<op>_backward_<dtype>(const T* g, Layout4 lg, const T* x,
            // Layout4 lx, T* out, u64 out_len, T s0, T s1, u32 flags): both layouts are
            // checked against their buffers and have equal dims, `out` holds exactly `n`.
            unsafe {
                self.launch(
                    Family::Unary,
                    &format!("unary_{}_backward_{}", call.name, E::SUFFIX),
                    grid_1d(n),
                    &args![pg, lg4, px, lx4, po, len, s0, s1, flags],
                )?;
            }
        }
        Ok(out)
    }

    fn unary_assign<E: NumDtype>(
        &self,
        op: UnaryOp<E>,
        x: &mut CudaStorage<E>,
        l: &Layout,
    ) -> Result<bool> {
        self.unary_in_place(&UnaryCall::num(op), x, l)?;
        Ok(true)
    }

    fn unary_float_assign<E: FloatDtype>(
        &self,
        op: FloatUnaryOp<E>,
        x: &mut CudaStorage<E>,
        l: &Layout,
    ) -> Result<bool> {
        match UnaryCall::float(op) {
            Some(call) => self.unary_in_place(&call, x, l).map(|()| true),
            // `pow(1)` changes nothing; only the contiguity rule is checked.
            None => match l.contiguous_range() {
                Some(_) => Ok(true),
                None => Err(Error::Device(format!(
                    "in-place kernels need a contiguous operand, got {l:?}"
                ))),
            },
        }
    }

    fn clamp_backward<E: NumDtype>(
        &self,
        g: &CudaStorage<E>,
        lg: &Layout,
        x: &CudaStorage<E>,
        lx: &Layout,
        min: Option<E>,
        max: Option<E>,
        min_exclusive: bool,
    ) -> Result<CudaStorage<E>> {
        same_dims(lg, lx, "clamp_backward")?;
        self.enter()?;
        let (lg4, lx4) = (layout4(lg, g.len())?, layout4(lx, x.len())?);
        let n = lg.numel();
        let out = self.alloc::<E>(n)?;
        if n > 0 {
            let z = E::zero();
            let (lo, hi) = (min.unwrap_or(z).to_cuda(), max.unwrap_or(z).to_cuda());
            let flags = if min.is_some() { CLAMP_HAS_MIN } else { 0 }
                | if max.is_some() { CLAMP_HAS_MAX } else { 0 }
                | if min_exclusive {
                    CLAMP_MIN_EXCLUSIVE
                } else {
                    0
                };
            let (pg, px, po, len) = (ptr(g), ptr(x), ptr(&out), u64_of(n));
            // SAFETY: unary_clamp_backward_<dtype>(const T* g, Layout4 lg, const T* x,
            // Layout4 lx, T* out, u64 out_len, T lo, T hi, u32 flags): both layouts are
            // checked against their buffers, `out` holds exactly `n`.
            unsafe {
                self.launch(
                    Family::Unary,
                    &format!("unary_clamp_backward_{}", E::SUFFIX),
                    grid_1d(n),
                    &args![pg, lg4, px, lx4, po, len, lo, hi, flags],
                )?;
            }
        }
        Ok(out)
    }
}

fn cmp_name(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Eq => "eq",
        CmpOp::Ne => "ne",
        CmpOp::Lt => "lt",
        CmpOp::Le => "le",
        CmpOp::Gt => "gt",
        CmpOp::Ge => "ge",
    }
}

impl CompareKernel for Cuda {
    fn compare<E: Dtype>(
        &self,
        op: CmpOp,
        a: &CudaStorage<E>,
        la: &Layout,
        b: &CudaStorage<E>,
        lb: &Layout,
    ) -> Result<CudaStorage<bool>> {
        same_dims(la, lb, "compare")?;
        self.enter()?;
        let (la4, lb4) = (layout4(la, a.len())?, layout4(lb, b.len())?);
        let n = la.numel();
        let out = self.alloc::<bool>(n)?;
        if n > 0 {
            let (pa, pb, po, len) = (ptr(a), ptr(b), ptr(&out), u64_of(n));
            // SAFETY: compare_<op>_<dtype>(const T* a, Layout4 la, const T* b, Layout4 lb,
            // u8* out, u64 out_len): layouts checked, `out` is `n` bytes (bool as u8).
            unsafe {
                self.launch(
                    Family::Compare,
                    &format!("compare_{}_{}", cmp_name(op), E::SUFFIX),
                    grid_1d(n),
                    &args![pa, la4, pb, lb4, po, len],
                )?;
            }
        }
        Ok(out)
    }

    fn select<E: Dtype>(
        &self,
        cond: &CudaStorage<bool>,
        lc: &Layout,
        a: &CudaStorage<E>,
        la: &Layout,
        b: &CudaStorage<E>,
        lb: &Layout,
    ) -> Result<CudaStorage<E>> {
        same_dims(lc, la, "select")?;
        same_dims(lc, lb, "select")?;
        self.enter()?;
        let lc4 = layout4(lc, cond.len())?;
        let (la4, lb4) = (layout4(la, a.len())?, layout4(lb, b.len())?);
        let n = lc.numel();
        let out = self.alloc::<E>(n)?;
        if n > 0 {
            let (pc, pa, pb, po, len) = (ptr(cond), ptr(a), ptr(b), ptr(&out), u64_of(n));
            // SAFETY: select_<dtype>(const u8* cond, Layout4 lc, const T* a, Layout4 la,
            // const T* b, Layout4 lb, T* out, u64 out_len): three checked layouts, `out`
            // holds exactly `n`.
            unsafe {
                self.launch(
                    Family::Compare,
                    &format!("select_{}", E::SUFFIX),
                    grid_1d(n),
                    &args![pc, lc4, pa, la4, pb, lb4, po, len],
                )?;
            }
        }
        Ok(out)
    }
}

impl CopyKernel for Cuda {
    fn contiguous<E: Dtype>(&self, x: &CudaStorage<E>, l: &Layout) -> Result<CudaStorage<E>> {
        self.enter()?;
        let lx = layout4(l, x.len())?;
        self.gather(x, &lx, l.numel())
    }

    fn cast<E: CastTo<F>, F: Dtype>(
        &self,
        x: &CudaStorage<E>,
        l: &Layout,
    ) -> Result<CudaStorage<F>> {
        self.enter()?;
        let lx = layout4(l, x.len())?;
        let n = l.numel();
        let out = self.alloc::<F>(n)?;
        if n > 0 {
            let (px, po, len) = (ptr(x), ptr(&out), u64_of(n));
            // SAFETY: cast_<from>_<to>(const F* x, Layout4 lx, T* out, u64 out_len): `lx`
            // checked against `x` (of `E`, the kernel's source type), `out` holds exactly
            // `n` of `F`, its destination type.
            unsafe {
                self.launch(
                    Family::Copy,
                    &format!("cast_{}_{}", E::SUFFIX, F::SUFFIX),
                    grid_1d(n),
                    &args![px, lx, po, len],
                )?;
            }
        }
        Ok(out)
    }
}

/// Checks that an index layout fits `x`'s along `axis` (same rank, sizes at most `x`'s
/// elsewhere), as the CPU's `gather`/`scatter_add`.
fn index_fits(l: &Layout, lidx: &Layout, axis: usize) -> Result<u32> {
    let (xd, id) = (l.dims(), lidx.dims());
    let (xd, id) = (xd.as_slice(), id.as_slice());
    let ax = axis_of(axis, xd.len(), "gather/scatter_add")?;
    if id.len() != xd.len() || (0..xd.len()).any(|d| d != axis && id[d] > xd[d]) {
        return Err(Error::Device(format!(
            "gather/scatter_add: an index of dims {id:?} does not fit dims {xd:?} along axis {axis}"
        )));
    }
    Ok(ax)
}

impl IndexKernel for Cuda {
    fn gather<E: Dtype>(
        &self,
        x: &CudaStorage<E>,
        l: &Layout,
        axis: usize,
        idx: &CudaStorage<i64>,
        lidx: &Layout,
    ) -> Result<CudaStorage<E>> {
        let ax = index_fits(l, lidx, axis)?;
        self.enter()?;
        let lx = layout4(l, x.len())?;
        self.check_indices(idx, lidx, l.dims()[axis])?;
        let li = layout4(lidx, idx.len())?;
        let n = lidx.numel();
        let out = self.alloc::<E>(n)?;
        if n > 0 {
            let (px, pi, po, len) = (ptr(x), ptr(idx), ptr(&out), u64_of(n));
            // SAFETY: gather_<dtype>(const T* x, Layout4 lx, u32 axis, const i64* idx,
            // Layout4 lidx, T* out, u64 out_len): both layouts checked against their
            // buffers and against each other (`index_fits`), `out` holds exactly numel(idx).
            unsafe {
                self.launch(
                    Family::Index,
                    &format!("gather_{}", E::SUFFIX),
                    grid_1d(n),
                    &args![px, lx, ax, pi, li, po, len],
                )?;
            }
        }
        Ok(out)
    }

    fn scatter_add<E: NumDtype>(
        &self,
        x: &CudaStorage<E>,
        l: &Layout,
        axis: usize,
        idx: &CudaStorage<i64>,
        lidx: &Layout,
        src: &CudaStorage<E>,
        lsrc: &Layout,
    ) -> Result<CudaStorage<E>> {
        let ax = index_fits(l, lidx, axis)?;
        same_dims(lidx, lsrc, "scatter_add")?;
        self.enter()?;
        let lx = layout4(l, x.len())?;
        self.check_indices(idx, lidx, l.dims()[axis])?;
        let n = l.numel();
        let out = Cuda::gather(self, x, &lx, n)?;
        let m = lidx.numel();
        if m > 0 && n > 0 {
            let lo = dense4(l.dims())?;
            let (li, ls) = (layout4(lidx, idx.len())?, layout4(lsrc, src.len())?);
            let (po, pi, ps) = (ptr(&out), ptr(idx), ptr(src));
            // SAFETY: scatter_add_<dtype>(T* out, Layout4 lout, u32 axis, const i64* idx,
            // Layout4 lidx, const T* src, Layout4 lsrc): `lout` is `out`'s own dense layout
            // (n elements), the others are checked against their buffers; `lidx` fits `lout`
            // along `axis` and `lsrc` has its dims (checked above).
            unsafe {
                self.launch(
                    Family::Index,
                    &format!("scatter_add_{}", E::SUFFIX),
                    grid_1d(m),
                    &args![po, lo, ax, pi, li, ps, ls],
                )?;
            }
        }
        Ok(out)
    }

    fn index_select<E: Dtype>(
        &self,
        x: &CudaStorage<E>,
        l: &Layout,
        axis: usize,
        idx: &CudaStorage<i64>,
        lidx: &Layout,
    ) -> Result<CudaStorage<E>> {
        let ax = axis_of(axis, l.dims().rank(), "index_select")?;
        self.enter()?;
        let lx = layout4(l, x.len())?;
        // As the CPU: every index is checked, even when the output is empty.
        self.check_indices(idx, lidx, l.dims()[axis])?;
        let li = layout4(lidx, idx.len())?;
        let n = with_axis(l.dims(), axis, lidx.numel()).numel();
        let out = self.alloc::<E>(n)?;
        if n > 0 {
            let (px, pi, po, len) = (ptr(x), ptr(idx), ptr(&out), u64_of(n));
            // SAFETY: index_select_<dtype>(const T* x, Layout4 lx, u32 axis, const i64* idx,
            // Layout4 lidx, T* out, u64 out_len): both layouts checked against their
            // buffers, `axis < rank`, `out` holds exactly `n`.
            unsafe {
                self.launch(
                    Family::Index,
                    &format!("index_select_{}", E::SUFFIX),
                    grid_1d(n),
                    &args![px, lx, ax, pi, li, po, len],
                )?;
            }
        }
        Ok(out)
    }

    fn index_add<E: NumDtype>(
        &self,
        dims: Dims,
        axis: usize,
        idx: &CudaStorage<i64>,
        lidx: &Layout,
        src: &CudaStorage<E>,
        lsrc: &Layout,
    ) -> Result<CudaStorage<E>> {
        let ax = axis_of(axis, dims.rank(), "index_add")?;
        if lsrc.dims() != with_axis(dims, axis, lidx.numel()) {
            return Err(Error::Device(format!(
                "CUDA index_add: source dims {:?} do not fit {dims:?} with {} indices",
                lsrc.dims(),
                lidx.numel()
            )));
        }
        let out = self.alloc_filled(dims.numel(), E::zero())?;
        // The CPU checks indices inside its loop over the dims before `axis`: only when
        // there is at least one such outer element.
        let outer: usize = dims.as_slice()[..axis].iter().product();
        if outer > 0 {
            self.check_indices(idx, lidx, dims[axis])?;
        }
        let n = lsrc.numel();
        if n > 0 && dims.numel() > 0 {
            let lo = dense4(dims)?;
            let (li, ls) = (layout4(lidx, idx.len())?, layout4(lsrc, src.len())?);
            let (po, pi, ps) = (ptr(&out), ptr(idx), ptr(src));
            // SAFETY: index_add_<dtype>(T* out, Layout4 lout, u32 axis, const i64* idx,
            // Layout4 lidx, const T* src, Layout4 lsrc): `lout` is `out`'s own dense layout,
            // the others are checked against their buffers, `axis < rank`, and `lsrc` has
            // `lout`'s dims with dims[axis] = numel(lidx) (checked above).
            unsafe {
                self.launch(
                    Family::Index,
                    &format!("index_add_{}", E::SUFFIX),
                    grid_1d(n),
                    &args![po, lo, ax, pi, li, ps, ls],
                )?;
            }
        }
        Ok(out)
    }

    fn cat<E: Dtype>(
        &self,
        a: &CudaStorage<E>,
        la: &Layout,
        b: &CudaStorage<E>,
        lb: &Layout,
        axis: usize,
    ) -> Result<CudaStorage<E>> {
        let ax = axis_of(axis, la.dims().rank(), "cat")?;
        if lb.dims()
            != with_axis(
                la.dims(),
                axis,
                lb.dims().as_slice().get(axis).copied().unwrap_or(0),
            )
        {
            return Err(Error::Device(format!(
                "CUDA cat: {:?} and {:?} differ outside axis {axis}",
                la.dims(),
                lb.dims()
            )));
        }
        self.enter()?;
        let (la4, lb4) = (layout4(la, a.len())?, layout4(lb, b.len())?);
        let n = la.numel() + lb.numel();
        let out = self.alloc::<E>(n)?;
        if n > 0 {
            let (pa, pb, po, len) = (ptr(a), ptr(b), ptr(&out), u64_of(n));
            // SAFETY: cat_<dtype>(const T* a, Layout4 la, const T* b, Layout4 lb, u32 axis,
            // T* out, u64 out_len): layouts checked, equal dims but `axis` (checked above),
            // `out` holds exactly numel(a) + numel(b).
            unsafe {
                self.launch(
                    Family::Index,
                    &format!("cat_{}", E::SUFFIX),
                    grid_1d(n),
                    &args![pa, la4, pb, lb4, ax, po, len],
                )?;
            }
        }
        Ok(out)
    }
}

impl MatMulKernel for Cuda {
    fn matmul<E: NumDtype>(
        &self,
        a: &CudaStorage<E>,
        la: &Layout,
        b: &CudaStorage<E>,
        lb: &Layout,
    ) -> Result<CudaStorage<E>> {
        let GemmDims { batch, m, n, .. } = gemm_dims(la, lb)?;
        self.enter()?;
        let (la4, lb4) = (layout4(la, a.len())?, layout4(lb, b.len())?);
        let total = batch * m * n;
        let out = self.alloc::<E>(total)?;
        if total > 0 {
            let cfg = LaunchCfg {
                grid: (
                    n.div_ceil(64).min(u32::MAX as usize) as u32,
                    m.div_ceil(64).min(65535) as u32,
                    batch.min(65535) as u32,
                ),
                block: THREADS,
            };
            let (pa, pb, pc, len) = (ptr(a), ptr(b), ptr(&out), u64_of(total));
            // SAFETY: matmul_<dtype>(const T* a, Layout4 la, const T* b, Layout4 lb, T* c,
            // u64 c_len): layouts checked against their buffers and against each other
            // (rank, K, batch dims, as above), `c` holds exactly batch * M * N; the block is
            // the 256 threads the kernel requires.
            unsafe {
                self.launch(
                    Family::Matmul,
                    &format!("matmul_{}", E::SUFFIX),
                    cfg,
                    &args![pa, la4, pb, lb4, pc, len],
                )?;
            }
        }
        Ok(out)
    }
}

impl ReduceKernel for Cuda {
    fn reduce<E: NumDtype>(
        &self,
        op: ReduceOp,
        x: &CudaStorage<E>,
        l: &Layout,
        axis: Option<usize>,
    ) -> Result<CudaStorage<E>> {
        let name = match op {
            ReduceOp::Sum => "sum",
            ReduceOp::Max => "max",
            ReduceOp::Min => "min",
        };
        self.reduce_launch::<E, E, E>(name, x, l, axis)
    }

    fn sum<E: SumDtype>(
        &self,
        x: &CudaStorage<E>,
        l: &Layout,
        axis: Option<usize>,
    ) -> Result<CudaStorage<E::Sum>> {
        // i32 and bool widen to i64 in the kernel (`E::Sum` is i64 for them); floats and
        // i64 are summed in their own type (`E::Sum` is `E`).
        let name = match E::DTYPE {
            DType::I32 | DType::Bool => "sum64",
            DType::F32 | DType::F64 | DType::I64 => "sum",
        };
        self.reduce_launch::<E, E::Sum, E::Sum>(name, x, l, axis)
    }

    fn arg_reduce<E: NumDtype>(
        &self,
        op: ArgReduceOp,
        x: &CudaStorage<E>,
        l: &Layout,
        axis: Option<usize>,
    ) -> Result<CudaStorage<i64>> {
        let name = match op {
            ArgReduceOp::ArgMax => "argmax",
            ArgReduceOp::ArgMin => "argmin",
        };
        self.reduce_launch::<E, E, i64>(name, x, l, axis)
    }
}

fn softmax_name(op: SoftmaxOp) -> &'static str {
    match op {
        SoftmaxOp::Softmax => "softmax",
        SoftmaxOp::LogSoftmax => "log_softmax",
        SoftmaxOp::LogSumExp => "logsumexp",
    }
}

/// One block per line along `axis` (`kernels/README.md`): threads, the axis length rounded
/// up to a warp, 32..=256; blocks, the line count capped at 65535.
fn line_cfg(lines: usize, size: usize) -> LaunchCfg {
    LaunchCfg {
        grid: (lines.clamp(1, 65535) as u32, 1, 1),
        block: (size.div_ceil(32) * 32).clamp(32, THREADS as usize) as u32,
    }
}

impl SoftmaxKernel for Cuda {
    fn softmax<E: FloatDtype>(
        &self,
        op: SoftmaxOp,
        x: &CudaStorage<E>,
        l: &Layout,
        axis: usize,
    ) -> Result<CudaStorage<E>> {
        let ax = axis_of(axis, l.dims().rank(), "softmax")?;
        self.enter()?;
        let lx = layout4(l, x.len())?;
        let lines = without_axis(l.dims(), axis).numel();
        let n = match op {
            SoftmaxOp::LogSumExp => lines,
            _ => l.numel(),
        };
        let out = self.alloc::<E>(n)?;
        if n > 0 {
            let (px, po, len) = (ptr(x), ptr(&out), u64_of(n));
            // SAFETY: softmax_<op>_<dtype>(const T* x, Layout4 lx, u32 axis, T* out,
            // u64 out_len): `lx` is checked against `x`, `axis < rank`, `out` holds exactly
            // the count the op writes (numel, or the line count for logsumexp); the block
            // is a multiple of 32 threads.
            unsafe {
                self.launch(
                    Family::Softmax,
                    &format!("softmax_{}_{}", softmax_name(op), E::SUFFIX),
                    line_cfg(lines, l.dims()[axis]),
                    &args![px, lx, ax, po, len],
                )?;
            }
        }
        Ok(out)
    }

    fn softmax_backward<E: FloatDtype>(
        &self,
        op: SoftmaxOp,
        g: &CudaStorage<E>,
        lg: &Layout,
        y: &CudaStorage<E>,
        ly: &Layout,
        axis: usize,
    ) -> Result<CudaStorage<E>> {
        if op == SoftmaxOp::LogSumExp {
            return Err(crate::ops::softmax::logsumexp_backward_error());
        }
        same_dims(lg, ly, "softmax_backward")?;
        let ax = axis_of(axis, ly.dims().rank(), "softmax_backward")?;
        self.enter()?;
        let (lg4, ly4) = (layout4(lg, g.len())?, layout4(ly, y.len())?);
        let n = ly.numel();
        let out = self.alloc::<E>(n)?;
        if n > 0 {
            let lines = without_axis(ly.dims(), axis).numel();
            let (pg, py, po, len) = (ptr(g), ptr(y), ptr(&out), u64_of(n));
            // SAFETY: softmax_<op>_backward_<dtype>(const T* g, Layout4 lg, const T* y,
            // Layout4 ly, u32 axis, T* out, u64 out_len): both layouts checked against their
            // buffers, equal dims, `axis < rank`, `out` holds exactly numel.
            unsafe {
                self.launch(
                    Family::Softmax,
                    &format!("softmax_{}_backward_{}", softmax_name(op), E::SUFFIX),
                    line_cfg(lines, ly.dims()[axis]),
                    &args![pg, lg4, py, ly4, ax, po, len],
                )?;
            }
        }
        Ok(out)
    }
}

/// `optim.cu`'s flag bits.
const OPT_WEIGHT_DECAY: u32 = 1;
const OPT_MAXIMIZE: u32 = 2;
const OPT_NESTEROV: u32 = 4;
const OPT_FIRST_STEP: u32 = 8;

fn flag(on: bool, bit: u32) -> u32 {
    if on { bit } else { 0 }
}

/// `SgdParams<T>` of `optim.cu`, field for field (`#[repr(C)]` pads as C does).
#[repr(C)]
#[derive(Clone, Copy)]
struct SgdParams<T> {
    neg_lr: T,
    weight_decay: T,
    momentum: T,
    one_minus_dampening: T,
    flags: u32,
}

/// `AdamParams<T>` of `optim.cu`.
#[repr(C)]
#[derive(Clone, Copy)]
struct AdamParams<T> {
    weight_decay: T,
    one_minus_beta1: T,
    beta2: T,
    one_minus_beta2: T,
    bias_correction2_sqrt: T,
    neg_step_size: T,
    eps: T,
    flags: u32,
}

/// `RmspropParams<T>` of `optim.cu`.
#[repr(C)]
#[derive(Clone, Copy)]
struct RmspropParams<T> {
    neg_lr: T,
    alpha: T,
    one_minus_alpha: T,
    eps: T,
    weight_decay: T,
    momentum: T,
    flags: u32,
}

// The sizes `kernels/README.md` gives (f32 / f64).
const _: () = assert!(size_of::<SgdParams<f32>>() == 20 && size_of::<SgdParams<f64>>() == 40);
const _: () = assert!(size_of::<AdamParams<f32>>() == 32 && size_of::<AdamParams<f64>>() == 64);
const _: () =
    assert!(size_of::<RmspropParams<f32>>() == 28 && size_of::<RmspropParams<f64>>() == 56);

/// The CPU kernel's error for a buffer shorter than `n`.
fn holds<E: Dtype>(s: &CudaStorage<E>, n: usize, what: &str) -> Result<DevicePointer<E::Cuda>> {
    if s.len() >= n {
        Ok(ptr(s))
    } else {
        Err(Error::Device(format!(
            "optimizer kernel: `{what}` holds {} elements, {n} needed",
            s.len()
        )))
    }
}

fn holds_opt<E: Dtype>(
    s: Option<&mut CudaStorage<E>>,
    n: usize,
    what: &str,
) -> Result<DevicePointer<E::Cuda>> {
    match s {
        Some(s) => holds(s, n, what),
        None => Ok(DevicePointer::null()),
    }
}

impl OptimKernel for Cuda {
    fn sgd_step<E: FloatDtype>(
        &self,
        numel: usize,
        param: &mut CudaStorage<E>,
        grad: &CudaStorage<E>,
        momentum_buffer: Option<&mut CudaStorage<E>>,
        scalars: &SgdScalars<E>,
    ) -> Result<()> {
        let s = scalars;
        let p = holds(param, numel, "param")?;
        let g = holds(grad, numel, "grad")?;
        let buf = holds_opt(momentum_buffer, numel, "momentum_buffer")?;
        if numel == 0 {
            return Ok(());
        }
        self.enter()?;
        let params = SgdParams {
            neg_lr: s.neg_lr.to_cuda(),
            weight_decay: s.weight_decay.unwrap_or_else(E::zero).to_cuda(),
            momentum: s.momentum.to_cuda(),
            one_minus_dampening: s.one_minus_dampening.to_cuda(),
            flags: flag(s.weight_decay.is_some(), OPT_WEIGHT_DECAY)
                | flag(s.maximize, OPT_MAXIMIZE)
                | flag(s.nesterov, OPT_NESTEROV)
                | flag(s.first_step, OPT_FIRST_STEP),
        };
        let n = u64_of(numel);
        // SAFETY: sgd_<dtype>(T* param, const T* grad, T* momentum_buffer, u64 n,
        // SgdParams<T> s): every buffer holds at least `n` elements (checked above), the
        // optional buffer is null exactly when absent, `SgdParams` mirrors the C struct.
        unsafe {
            self.launch(
                Family::Optim,
                &format!("sgd_{}", E::SUFFIX),
                grid_1d(numel),
                &args![p, g, buf, n, params],
            )
        }
    }

    fn adam_step<E: FloatDtype>(
        &self,
        numel: usize,
        param: &mut CudaStorage<E>,
        grad: &CudaStorage<E>,
        exp_avg: &mut CudaStorage<E>,
        exp_avg_sq: &mut CudaStorage<E>,
        max_exp_avg_sq: Option<&mut CudaStorage<E>>,
        scalars: &AdamScalars<E>,
    ) -> Result<()> {
        let s = scalars;
        let p = holds(param, numel, "param")?;
        let g = holds(grad, numel, "grad")?;
        let m = holds(exp_avg, numel, "exp_avg")?;
        let v = holds(exp_avg_sq, numel, "exp_avg_sq")?;
        let vmax = holds_opt(max_exp_avg_sq, numel, "max_exp_avg_sq")?;
        if numel == 0 {
            return Ok(());
        }
        self.enter()?;
        let params = AdamParams {
            weight_decay: s.weight_decay.unwrap_or_else(E::zero).to_cuda(),
            one_minus_beta1: s.one_minus_beta1.to_cuda(),
            beta2: s.beta2.to_cuda(),
            one_minus_beta2: s.one_minus_beta2.to_cuda(),
            bias_correction2_sqrt: s.bias_correction2_sqrt.to_cuda(),
            neg_step_size: s.neg_step_size.to_cuda(),
            eps: s.eps.to_cuda(),
            flags: flag(s.weight_decay.is_some(), OPT_WEIGHT_DECAY)
                | flag(s.maximize, OPT_MAXIMIZE),
        };
        let n = u64_of(numel);
        // SAFETY: adam_<dtype>(T* param, const T* grad, T* exp_avg, T* exp_avg_sq,
        // T* max_exp_avg_sq, u64 n, AdamParams<T> s): every buffer holds at least `n`
        // (checked above), `max_exp_avg_sq` is null exactly without AMSGrad, `AdamParams`
        // mirrors the C struct.
        unsafe {
            self.launch(
                Family::Optim,
                &format!("adam_{}", E::SUFFIX),
                grid_1d(numel),
                &args![p, g, m, v, vmax, n, params],
            )
        }
    }

    fn rmsprop_step<E: FloatDtype>(
        &self,
        numel: usize,
        param: &mut CudaStorage<E>,
        grad: &CudaStorage<E>,
        square_avg: &mut CudaStorage<E>,
        grad_avg: Option<&mut CudaStorage<E>>,
        momentum_buffer: Option<&mut CudaStorage<E>>,
        scalars: &RmspropScalars<E>,
    ) -> Result<()> {
        let s = scalars;
        let p = holds(param, numel, "param")?;
        let g = holds(grad, numel, "grad")?;
        let sq = holds(square_avg, numel, "square_avg")?;
        let gavg = holds_opt(grad_avg, numel, "grad_avg")?;
        let buf = holds_opt(momentum_buffer, numel, "momentum_buffer")?;
        if numel == 0 {
            return Ok(());
        }
        self.enter()?;
        let params = RmspropParams {
            neg_lr: s.neg_lr.to_cuda(),
            alpha: s.alpha.to_cuda(),
            one_minus_alpha: s.one_minus_alpha.to_cuda(),
            eps: s.eps.to_cuda(),
            weight_decay: s.weight_decay.unwrap_or_else(E::zero).to_cuda(),
            momentum: s.momentum.to_cuda(),
            flags: flag(s.weight_decay.is_some(), OPT_WEIGHT_DECAY)
                | flag(s.maximize, OPT_MAXIMIZE),
        };
        let n = u64_of(numel);
        // SAFETY: rmsprop_<dtype>(T* param, const T* grad, T* square_avg, T* grad_avg,
        // T* momentum_buffer, u64 n, RmspropParams<T> s): every buffer holds at least `n`
        // (checked above), the optional ones are null exactly when absent,
        // `RmspropParams` mirrors the C struct.
        unsafe {
            self.launch(
                Family::Optim,
                &format!("rmsprop_{}", E::SUFFIX),
                grid_1d(numel),
                &args![p, g, sq, gavg, buf, n, params],
            )
        }
    }
}
