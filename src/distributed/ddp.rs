//! `torch.nn.parallel.DistributedDataParallel`: a module replicated on every rank whose
//! gradients are averaged across ranks after `backward`, in buckets.
use std::any::Any;
use std::marker::PhantomData;
use std::sync::Arc;

use super::comm::{Elements, ElementsMut, ReduceOp, elements, elements_mut, no_bool};
use super::{ProcessGroup, host_elements, save_on_rank0};
use crate::Result;
use crate::autograd::Raw;
use crate::device::cpu::{try_filled, try_vec};
use crate::device::{Cpu, Device};
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::layout::Layout;
use crate::nn::{AnyParam, Buffer, BufferValue, Module, Parameters, Training};
use crate::ops::copy::OneElement;
use crate::shape::{DYN, Dims, Rank1, shape_from_dims};
use crate::tensor::{Tensor, expect_device};

/// PyTorch's default bucket size, `bucket_cap_mb=25`: 25 MiB of gradients per all-reduce.
pub const DEFAULT_BUCKET_CAP_BYTES: usize = 25 * 1024 * 1024;

/// Parameters whose gradients travel in one all-reduce: their gradients laid end to end,
/// then one flag per parameter (1 where the rank has a gradient), so that one message also
/// tells every rank which parameters any rank has a gradient for.
struct Bucket<E> {
    /// Indices into the model's parameter list, with each one's offset and element count.
    params: Vec<(usize, usize, usize)>,
    /// Elements of gradients (the flags follow).
    numel: usize,
    send: Vec<E>,
    recv: Vec<E>,
}

/// `DistributedDataParallel(model)`: `model` replicated on every rank of a
/// [`ProcessGroup`]. Construction checks that every rank built the same model (type, element
/// type, parameter names and shapes; otherwise an `Err` on every rank) and gives every rank
/// rank 0's parameters and buffers. After `backward` on each rank's own shard of the batch,
/// [`sync_gradients`](Self::sync_gradients) (or [`backward`](Self::backward), which does
/// both) replaces every gradient by its average over the ranks, so that each rank's optimizer
/// takes the same step: the step of one process on the whole batch, when the loss is a mean
/// over the batch and the shards are equal (PyTorch's semantics: with a sum loss, the
/// gradient is the world size times smaller).
///
/// Gradients go in buckets of [`DEFAULT_BUCKET_CAP_BYTES`] (PyTorch's 25 MiB, or
/// [`with_bucket_cap`](Self::with_bucket_cap)): each bucket is one buffer and one
/// all-reduce, so a model of many small tensors makes a few large messages. A parameter
/// that no rank has a gradient for keeps none (its flag says so); one that only some ranks
/// have a gradient for gets the average with zeros for the others (PyTorch's
/// `find_unused_parameters=True`). Parameters that do not require grad are broadcast but
/// never reduced.
///
/// The model stays reachable as [`module`](Self::module) (`ddp.module`); `forward`,
/// `parameters()` (for optimizers), `train()`/`eval()` pass through.
pub struct DistributedDataParallel<M, E: FloatDtype = f32, D: Device = Cpu> {
    module: M,
    group: ProcessGroup,
    buckets: Vec<Bucket<E>>,
    _device: PhantomData<fn() -> D>,
}

impl<M: Parameters<E, D>, E: FloatDtype, D: Device> DistributedDataParallel<M, E, D> {
    /// `DistributedDataParallel(module)`, run by every rank: checks that every rank has the
    /// same model, then copies rank 0's parameters and buffers to every rank. An `Err` (a
    /// rank with another model) is returned on every rank.
    pub fn new(module: M, group: &ProcessGroup) -> Result<Self> {
        Self::with_bucket_cap(module, group, DEFAULT_BUCKET_CAP_BYTES)
    }

    /// [`new`](Self::new) with buckets of at most `bytes` of gradients (`bucket_cap_mb`);
    /// a parameter larger than that has a bucket of its own. Every rank must pass the same
    /// size (checked with the model).
    pub fn with_bucket_cap(mut module: M, group: &ProcessGroup, bytes: usize) -> Result<Self> {
        check_same_model::<M, E, D>(&module, group, bytes)?;
        let buckets = plan_buckets::<E, D, M>(&module, bytes)?;
        broadcast_state(&mut module, group)?;
        Ok(DistributedDataParallel {
            module,
            group: group.clone(),
            buckets,
            _device: PhantomData,
        })
    }

    /// The wrapped model (`ddp.module`).
    pub fn module(&self) -> &M {
        &self.module
    }

    /// The wrapped model, mutably.
    pub fn module_mut(&mut self) -> &mut M {
        &mut self.module
    }

    /// The wrapped model, unwrapped.
    pub fn into_inner(self) -> M {
        self.module
    }

    /// The process group.
    pub fn group(&self) -> &ProcessGroup {
        &self.group
    }

    /// The number of buckets (all-reduces per step).
    pub fn num_buckets(&self) -> usize {
        self.buckets.len()
    }

    /// Replaces every parameter's gradient by its average over the ranks (what DDP's
    /// backward hooks do): one all-reduce per bucket. Every rank must call it once per step.
    ///
    /// Every rank makes every bucket's all-reduce even when something fails on one of them
    /// (a device error reading or writing a gradient), so no rank is left waiting: a rank
    /// that fails marks its next buckets, and then every rank returns an `Err` and leaves the
    /// gradients of the marked buckets as they were (a failure writing the last bucket's
    /// gradients is an `Err` on that rank alone).
    pub fn try_sync_gradients(&mut self) -> Result<()> {
        let world = self.group.world_size();
        let params = self.module.parameters();
        let w = E::from_f64(world as f64);
        // Sums at least 1 - 2 · world below zero whatever the other ranks send.
        let poison = E::from_f64(-2.0 * world as f64);
        let mut failed: Option<Error> = None;
        for bucket in &mut self.buckets {
            let (grads, flags) = bucket.send.split_at_mut(bucket.numel);
            if failed.is_none() {
                let filled = (|| -> Result<()> {
                    for (k, &(i, offset, n)) in bucket.params.iter().enumerate() {
                        let dst = &mut grads[offset..offset + n];
                        match params[i].tensor.raw_grad() {
                            Some(g) => {
                                copy_to_host(&g, dst)?;
                                flags[k] = E::one();
                            }
                            None => {
                                dst.fill(E::zero());
                                flags[k] = E::zero();
                            }
                        }
                    }
                    Ok(())
                })();
                if let Err(e) = filled {
                    failed = Some(e);
                }
            }
            if failed.is_some() {
                flags.fill(E::zero());
                flags[0] = poison;
            }
            let s = elements(&bucket.send).ok_or_else(|| no_bool("DistributedDataParallel"))?;
            let r =
                elements_mut(&mut bucket.recv).ok_or_else(|| no_bool("DistributedDataParallel"))?;
            self.group.communicator().all_reduce(s, r, ReduceOp::Sum)?;
            let (sums, counts) = bucket.recv.split_at(bucket.numel);
            if counts[0] < E::zero() {
                failed.get_or_insert_with(|| {
                    Error::Distributed(
                        "DistributedDataParallel: another rank could not read its gradients; \
                         this step's gradients were not averaged"
                            .into(),
                    )
                });
                continue;
            }
            for (k, &(i, offset, n)) in bucket.params.iter().enumerate() {
                if counts[k] == E::zero() {
                    continue; // no rank has a gradient: it stays None everywhere
                }
                let written = set_average(params[i].tensor, &sums[offset..offset + n], w);
                if let Err(e) = written {
                    failed.get_or_insert(e);
                }
            }
        }
        failed.map_or(Ok(()), Err)
    }

    /// [`try_sync_gradients`](Self::try_sync_gradients), panicking on an error.
    pub fn sync_gradients(&mut self) {
        expect_device(self.try_sync_gradients())
    }

    /// `loss.backward()` under DDP: the backward pass, then
    /// [`sync_gradients`](Self::sync_gradients). Every rank calls it once per step.
    pub fn try_backward<S: OneElement>(&mut self, loss: &Tensor<S, E, D>) -> Result<()> {
        loss.try_backward()?;
        self.try_sync_gradients()
    }

    /// [`try_backward`](Self::try_backward), panicking on an error.
    pub fn backward<S: OneElement>(&mut self, loss: &Tensor<S, E, D>) {
        expect_device(self.try_backward(loss))
    }

    /// Saves the wrapped model's parameters (`ddp.module.state_dict()`, without a `module.`
    /// prefix) on rank 0 only, atomically; see [`save_on_rank0`]. Every rank calls it.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<()> {
        save_on_rank0(&self.group, &self.module, path)
    }
}

impl<X, M: Module<X>, E: FloatDtype, D: Device> Module<X> for DistributedDataParallel<M, E, D> {
    type Output = M::Output;
    fn forward(&self, x: X) -> Self::Output {
        self.module.forward(x)
    }
}

impl<M: Parameters<E, D>, E: FloatDtype, D: Device> Parameters<E, D>
    for DistributedDataParallel<M, E, D>
{
    fn parameters(&self) -> Vec<crate::nn::ParamRef<'_, E, D>> {
        self.module.parameters()
    }
    fn parameters_mut(&mut self) -> Vec<crate::nn::Param<'_, E, D>> {
        self.module.parameters_mut()
    }
    fn buffers(&self) -> Vec<Buffer<E, D>> {
        self.module.buffers()
    }
    fn set_buffer(&mut self, name: &str, value: BufferValue<E, D>) -> Result<bool> {
        self.module.set_buffer(name, value)
    }
}

impl<M: Training, E: FloatDtype, D: Device> Training for DistributedDataParallel<M, E, D> {
    fn set_training(&mut self, training: bool) {
        self.module.set_training(training);
    }
}

impl<M: std::fmt::Debug, E: FloatDtype, D: Device> std::fmt::Debug
    for DistributedDataParallel<M, E, D>
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DistributedDataParallel(\n  (module): ")?;
        let inner = format!("{:?}", self.module).replace('\n', "\n  ");
        write!(f, "{inner}\n)")
    }
}

/// Sets `param`'s gradient to `sums / w`: in its own gradient buffer when nobody else holds
/// it (the usual case after `backward`: no allocation per step), else in a new one.
fn set_average<E: FloatDtype, D: Device>(
    param: &dyn AnyParam<E, D>,
    sums: &[E],
    w: E,
) -> Result<()> {
    let n = sums.len();
    if let Some(mut g) = param.raw_grad() {
        param.zero_grad(); // the parameter lets go of its reference
        if let Some(buf) = own_dense_cpu(&mut g, n) {
            for (d, &x) in buf.iter_mut().zip(sums) {
                *d = x / w;
            }
            let g = Raw {
                layout: Layout::contiguous(flat_dims(n)?),
                ..g
            };
            let flat = Tensor::<Rank1<DYN>, E, D>::from_raw(g, shape_from_dims(&[n])?);
            return param.set_grad_flat(Some(&flat));
        }
    }
    let mut avg = try_vec(n)?;
    avg.extend(sums.iter().map(|&x| x / w));
    let device = param.raw_value().device;
    let storage = device.upload(avg)?;
    let flat = Tensor::<Rank1<DYN>, E, D>::from_storage(storage, shape_from_dims(&[n])?, device);
    param.set_grad_flat(Some(&flat))
}

/// The `n` elements of a dense CPU buffer from offset 0 that `raw` alone holds, to write in
/// place; `None` for another device, a strided or shared buffer.
fn own_dense_cpu<E: FloatDtype, D: Device>(raw: &mut Raw<E, D>, n: usize) -> Option<&mut [E]> {
    let cpu = (raw as &mut dyn Any).downcast_mut::<Raw<E, Cpu>>()?;
    if !cpu.layout.is_contiguous() || cpu.layout.offset() != 0 {
        return None;
    }
    Arc::get_mut(&mut cpu.storage)?.get_mut(..n)
}

/// Dims `[n]`.
fn flat_dims(n: usize) -> Result<Dims> {
    Dims::new(&[n]).ok_or_else(|| Error::Distributed("a flat gradient".into()))
}

/// Copies a tensor's elements (row-major) into `dst`, which has its element count.
fn copy_to_host<E: FloatDtype, D: Device>(raw: &Raw<E, D>, dst: &mut [E]) -> Result<()> {
    let src = host_elements(raw)?;
    if src.len() != dst.len() {
        return Err(Error::Distributed(format!(
            "a tensor of {} elements where {} were expected",
            src.len(),
            dst.len()
        )));
    }
    dst.copy_from_slice(&src);
    Ok(())
}

/// The model as text every rank compares: its type, element type, bucket size, and every
/// parameter's name, shape and whether it trains.
fn describe<M: Parameters<E, D>, E: FloatDtype, D: Device>(module: &M, bucket: usize) -> String {
    let mut s = format!(
        "model type {} ({}), bucket cap {bucket} bytes, {} parameters\n",
        std::any::type_name::<M>(),
        E::DTYPE,
        module.parameters().len()
    );
    for p in module.parameters() {
        s.push_str(&format!(
            "parameter `{}` of shape {:?}{}\n",
            p.name,
            p.tensor.dims().as_slice(),
            if p.tensor.requires_grad() {
                ""
            } else {
                " (frozen)"
            }
        ));
    }
    for b in module.buffers() {
        let kind = match &b.value {
            BufferValue::Float(t) => format!("of {} elements", t.numel()),
            BufferValue::Count(_) => "(a count)".to_string(),
        };
        s.push_str(&format!("buffer `{}` {kind}\n", b.name));
    }
    s
}

/// Every rank's [`describe`] gathered and compared with rank 0's; the verdict (and the
/// message) is the same on every rank, so all return together.
fn check_same_model<M: Parameters<E, D>, E: FloatDtype, D: Device>(
    module: &M,
    group: &ProcessGroup,
    bucket: usize,
) -> Result<()> {
    if bucket == 0 {
        return Err(Error::InvalidArgument(
            "DistributedDataParallel: a bucket cap of 0 bytes".into(),
        ));
    }
    let world = group.world_size();
    if world == 1 {
        return Ok(());
    }
    let comm = group.communicator();
    let text = describe::<M, E, D>(module, bucket).into_bytes();
    let mut lens = try_filled(world, 0i64)?;
    comm.all_gather(
        Elements::I64(&[text.len() as i64]),
        ElementsMut::I64(&mut lens),
    )?;
    let width = lens.iter().copied().max().unwrap_or(0).max(0) as usize;
    let mut mine = try_filled(width, 0u8)?;
    mine[..text.len()].copy_from_slice(&text);
    let mut all = try_filled(width.saturating_mul(world), 0u8)?;
    comm.all_gather(Elements::U8(&mine), ElementsMut::U8(&mut all))?;
    let text_of = |r: usize| {
        let len = usize::try_from(lens[r]).unwrap_or(0).min(width);
        String::from_utf8_lossy(&all[r * width..r * width + len]).into_owned()
    };
    let first = text_of(0);
    for r in 1..world {
        let other = text_of(r);
        if other != first {
            let (a, b) = first
                .lines()
                .zip(other.lines())
                .find(|(a, b)| a != b)
                .unwrap_or(("(nothing)", "(nothing)"));
            return Err(Error::Distributed(format!(
                "DistributedDataParallel: rank {r} built another model than rank 0 (every \
                 rank must wrap the same model): rank 0 has {a}, rank {r} has {b}"
            )));
        }
    }
    Ok(())
}

/// Groups the trainable parameters, in order, into buckets of at most `cap` bytes.
fn plan_buckets<E: FloatDtype, D: Device, M: Parameters<E, D>>(
    module: &M,
    cap: usize,
) -> Result<Vec<Bucket<E>>> {
    let per = (cap / size_of::<E>()).max(1);
    let mut plans: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut filled = 0;
    for (i, p) in module.parameters().iter().enumerate() {
        if !p.tensor.requires_grad() {
            continue;
        }
        let n = p.tensor.dims().numel();
        match plans.last_mut() {
            Some(last) if filled + n <= per => last.push((i, n)),
            _ => {
                plans.push(vec![(i, n)]);
                filled = 0;
            }
        }
        filled += n;
    }
    plans
        .into_iter()
        .map(|plan| {
            let mut params = Vec::with_capacity(plan.len());
            let mut numel = 0;
            for (i, n) in plan {
                params.push((i, numel, n));
                numel += n;
            }
            let len = numel + params.len();
            Ok(Bucket {
                params,
                numel,
                send: try_filled(len, E::zero())?,
                recv: try_filled(len, E::zero())?,
            })
        })
        .collect()
}

/// Gives every rank rank 0's parameter values and buffers (one broadcast per parameter and
/// buffer: this runs once).
fn broadcast_state<M: Parameters<E, D>, E: FloatDtype, D: Device>(
    module: &mut M,
    group: &ProcessGroup,
) -> Result<()> {
    if group.world_size() == 1 {
        return Ok(());
    }
    let comm = group.communicator();
    for p in module.parameters_mut() {
        let raw = p.tensor.raw_value();
        let dims = raw.dims();
        let mut values = try_filled(dims.numel(), E::zero())?;
        copy_to_host(&raw, &mut values)?;
        comm.broadcast(
            elements_mut(&mut values).ok_or_else(|| no_bool("broadcast"))?,
            0,
        )?;
        if group.rank() != 0 {
            let storage = raw.device.upload(values)?;
            p.tensor.set_raw_value(Raw {
                storage: Arc::new(storage),
                layout: Layout::contiguous(dims),
                device: raw.device,
            });
        }
    }
    for b in module.buffers() {
        let value = match b.value {
            BufferValue::Float(t) => BufferValue::Float(group.try_broadcast(&t, 0)?),
            BufferValue::Count(n) => {
                let mut v = [n];
                comm.broadcast(ElementsMut::I64(&mut v), 0)?;
                BufferValue::Count(v[0])
            }
        };
        if group.rank() != 0 {
            module.set_buffer(&b.name, value)?;
        }
    }
    Ok(())
}
