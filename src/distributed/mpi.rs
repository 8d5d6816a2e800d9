//! The MPI backend: the `mpi` crate (rsmpi) over the system's MPI library (Open MPI, MPICH).
use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator as _, CommunicatorCollectives, Root};

use super::comm::{
    Communicator, Elements, ElementsMut, ReduceOp, check_pair, check_root, copy_into,
};
use crate::Result;
use crate::error::Error;

/// Elements per MPI call: MPI counts are C `int`s, so longer buffers go in pieces.
const CHUNK: usize = i32::MAX as usize;

/// `MPI_COMM_WORLD` of an MPI environment this process initialised (`MPI_Init_thread`) and
/// finalises when dropped (`MPI_Finalize`).
pub struct Mpi {
    world: SimpleCommunicator,
    rank: usize,
    size: usize,
    // Dropped last: finalising MPI ends every communicator.
    _universe: Universe,
}

impl std::fmt::Debug for Mpi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mpi(rank {} of {})", self.rank, self.size)
    }
}

impl Mpi {
    /// Initialises MPI from the environment `mpirun` (or `srun`) set up; alone, a world of
    /// one. `Err` if MPI was initialised before in this process (it can be only once).
    pub fn init() -> Result<Self> {
        // Funneled: compute threads (the `threads` feature) never call MPI; the thread that
        // made the group does, and `ProcessGroup` is not `Send`, so it stays there.
        let Some((universe, _)) = mpi::initialize_with_threading(mpi::Threading::Funneled) else {
            return Err(Error::Distributed(
                "MPI is already initialised in this process (it can be only once): clone the \
                 ProcessGroup you have"
                    .into(),
            ));
        };
        let world = universe.world();
        let (rank, size) = (world.rank(), world.size());
        Ok(Mpi {
            world,
            rank: usize::try_from(rank).unwrap_or(0),
            size: usize::try_from(size).unwrap_or(1),
            _universe: universe,
        })
    }

    /// The raw rsmpi communicator, for collectives this crate does not wrap.
    pub fn world(&self) -> &SimpleCommunicator {
        &self.world
    }
}

fn mismatched(op: &str) -> Error {
    Error::InvalidArgument(format!("{op}: send and receive buffers of different types"))
}

fn op_of(op: ReduceOp) -> Result<SystemOperation> {
    Ok(match op {
        ReduceOp::Sum => SystemOperation::sum(),
        ReduceOp::Product => SystemOperation::product(),
        ReduceOp::Max => SystemOperation::max(),
        ReduceOp::Min => SystemOperation::min(),
        ReduceOp::Avg => {
            return Err(Error::InvalidArgument(
                "MPI has no average: reduce with Sum and divide (ProcessGroup does)".into(),
            ));
        }
    })
}

impl Communicator for Mpi {
    fn rank(&self) -> usize {
        self.rank
    }

    fn world_size(&self) -> usize {
        self.size
    }

    fn barrier(&self) -> Result<()> {
        self.world.barrier();
        Ok(())
    }

    fn all_reduce(&self, send: Elements<'_>, recv: ElementsMut<'_>, op: ReduceOp) -> Result<()> {
        check_pair("all_reduce", &send, &recv)?;
        let mpi_op = op_of(op)?;
        macro_rules! reduce {
            ($s:expr, $r:expr) => {
                for (s, r) in $s.chunks(CHUNK).zip($r.chunks_mut(CHUNK)) {
                    self.world.all_reduce_into(s, r, mpi_op);
                }
            };
        }
        match (send, recv) {
            (Elements::F32(s), ElementsMut::F32(r)) => reduce!(s, r),
            (Elements::F64(s), ElementsMut::F64(r)) => reduce!(s, r),
            (Elements::I32(s), ElementsMut::I32(r)) => reduce!(s, r),
            (Elements::I64(s), ElementsMut::I64(r)) => reduce!(s, r),
            (Elements::U8(s), ElementsMut::U8(r)) => reduce!(s, r),
            // check_pair refused every other pairing.
            _ => return Err(mismatched("all_reduce")),
        }
        Ok(())
    }

    fn broadcast(&self, buf: ElementsMut<'_>, root: usize) -> Result<()> {
        check_root(root, self.size)?;
        let root = self.world.process_at_rank(root as i32);
        macro_rules! bcast {
            ($b:expr) => {
                for c in $b.chunks_mut(CHUNK) {
                    root.broadcast_into(c);
                }
            };
        }
        match buf {
            ElementsMut::F32(b) => bcast!(b),
            ElementsMut::F64(b) => bcast!(b),
            ElementsMut::I32(b) => bcast!(b),
            ElementsMut::I64(b) => bcast!(b),
            ElementsMut::U8(b) => bcast!(b),
        }
        Ok(())
    }

    fn all_gather(&self, send: Elements<'_>, recv: ElementsMut<'_>) -> Result<()> {
        let n = send.len();
        if recv.len() != n.saturating_mul(self.size) || send.kind() != recv.as_ref().kind() {
            return Err(Error::InvalidArgument(format!(
                "all_gather: {} {} from each of {} ranks do not fill {} {}",
                n,
                send.kind(),
                self.size,
                recv.len(),
                recv.as_ref().kind()
            )));
        }
        if self.size == 1 {
            return copy_into(&send, recv);
        }
        if recv.len() > CHUNK {
            return Err(Error::InvalidArgument(format!(
                "all_gather: {} elements in all is past MPI's count limit ({CHUNK})",
                recv.len()
            )));
        }
        match (send, recv) {
            (Elements::F32(s), ElementsMut::F32(r)) => self.world.all_gather_into(s, r),
            (Elements::F64(s), ElementsMut::F64(r)) => self.world.all_gather_into(s, r),
            (Elements::I32(s), ElementsMut::I32(r)) => self.world.all_gather_into(s, r),
            (Elements::I64(s), ElementsMut::I64(r)) => self.world.all_gather_into(s, r),
            (Elements::U8(s), ElementsMut::U8(r)) => self.world.all_gather_into(s, r),
            _ => return Err(mismatched("all_gather")),
        }
        Ok(())
    }
}
