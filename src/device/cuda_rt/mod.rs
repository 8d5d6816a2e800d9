//! The CUDA device (the `cuda` cargo feature): storage is device memory, kernels are the
//! PTX in `kernels/ptx/`, launched through [cust](https://crates.io/crates/cust) 0.3.2.
//!
//! # How it works
//!
//! * **One context and one stream per GPU, per process.** [`Cuda::new_ordinal`] retains the
//!   device's primary context (the one the CUDA runtime uses too) and creates one stream;
//!   every `Cuda` value for that GPU shares them (and the loaded modules) through an `Arc`,
//!   so work from any handle, on any thread, runs in submission order. The context is made
//!   current on the calling thread before each operation, so tensors may move between
//!   threads.
//! * **Modules**: each kernel family's PTX (`kernels/ptx/<family>.ptx`) is embedded in the
//!   binary with `include_str!` and loaded the first time a kernel of that family runs
//!   (once per process, kept in a `OnceLock`). The driver JIT-compiles it then (`reduce`, the
//!   largest, takes the longest) and caches the result in `~/.nv/ComputeCache`.
//! * **Ordering**: kernels run asynchronously on the stream, which is a *blocking* stream, so
//!   the synchronous copies cust makes (`cuMemcpyHtoD`/`DtoH`, on the legacy default stream)
//!   wait for every kernel launched before them: a download always sees finished results.
//!   Freeing device memory (`cuMemFree`) synchronizes the device, so a buffer is never freed
//!   under a running kernel. A kernel that faults reports its error from the next
//!   synchronizing call (usually the next download), as `Error::Device`.
//! * **Storage**: [`CudaStorage<E>`] is a `DeviceBuffer` of `E`'s device representation
//!   (`bool` as a `u8`, 0 or 1). Before every launch the launcher checks each strided operand's
//!   layout against its buffer's length (the `Layout4` extents: `offset + Σ (dims[d] - 1) *
//!   strides[d] < len`) and sizes every output exactly, so kernels never index outside an
//!   allocation; the kernels also guard each read.
//! * **Errors**: every CUDA failure is an [`Error::Device`](crate::Error::Device) whose message
//!   names the operation and the CUDA error; running out of device memory says
//!   "out of memory". Nothing here panics on a CUDA error, except `Clone` of a
//!   [`CudaStorage`], whose signature cannot return one (it copies device memory: an
//!   allocation that fails there panics with the error). Index errors found on the device
//!   (`index_check`) are [`Error::IndexOutOfRange`](crate::Error::IndexOutOfRange), as on the
//!   CPU. Empty outputs launch nothing and allocate nothing.
//!
//! # Supported drivers and GPUs
//!
//! The PTX is ISA 8.0 for `compute_80` (see `kernels/README.md`): any driver for CUDA 12.0
//! or later (Linux >= 525.60.13), and GPUs of compute capability 8.0 or higher (A100, RTX
//! 30xx and later, H100/H200). An older driver fails to load the modules
//! (`CUDA_ERROR_UNSUPPORTED_PTX_VERSION`), an older GPU too (`NoBinaryForGpu`): both are
//! `Err` from the first op, not a crash.
//!
//! # Known risk: cust 0.3.2's error enum is CUDA 11.4's
//!
//! cust_raw 0.11.3 declares the driver's functions as returning a Rust `enum` of the
//! `CUresult` values that CUDA 11.4 knew. A newer driver (CUDA 12 or 13) that returns a code
//! added since (for example `CUDA_ERROR_CONTAINED`, 226, or `CUDA_ERROR_FUNCTION_NOT_LOADED`,
//! 913) hands Rust an enum value it does not declare, which is undefined behaviour. The
//! backend keeps that surface small: it calls only initialisation, primary-context retain
//! and set-current, stream creation, module load and function lookup, allocation, free,
//! synchronous copies and kernel launches, whose failure codes (invalid value, out of
//! memory, no device, invalid PTX or image, launch failures, illegal address) all exist in
//! 11.4's list. It never queries attributes or uses graphs, events, peer access or newer
//! APIs. An error is formatted with the variant's name (`{:?}`), never through cust's
//! `Display`, which calls back into the driver and can fail. Replacing cust with bindings
//! that read `CUresult` as an integer would remove the risk.
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use cust::context::{Context, CurrentContext};
use cust::error::CudaError;
use cust::memory::{CopyDestination, DeviceBuffer};
use cust::stream::{Stream, StreamFlags};

use crate::Result;
use crate::dtype::Dtype;
use crate::error::Error;
use crate::layout::Layout;

use super::DeviceStorage;

mod kernels;
mod launch;
mod window;

use launch::{Family, Layout4, layout4};

/// An NVIDIA GPU: `torch.device("cuda:0")`.
///
/// Cheap to clone (a shared handle). Tensors on a `Cuda` device are `Tensor<S, E, Cuda>`,
/// a different type from CPU tensors, so mixing devices in one op is a compile error; move
/// tensors with [`to_device`](crate::Tensor::to_device) and [`cpu`](crate::Tensor::cpu).
///
/// ```no_run
/// use typetensor::{Cuda, Rank2, Tensor};
/// # fn main() -> typetensor::Result<()> {
/// let cuda = Cuda::new()?; // torch.device("cuda")
/// let x = Tensor::<Rank2<2, 3>>::ones().to_device(&cuda); // x.to(device)
/// let y = (&x + &x).cpu(); // (x + x).cpu()
/// assert_eq!(y.to_vec(), vec![2.0; 6]);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Cuda {
    inner: Arc<Inner>,
}

/// What every handle of one GPU shares. Fields drop in order: the modules and the stream
/// before the context they live in (in practice never: the registry keeps them).
struct Inner {
    ordinal: u32,
    modules: [OnceLock<cust::module::Module>; Family::COUNT],
    stream: Stream,
    ctx: Context,
}

/// The initialised GPUs of this process, by ordinal: every `Cuda::new_ordinal(i)` after the
/// first returns the same context, stream and modules.
static DEVICES: Mutex<Vec<Arc<Inner>>> = Mutex::new(Vec::new());

/// An `Error::Device` for a failed CUDA call: what was being done, and the error's name.
/// (Never cust's `Display` of the error: it calls the driver and can fail.)
pub(super) fn cuda_error(what: &str, e: CudaError) -> Error {
    let detail = match e {
        CudaError::OutOfMemory => "out of memory (CUDA_ERROR_OUT_OF_MEMORY)".to_string(),
        CudaError::NoDevice => "no CUDA-capable device is detected (CUDA_ERROR_NO_DEVICE)".into(),
        CudaError::InvalidDevice => "no such device ordinal (CUDA_ERROR_INVALID_DEVICE)".into(),
        CudaError::NoBinaryForGpu | CudaError::InvalidPtx | CudaError::InvalidImage => format!(
            "{e:?}: this GPU or driver cannot load typetensor's kernels (PTX ISA 8.0 for \
             compute_80 needs a CUDA 12.0+ driver and a GPU of compute capability 8.0+)"
        ),
        CudaError::UnknownError => "unknown CUDA error (CUDA_ERROR_UNKNOWN, or a code cust \
                                    0.3.2 does not know, such as an unsupported PTX version)"
            .into(),
        other => format!("{other:?}"),
    };
    Error::Device(format!("CUDA: {what}: {detail}"))
}

impl Cuda {
    /// `torch.device("cuda")`: the first GPU (ordinal 0). `Err` when there is no NVIDIA
    /// driver that works, no GPU, or the GPU cannot be used; never a panic.
    pub fn new() -> Result<Self> {
        Self::new_ordinal(0)
    }

    /// `torch.device(f"cuda:{ordinal}")`.
    pub fn new_ordinal(ordinal: usize) -> Result<Self> {
        let ordinal = u32::try_from(ordinal)
            .map_err(|_| Error::Device(format!("CUDA: no device ordinal {ordinal}")))?;
        let mut devices = DEVICES.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(inner) = devices.iter().find(|d| d.ordinal == ordinal) {
            return Ok(Cuda {
                inner: Arc::clone(inner),
            });
        }
        cust::init(cust::CudaFlags::empty())
            .map_err(|e| cuda_error("initialising the driver (cuInit)", e))?;
        let device = cust::device::Device::get_device(ordinal)
            .map_err(|e| cuda_error(&format!("opening device {ordinal}"), e))?;
        let ctx = Context::new(device)
            .map_err(|e| cuda_error(&format!("creating a context on device {ordinal}"), e))?;
        CurrentContext::set_current(&ctx)
            .map_err(|e| cuda_error("making the context current", e))?;
        let stream = Stream::new(StreamFlags::DEFAULT, None)
            .map_err(|e| cuda_error(&format!("creating a stream on device {ordinal}"), e))?;
        let inner = Arc::new(Inner {
            ordinal,
            modules: std::array::from_fn(|_| OnceLock::new()),
            stream,
            ctx,
        });
        devices.push(Arc::clone(&inner));
        Ok(Cuda { inner })
    }

    /// `torch.cuda.is_available()`: whether a driver loads and reports at least one GPU.
    /// Never panics (and creates no context).
    pub fn is_available() -> bool {
        cust::init(cust::CudaFlags::empty()).is_ok()
            && cust::device::Device::num_devices().is_ok_and(|n| n > 0)
    }

    /// The device's ordinal (`cuda:0` is 0).
    pub fn ordinal(&self) -> usize {
        self.inner.ordinal as usize
    }

    /// The GPU's name as the driver reports it, e.g. `NVIDIA H200`.
    pub fn name(&self) -> Result<String> {
        cust::device::Device::get_device(self.inner.ordinal)
            .and_then(|d| d.name())
            .map_err(|e| cuda_error("reading the device name", e))
    }

    /// Waits until every kernel launched so far on this GPU has finished, returning the
    /// error of any that failed (`torch.cuda.synchronize()`); for timing.
    pub fn synchronize(&self) -> Result<()> {
        self.enter()?;
        self.inner
            .stream
            .synchronize()
            .map_err(|e| cuda_error("synchronizing the stream", e))
    }

    /// Makes this GPU's context current on the calling thread: every driver call acts on
    /// the current context, and a thread other than the one that created it has none.
    fn enter(&self) -> Result<()> {
        CurrentContext::set_current(&self.inner.ctx)
            .map_err(|e| cuda_error("making the context current", e))
    }

    /// The loaded module of a kernel family (loaded on first use).
    fn module(&self, family: Family) -> Result<&cust::module::Module> {
        let slot = &self.inner.modules[family as usize];
        if let Some(m) = slot.get() {
            return Ok(m);
        }
        let m = cust::module::Module::from_ptx(family.ptx(), &[])
            .map_err(|e| cuda_error(&format!("loading kernels/ptx/{}.ptx", family.name()), e))?;
        // Another thread may have loaded it meanwhile: either copy will do.
        let _ = slot.set(m);
        slot.get()
            .ok_or_else(|| Error::Device(format!("CUDA: module {} did not load", family.name())))
    }

    /// A buffer of `n` elements whose contents the caller writes before anything reads it.
    fn alloc<E: Dtype>(&self, n: usize) -> Result<CudaStorage<E>> {
        // SAFETY: `DeviceBuffer::uninitialized` is unsafe because the memory holds whatever
        // was there; every caller launches a kernel (or a copy) that writes all `n` elements
        // before the buffer is read, and every `E::Cuda` is plain data for which any bytes
        // are a valid value (bool is a `u8`), so even a read of unwritten memory is no UB.
        let buf = unsafe { DeviceBuffer::<E::Cuda>::uninitialized(n) }.map_err(|e| {
            cuda_error(
                &format!(
                    "allocating {n} elements of {} ({} bytes)",
                    E::DTYPE,
                    n.saturating_mul(size_of::<E::Cuda>())
                ),
                e,
            )
        })?;
        Ok(CudaStorage {
            buf,
            dev: self.clone(),
        })
    }
}

impl fmt::Debug for Cuda {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cuda(cuda:{})", self.inner.ordinal)
    }
}

/// Two handles are equal when they name the same GPU (they then share context and stream).
impl PartialEq for Cuda {
    fn eq(&self, other: &Self) -> bool {
        self.inner.ordinal == other.inner.ordinal
    }
}

impl Eq for Cuda {}

impl std::hash::Hash for Cuda {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.inner.ordinal.hash(state);
    }
}

/// Device memory on a GPU: `len` elements of `E` (each stored as `E`'s device type, `bool`
/// as a `u8`). Freed when dropped, on any thread.
pub struct CudaStorage<E: Dtype> {
    // Dropped before `dev`, which keeps the context alive for the free.
    buf: DeviceBuffer<E::Cuda>,
    dev: Cuda,
}

impl<E: Dtype> CudaStorage<E> {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether the buffer holds no element.
    pub fn is_empty(&self) -> bool {
        self.buf.len() == 0
    }
}

impl<E: Dtype> Drop for CudaStorage<E> {
    fn drop(&mut self) {
        // The buffer (dropped right after this) is freed in the current context: make it
        // this GPU's, whatever thread drops the tensor. A failure leaves the memory to the
        // context; there is nobody to report it to.
        let _ = self.dev.enter();
    }
}

impl<E: Dtype> Clone for CudaStorage<E> {
    /// A device-to-device copy. `Clone` cannot return an error, so this panics on a CUDA
    /// failure (out of memory); the library itself never clones storage (its copy-on-write
    /// paths, in-place ops and optimizer steps, copy through fallible kernels instead).
    fn clone(&self) -> Self {
        let copy = || -> Result<Self> {
            self.dev.enter()?;
            let mut out = self.dev.alloc::<E>(self.len())?;
            out.buf
                .copy_from(&self.buf)
                .map_err(|e| cuda_error("copying device memory", e))?;
            Ok(out)
        };
        match copy() {
            Ok(s) => s,
            Err(e) => panic!("typetensor: cloning CUDA storage failed: {e}"),
        }
    }
}

impl<E: Dtype> fmt::Debug for CudaStorage<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CudaStorage<{}>(len {}, cuda:{})",
            E::DTYPE,
            self.len(),
            self.dev.inner.ordinal
        )
    }
}

impl DeviceStorage for Cuda {
    type Storage<E: Dtype> = CudaStorage<E>;

    fn print_name(&self) -> Option<String> {
        Some(format!("cuda:{}", self.inner.ordinal))
    }

    fn alloc_filled<E: Dtype>(&self, len: usize, value: E) -> Result<CudaStorage<E>> {
        self.enter()?;
        let out = self.alloc::<E>(len)?;
        if len > 0 {
            let (ptr, n, v) = (out.buf.as_device_ptr(), len as u64, value.to_cuda());
            // SAFETY: fill_<dtype>(T* out, u64 out_len, T value): `ptr` is a live buffer of
            // exactly `n` elements of `E::Cuda`, the kernel's `T`, and `v` is a `T`.
            unsafe {
                self.launch(
                    Family::Copy,
                    &format!("fill_{}", E::SUFFIX),
                    launch::grid_1d(len),
                    &launch::args![ptr, n, v],
                )?;
            }
        }
        Ok(out)
    }

    fn upload<E: Dtype>(&self, data: Vec<E>) -> Result<CudaStorage<E>> {
        self.enter()?;
        let host: Vec<E::Cuda> = data.into_iter().map(E::to_cuda).collect();
        let mut out = self.alloc::<E>(host.len())?;
        out.buf
            .copy_from(&host)
            .map_err(|e| cuda_error("copying to the device", e))?;
        Ok(out)
    }

    fn download<E: Dtype>(&self, storage: &CudaStorage<E>, layout: &Layout) -> Result<Vec<E>> {
        self.enter()?;
        let n = layout.numel();
        if n == 0 {
            return Ok(Vec::new());
        }
        // Check the layout against the buffer (the same rule as every launch).
        let l4 = layout4(layout, storage.len())?;
        let mut host = vec![E::Cuda::default(); n];
        match layout.contiguous_range() {
            Some(r) => storage
                .buf
                .index(r)
                .copy_to(&mut host)
                .map_err(|e| cuda_error("copying to the host", e))?,
            None => {
                let dense = self.gather(storage, &l4, n)?;
                dense
                    .buf
                    .copy_to(&mut host)
                    .map_err(|e| cuda_error("copying to the host", e))?;
            }
        }
        Ok(host.into_iter().map(E::from_cuda).collect())
    }
}

impl Cuda {
    /// The `n` elements `l4` selects, densely (the `copy` kernel).
    fn gather<E: Dtype>(
        &self,
        x: &CudaStorage<E>,
        l4: &Layout4,
        n: usize,
    ) -> Result<CudaStorage<E>> {
        let out = self.alloc::<E>(n)?;
        if n > 0 {
            let (px, lx, po, len) = (
                x.buf.as_device_ptr(),
                *l4,
                out.buf.as_device_ptr(),
                n as u64,
            );
            // SAFETY: copy_<dtype>(const T* x, Layout4 lx, T* out, u64 out_len): `lx` was
            // checked against `x`'s length by `layout4`, `out` holds exactly `n` elements.
            unsafe {
                self.launch(
                    Family::Copy,
                    &format!("copy_{}", E::SUFFIX),
                    launch::grid_1d(n),
                    &launch::args![px, lx, po, len],
                )?;
            }
        }
        Ok(out)
    }
}
