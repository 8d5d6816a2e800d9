//! `torch.utils.data.distributed.DistributedSampler`: each rank's shard of a data set.
use super::ProcessGroup;
use crate::Result;
use crate::data::{RandomSampler, Sampler};
use crate::error::Error;

/// `DistributedSampler(dataset, num_replicas, rank, shuffle=True, seed=0, drop_last=False)`
/// for a [`DataLoader`](crate::data::DataLoader): the ranks' shards are disjoint and
/// together cover the data set. Each epoch (the loader passes its number) reorders the
/// examples from `seed + epoch`, the same order on every rank, and rank `r` takes every
/// `num_replicas`-th example from position `r`, as PyTorch's. Where the ranks do not divide
/// the data set, `drop_last=false` pads it by repeating examples from its start (so some are
/// seen twice an epoch), `drop_last=true` drops the last ones; either way every rank gets
/// the same number of examples, so every rank makes the same number of steps.
///
/// ```
/// use typetensor::data::Sampler;
/// use typetensor::distributed::DistributedSampler;
/// // 10 examples over 3 ranks, in order: padded to 12 by repeating examples 0 and 1
/// let shard = |rank| DistributedSampler::with_replicas(3, rank).unwrap().shuffle(false);
/// assert_eq!(shard(0).indices(0, 10), [0, 3, 6, 9]);
/// assert_eq!(shard(1).indices(0, 10), [1, 4, 7, 0]);
/// assert_eq!(shard(2).indices(0, 10), [2, 5, 8, 1]);
/// // drop_last=True: 9 examples, 3 each
/// assert_eq!(shard(2).drop_last(true).indices(0, 10), [2, 5, 8]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DistributedSampler {
    num_replicas: usize,
    rank: usize,
    shuffle: bool,
    seed: u64,
    drop_last: bool,
}

impl DistributedSampler {
    /// `DistributedSampler(dataset)`: this rank's shard within `group`, shuffled from seed 0.
    pub fn new(group: &ProcessGroup) -> Self {
        DistributedSampler {
            num_replicas: group.world_size(),
            rank: group.rank(),
            shuffle: true,
            seed: 0,
            drop_last: false,
        }
    }

    /// `DistributedSampler(dataset, num_replicas, rank)`: `Err` unless
    /// `rank < num_replicas`.
    pub fn with_replicas(num_replicas: usize, rank: usize) -> Result<Self> {
        if rank >= num_replicas {
            return Err(Error::InvalidArgument(format!(
                "DistributedSampler: invalid rank {rank}, rank should be in the interval [0, {}]",
                num_replicas.saturating_sub(1)
            )));
        }
        Ok(DistributedSampler {
            num_replicas,
            rank,
            shuffle: true,
            seed: 0,
            drop_last: false,
        })
    }

    /// `shuffle=`: reorder every epoch (the default) or keep the data set's order.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// `seed=`: the same on every rank, so the ranks agree on the order.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// `drop_last=`: drop the tail that does not divide evenly instead of padding.
    pub fn drop_last(mut self, drop_last: bool) -> Self {
        self.drop_last = drop_last;
        self
    }

    /// The number of examples each rank gets from a data set of `len`
    /// (`len(sampler)`, PyTorch's `num_samples`).
    pub fn num_samples(&self, len: usize) -> usize {
        if self.drop_last && !len.is_multiple_of(self.num_replicas) {
            len.saturating_sub(self.num_replicas)
                .div_ceil(self.num_replicas)
        } else {
            len.div_ceil(self.num_replicas)
        }
    }
}

impl Sampler for DistributedSampler {
    fn indices(&self, epoch: u64, len: usize) -> Vec<usize> {
        let mut order = if self.shuffle {
            RandomSampler { seed: self.seed }.indices(epoch, len)
        } else {
            (0..len).collect()
        };
        let total = self.num_samples(len) * self.num_replicas;
        if total > order.len() && !order.is_empty() {
            // Pad by repeating the order from its start (more than once if need be).
            let pad: Vec<usize> = order.iter().copied().cycle().take(total - len).collect();
            order.extend(pad);
        }
        order.truncate(total);
        order
            .into_iter()
            .skip(self.rank)
            .step_by(self.num_replicas)
            .collect()
    }
}
