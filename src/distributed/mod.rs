//! `torch.distributed` over MPI (feature `distributed`): a [`ProcessGroup`] of processes
//! started by `mpirun`, collectives on tensors ([`all_reduce`](ProcessGroup::all_reduce),
//! [`broadcast`](ProcessGroup::broadcast), [`all_gather`](ProcessGroup::all_gather)),
//! [`DistributedDataParallel`] (data-parallel training: one replica per process, gradients
//! averaged across processes after `backward`) and a [`DistributedSampler`] that gives
//! every process its own shard of the data set.
//!
//! | PyTorch | typetensor |
//! |---|---|
//! | `dist.init_process_group("mpi")` | [`ProcessGroup::from_env()`](ProcessGroup::from_env) |
//! | `dist.get_rank()`, `dist.get_world_size()` | [`group.rank()`](ProcessGroup::rank), [`group.world_size()`](ProcessGroup::world_size) |
//! | `dist.all_reduce(t, op=ReduceOp.AVG)` | [`t = group.all_reduce(&t, ReduceOp::Avg)`](ProcessGroup::all_reduce) |
//! | `DistributedDataParallel(model)` | [`DistributedDataParallel::new(model, &group)?`](DistributedDataParallel::new) |
//! | `loss.backward()` (DDP's hooks average the gradients) | [`ddp.backward(&loss)`](DistributedDataParallel::backward) |
//! | `DistributedSampler(dataset)` | [`DistributedSampler::new(&group)`](DistributedSampler::new) |
//! | `if rank == 0: torch.save(...)` | [`save_on_rank0(&group, &model, path)`](save_on_rank0) |
//!
//! A training step, run by every process (`mpirun -np 2 target/release/examples/15_ddp`):
//! ```
//! use typetensor::distributed::{DistributedDataParallel, ProcessGroup};
//! use typetensor::nn::{Linear, MSELoss, Module, ReLU, Reduction, Sequential};
//! use typetensor::optim::{Optimizer, SGD};
//! use typetensor::{Rank2, Tensor};
//!
//! # fn main() -> typetensor::Result<()> {
//! // With `mpirun`, `ProcessGroup::from_env()?`: here, a world of one process.
//! let group = ProcessGroup::single();
//! let model = Sequential::new((Linear::<8, 16>::new(), ReLU, Linear::<16, 1>::new()));
//! // Rank 0's parameters are broadcast to every rank; a rank with another model is an Err.
//! let mut model = DistributedDataParallel::new(model, &group)?;
//! let mut optimizer = SGD::new(0.1);
//! let (x, y) = (Tensor::<Rank2<4, 8>>::randn(), Tensor::<Rank2<4, 1>>::randn()); // this rank's shard
//! let loss = MSELoss::new(Reduction::Mean).forward(&model.forward(&x), &y);
//! optimizer.zero_grad(&model);
//! model.backward(&loss); // loss.backward(), then the gradients averaged over ranks
//! optimizer.step(&mut model);
//! # Ok(())
//! # }
//! ```
//!
//! Collectives are blocking and every rank must make the same ones in the same order, as
//! in PyTorch. Shapes are checked across ranks (a rank whose tensor has another shape is an
//! `Err` on every rank, not a hang or a truncated buffer). Tensors on another device than
//! the CPU go through host memory; a [`Communicator`] for NCCL would take device buffers.
//! A rank that dies ends the job: `mpirun` stops the others and exits with an error.
use std::any::Any;
use std::borrow::Cow;
use std::rc::Rc;

use crate::Result;
use crate::autograd::Raw;
use crate::device::cpu::try_filled;
use crate::device::{Cpu, Device};
use crate::dtype::{DType, Dtype};
use crate::error::Error;
use crate::shape::{Dims, MAX_RANK, Shape};
use crate::tensor::{Tensor, expect_device};

mod checkpoint;
mod comm;
mod ddp;
mod mpi;
mod sampler;
#[cfg(test)]
mod tests;

pub use checkpoint::save_on_rank0;
pub use comm::{
    Communicator, Elements, ElementsMut, ReduceOp, SingleProcess, elements, elements_mut,
};
pub use ddp::{DEFAULT_BUCKET_CAP_BYTES, DistributedDataParallel};
pub use mpi::Mpi;
pub use sampler::DistributedSampler;

use comm::no_bool;

/// The processes that train together: `torch.distributed`'s default process group. A cheap
/// handle (clones share one communicator). Not `Send`: MPI is called from the thread that
/// made the group.
#[derive(Clone)]
pub struct ProcessGroup {
    comm: Rc<dyn Communicator>,
}

impl std::fmt::Debug for ProcessGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ProcessGroup(rank {} of {})",
            self.comm.rank(),
            self.comm.world_size()
        )
    }
}

impl ProcessGroup {
    /// `dist.init_process_group("mpi")`: the processes `mpirun` started (a world of one
    /// when run alone). `Err` if MPI was initialised before in this process.
    ///
    /// ```no_run
    /// use typetensor::distributed::ProcessGroup;
    /// let group = ProcessGroup::from_env().unwrap();
    /// println!("rank {} of {}", group.rank(), group.world_size());
    /// ```
    pub fn from_env() -> Result<Self> {
        Ok(Self::new(Mpi::init()?))
    }

    /// A group over any backend.
    pub fn new(comm: impl Communicator + 'static) -> Self {
        ProcessGroup {
            comm: Rc::new(comm),
        }
    }

    /// A world of one process, without MPI (every collective is the identity).
    pub fn single() -> Self {
        Self::new(SingleProcess)
    }

    /// `dist.get_rank()`: this process's rank, `0..world_size()`.
    pub fn rank(&self) -> usize {
        self.comm.rank()
    }

    /// `dist.get_world_size()`: the number of processes.
    pub fn world_size(&self) -> usize {
        self.comm.world_size()
    }

    /// Whether this is rank 0 (the one that prints and saves).
    pub fn is_main(&self) -> bool {
        self.rank() == 0
    }

    /// The backend.
    pub fn communicator(&self) -> &dyn Communicator {
        &*self.comm
    }

    /// `dist.barrier()`: returns once every rank has called it.
    pub fn try_barrier(&self) -> Result<()> {
        self.comm.barrier()
    }

    /// [`try_barrier`](Self::try_barrier), panicking on an error.
    pub fn barrier(&self) {
        expect_device(self.try_barrier())
    }

    /// `dist.all_reduce(t, op)`, as a new tensor (this crate's tensors are values): every
    /// element combined over the ranks. Every rank passes a tensor of the same shape
    /// (checked: otherwise an `Err` on every rank); `Avg` needs a float tensor.
    ///
    /// ```
    /// use typetensor::distributed::{ProcessGroup, ReduceOp};
    /// use typetensor::tensor;
    /// let group = ProcessGroup::single();
    /// let t = group.all_reduce(&tensor([1.0f32, 2.0]), ReduceOp::Avg); // dist.all_reduce(t, ReduceOp.AVG)
    /// assert_eq!(t.to_vec(), [1.0, 2.0]);
    /// ```
    pub fn try_all_reduce<S: Shape, E: Dtype, D: Device>(
        &self,
        t: &Tensor<S, E, D>,
        op: ReduceOp,
    ) -> Result<Tensor<S, E, D>> {
        if op == ReduceOp::Avg && !E::DTYPE.is_float() {
            return Err(Error::InvalidArgument(format!(
                "all_reduce: an average of {} tensors (use Sum)",
                E::DTYPE
            )));
        }
        self.agree_on_shape::<E>("all_reduce", t.dims())?;
        let raw = t.raw();
        let send = host_elements(&raw)?;
        let mut recv = try_filled(send.len(), E::default())?;
        let s = elements(&send).ok_or_else(|| no_bool("all_reduce"))?;
        let wire = if op == ReduceOp::Avg {
            ReduceOp::Sum
        } else {
            op
        };
        let r = elements_mut(&mut recv).ok_or_else(|| no_bool("all_reduce"))?;
        self.comm.all_reduce(s, r, wire)?;
        if op == ReduceOp::Avg {
            divide(&mut recv, self.world_size());
        }
        self.tensor_like(t, recv)
    }

    /// [`try_all_reduce`](Self::try_all_reduce), panicking on an error.
    pub fn all_reduce<S: Shape, E: Dtype, D: Device>(
        &self,
        t: &Tensor<S, E, D>,
        op: ReduceOp,
    ) -> Tensor<S, E, D> {
        expect_device(self.try_all_reduce(t, op))
    }

    /// `dist.broadcast(t, src=root)`, as a new tensor: rank `root`'s values, on every rank.
    /// Every rank passes a tensor of the same shape (checked).
    pub fn try_broadcast<S: Shape, E: Dtype, D: Device>(
        &self,
        t: &Tensor<S, E, D>,
        root: usize,
    ) -> Result<Tensor<S, E, D>> {
        comm::check_root(root, self.world_size())?;
        self.agree_on_shape::<E>("broadcast", t.dims())?;
        let mut buf = t.try_to_vec()?;
        let b = elements_mut(&mut buf).ok_or_else(|| no_bool("broadcast"))?;
        self.comm.broadcast(b, root)?;
        self.tensor_like(t, buf)
    }

    /// [`try_broadcast`](Self::try_broadcast), panicking on an error.
    pub fn broadcast<S: Shape, E: Dtype, D: Device>(
        &self,
        t: &Tensor<S, E, D>,
        root: usize,
    ) -> Tensor<S, E, D> {
        expect_device(self.try_broadcast(t, root))
    }

    /// `dist.all_gather(tensor_list, t)`: every rank's tensor, by rank. Every rank passes a
    /// tensor of the same shape (checked).
    pub fn try_all_gather<S: Shape, E: Dtype, D: Device>(
        &self,
        t: &Tensor<S, E, D>,
    ) -> Result<Vec<Tensor<S, E, D>>> {
        self.agree_on_shape::<E>("all_gather", t.dims())?;
        let raw = t.raw();
        let send = host_elements(&raw)?;
        let n = send.len();
        let mut recv = try_filled(n.saturating_mul(self.world_size()), E::default())?;
        let s = elements(&send).ok_or_else(|| no_bool("all_gather"))?;
        let r = elements_mut(&mut recv).ok_or_else(|| no_bool("all_gather"))?;
        self.comm.all_gather(s, r)?;
        if n == 0 {
            return (0..self.world_size())
                .map(|_| self.tensor_like(t, Vec::new()))
                .collect();
        }
        recv.chunks(n)
            .map(|c| self.tensor_like(t, crate::device::cpu::try_copy(c)?))
            .collect()
    }

    /// [`try_all_gather`](Self::try_all_gather), panicking on an error.
    pub fn all_gather<S: Shape, E: Dtype, D: Device>(
        &self,
        t: &Tensor<S, E, D>,
    ) -> Vec<Tensor<S, E, D>> {
        expect_device(self.try_all_gather(t))
    }

    /// A tensor of `like`'s shape and device holding `data`.
    fn tensor_like<S: Shape, E: Dtype, D: Device>(
        &self,
        like: &Tensor<S, E, D>,
        data: Vec<E>,
    ) -> Result<Tensor<S, E, D>> {
        let storage = like.device().upload(data)?;
        Ok(Tensor::from_storage(
            storage,
            like.shape_value(),
            like.device().clone(),
        ))
    }

    /// Checks that every rank passes a tensor of this element type and shape (a run-time
    /// dimension may differ between ranks, which MPI would turn into a hang or a truncated
    /// buffer): one small all-gather. The verdict is the same on every rank.
    fn agree_on_shape<E: Dtype>(&self, op: &str, dims: Dims) -> Result<()> {
        if self.world_size() == 1 {
            return Ok(());
        }
        let mut sig = [-1i64; 2 + MAX_RANK];
        sig[0] = DTYPES.iter().position(|&t| t == E::DTYPE).unwrap_or(0) as i64;
        sig[1] = dims.as_slice().len() as i64;
        for (s, &d) in sig[2..].iter_mut().zip(dims.as_slice()) {
            *s = i64::try_from(d).unwrap_or(i64::MAX);
        }
        let mut all = try_filled(sig.len() * self.world_size(), 0i64)?;
        self.comm
            .all_gather(Elements::I64(&sig), ElementsMut::I64(&mut all))?;
        let describe = |s: &[i64]| {
            let n = usize::try_from(s[1]).unwrap_or(0).min(MAX_RANK);
            let d: Vec<i64> = s[2..2 + n].to_vec();
            let dtype = usize::try_from(s[0])
                .ok()
                .and_then(|i| DTYPES.get(i))
                .map_or("?", |t| t.torch_name());
            format!("{d:?} ({dtype})")
        };
        let first = &all[..sig.len()];
        if let Some((r, other)) = all.chunks(sig.len()).enumerate().find(|(_, s)| *s != first) {
            return Err(Error::Distributed(format!(
                "{op}: rank 0 passes a tensor of shape {}, rank {r} of shape {}; every rank \
                 must pass the same shape and dtype",
                describe(first),
                describe(other)
            )));
        }
        Ok(())
    }
}

/// A tensor's elements in row-major order on the host: the storage itself for a dense CPU
/// tensor (no copy), a download otherwise.
pub(crate) fn host_elements<E: Dtype, D: Device>(raw: &Raw<E, D>) -> Result<Cow<'_, [E]>> {
    if let Some(cpu) = (raw as &dyn Any).downcast_ref::<Raw<E, Cpu>>()
        && cpu.layout.is_contiguous()
        && let Some(s) = cpu
            .storage
            .get(cpu.layout.offset()..cpu.layout.offset() + cpu.layout.numel())
    {
        return Ok(Cow::Borrowed(s));
    }
    Ok(Cow::Owned(raw.device.download(&raw.storage, &raw.layout)?))
}

/// Element types by the code `agree_on_shape` sends.
const DTYPES: [DType; 5] = [DType::F32, DType::F64, DType::I32, DType::I64, DType::Bool];

/// Divides every element by `n` (an average from a sum); only float element types get here.
fn divide<E: Dtype>(data: &mut [E], n: usize) {
    match elements_mut(data) {
        Some(ElementsMut::F32(d)) => d.iter_mut().for_each(|x| *x /= n as f32),
        Some(ElementsMut::F64(d)) => d.iter_mut().for_each(|x| *x /= n as f64),
        _ => {}
    }
}
