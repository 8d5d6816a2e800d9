//! The communicator a [`ProcessGroup`](super::ProcessGroup) runs its collectives on: what a
//! backend implements. MPI ([`Mpi`](super::Mpi)) is the one here; NCCL, which would take
//! device buffers, fits the same calls (its `ncclAllReduce`, `ncclBroadcast` and
//! `ncclAllGather` have these arguments) once it has a device-buffer variant of [`Elements`].
use std::any::TypeId;

use crate::Result;
use crate::dtype::Dtype;
use crate::error::Error;

/// How `all_reduce` combines the ranks' elements: `torch.distributed.ReduceOp`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    /// `ReduceOp.SUM`.
    Sum,
    /// `ReduceOp.AVG`: the sum divided by the world size (floating-point tensors only).
    Avg,
    /// `ReduceOp.PRODUCT`.
    Product,
    /// `ReduceOp.MAX`.
    Max,
    /// `ReduceOp.MIN`.
    Min,
}

/// A host buffer a collective reads, of one of the element types backends carry.
#[derive(Clone, Copy, Debug)]
pub enum Elements<'a> {
    /// `float32`.
    F32(&'a [f32]),
    /// `float64`.
    F64(&'a [f64]),
    /// `int32`.
    I32(&'a [i32]),
    /// `int64`.
    I64(&'a [i64]),
    /// Bytes (names, messages).
    U8(&'a [u8]),
}

/// A host buffer a collective writes.
#[derive(Debug)]
pub enum ElementsMut<'a> {
    /// `float32`.
    F32(&'a mut [f32]),
    /// `float64`.
    F64(&'a mut [f64]),
    /// `int32`.
    I32(&'a mut [i32]),
    /// `int64`.
    I64(&'a mut [i64]),
    /// Bytes.
    U8(&'a mut [u8]),
}

impl Elements<'_> {
    /// The number of elements.
    pub fn len(&self) -> usize {
        match self {
            Elements::F32(s) => s.len(),
            Elements::F64(s) => s.len(),
            Elements::I32(s) => s.len(),
            Elements::I64(s) => s.len(),
            Elements::U8(s) => s.len(),
        }
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type's name, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Elements::F32(_) => "float32",
            Elements::F64(_) => "float64",
            Elements::I32(_) => "int32",
            Elements::I64(_) => "int64",
            Elements::U8(_) => "uint8",
        }
    }
}

impl ElementsMut<'_> {
    /// The number of elements.
    pub fn len(&self) -> usize {
        self.as_ref().len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A read-only view of the same buffer.
    pub fn as_ref(&self) -> Elements<'_> {
        match self {
            ElementsMut::F32(s) => Elements::F32(s),
            ElementsMut::F64(s) => Elements::F64(s),
            ElementsMut::I32(s) => Elements::I32(s),
            ElementsMut::I64(s) => Elements::I64(s),
            ElementsMut::U8(s) => Elements::U8(s),
        }
    }
}

macro_rules! casts {
    ($($t:ty => $v:ident),*) => {
        /// `s` as the [`Elements`] variant of its element type, or `None` for `bool`.
        pub fn elements<E: Dtype>(s: &[E]) -> Option<Elements<'_>> {
            $(if TypeId::of::<E>() == TypeId::of::<$t>() {
                // SAFETY: `E` is `$t` (the same `TypeId`), so `[E]` is `[$t]`: same
                // layout, same length, and the borrow keeps `s`'s lifetime.
                return Some(Elements::$v(unsafe { &*(s as *const [E] as *const [$t]) }));
            })*
            None
        }

        /// `s` as the [`ElementsMut`] variant of its element type, or `None` for `bool`.
        pub fn elements_mut<E: Dtype>(s: &mut [E]) -> Option<ElementsMut<'_>> {
            $(if TypeId::of::<E>() == TypeId::of::<$t>() {
                // SAFETY: as in `elements`; the exclusive borrow of `s` moves into the result.
                return Some(ElementsMut::$v(unsafe { &mut *(s as *mut [E] as *mut [$t]) }));
            })*
            None
        }
    };
}
casts!(f32 => F32, f64 => F64, i32 => I32, i64 => I64);

/// The error for a `bool` tensor handed to a collective.
pub(crate) fn no_bool(op: &str) -> Error {
    Error::InvalidArgument(format!(
        "{op}: bool tensors are not carried by collectives; convert first (`mask.long()`)"
    ))
}

/// The collectives a process group needs, on host buffers. Every rank of the group must call
/// the same collectives in the same order with buffers of the same element type and length
/// (what MPI and NCCL ask); [`ProcessGroup`](super::ProcessGroup) checks tensor shapes across
/// ranks before it calls these, and `DistributedDataParallel` checks its model once, at
/// construction.
///
/// Failures a backend can see return `Err`; a rank that dies is the launcher's to report
/// (`mpirun` ends the whole job).
pub trait Communicator {
    /// This process's rank, `0..world_size()`.
    fn rank(&self) -> usize;
    /// The number of processes.
    fn world_size(&self) -> usize;
    /// Returns once every rank has called it.
    fn barrier(&self) -> Result<()>;
    /// `recv[i]` becomes `op` over every rank's `send[i]`; `send` and `recv` have the same
    /// element type and length. A backend may refuse [`ReduceOp::Avg`] (MPI has none);
    /// `ProcessGroup` sends it as a sum and divides.
    fn all_reduce(&self, send: Elements<'_>, recv: ElementsMut<'_>, op: ReduceOp) -> Result<()>;
    /// `buf` becomes rank `root`'s `buf`.
    fn broadcast(&self, buf: ElementsMut<'_>, root: usize) -> Result<()>;
    /// `recv` (world size × `send.len()` elements) becomes every rank's `send`, rank by rank.
    fn all_gather(&self, send: Elements<'_>, recv: ElementsMut<'_>) -> Result<()>;
}

/// Checks what every backend needs of a reduce's buffers.
pub(crate) fn check_pair(op: &str, send: &Elements<'_>, recv: &ElementsMut<'_>) -> Result<()> {
    let r = recv.as_ref();
    if send.kind() != r.kind() || send.len() != r.len() {
        return Err(Error::InvalidArgument(format!(
            "{op}: the send buffer ({} {}) and the receive buffer ({} {}) differ",
            send.len(),
            send.kind(),
            r.len(),
            r.kind()
        )));
    }
    Ok(())
}

/// Copies `src` into `dst` (same element type and length).
pub(crate) fn copy_into(src: &Elements<'_>, dst: ElementsMut<'_>) -> Result<()> {
    match (src, dst) {
        (Elements::F32(s), ElementsMut::F32(d)) if s.len() == d.len() => d.copy_from_slice(s),
        (Elements::F64(s), ElementsMut::F64(d)) if s.len() == d.len() => d.copy_from_slice(s),
        (Elements::I32(s), ElementsMut::I32(d)) if s.len() == d.len() => d.copy_from_slice(s),
        (Elements::I64(s), ElementsMut::I64(d)) if s.len() == d.len() => d.copy_from_slice(s),
        (Elements::U8(s), ElementsMut::U8(d)) if s.len() == d.len() => d.copy_from_slice(s),
        (s, d) => {
            return Err(Error::InvalidArgument(format!(
                "copying {} {} into {} {}",
                s.len(),
                s.kind(),
                d.len(),
                d.as_ref().kind()
            )));
        }
    }
    Ok(())
}

/// A world of one process, without MPI: every collective is a copy. What a program gets
/// where it runs alone (and what tests of the logic above the collectives use).
#[derive(Clone, Copy, Debug, Default)]
pub struct SingleProcess;

impl Communicator for SingleProcess {
    fn rank(&self) -> usize {
        0
    }
    fn world_size(&self) -> usize {
        1
    }
    fn barrier(&self) -> Result<()> {
        Ok(())
    }
    fn all_reduce(&self, send: Elements<'_>, recv: ElementsMut<'_>, op: ReduceOp) -> Result<()> {
        check_pair("all_reduce", &send, &recv)?;
        // One rank: every op (an average of one value included) is the value itself.
        let _ = op;
        copy_into(&send, recv)
    }
    fn broadcast(&self, _buf: ElementsMut<'_>, root: usize) -> Result<()> {
        check_root(root, 1)
    }
    fn all_gather(&self, send: Elements<'_>, recv: ElementsMut<'_>) -> Result<()> {
        copy_into(&send, recv)
    }
}

/// Refuses a root that is no rank.
pub(crate) fn check_root(root: usize, world_size: usize) -> Result<()> {
    if root >= world_size {
        return Err(Error::InvalidArgument(format!(
            "broadcast: root {root} is not a rank of a world of {world_size}"
        )));
    }
    Ok(())
}
