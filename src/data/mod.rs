//! Data sets and mini-batches: PyTorch's `TensorDataset` and `DataLoader`.
//!
//! A [`TensorDataset`] holds tensors whose dimension 0 indexes examples, usually of a
//! run-time length ([`DYN`], say a file read with `read_npy`). A [`DataLoader`] cuts it into
//! batches of `B` examples, in order or shuffled anew each epoch from a seed:
//!
//! - [`DataLoader::epoch`] yields every example once; the batches have a run-time size
//!   (`Rank2<DYN, 4>`) because the last one may be smaller (`drop_last=False`);
//! - [`DataLoader::full_batches`] drops the last, incomplete batch (`drop_last=True`), so
//!   every batch has the static type `Rank2<B, 4>`.
//!
//! ```
//! use typetensor::data::{DataLoader, TensorDataset};
//! use typetensor::{DYN, Rank1, Rank2, Tensor};
//! let x = Tensor::<Rank2<DYN, 4>>::zeros_dims(&[10, 4]).unwrap();
//! let y = Tensor::<Rank1<DYN>, i64>::zeros_dims(&[10]).unwrap();
//! let dataset = TensorDataset::new((x, y)).unwrap(); // TensorDataset(x, y)
//! // DataLoader(dataset, batch_size=4, shuffle=True)
//! let loader = DataLoader::<4, _>::new(&dataset).shuffle(0);
//! let sizes: Vec<usize> = loader.epoch(0).map(|(xb, _yb)| xb.shape()[0]).collect();
//! assert_eq!(sizes, [4, 4, 2]);
//! // drop_last=True: every batch is a Tensor<Rank2<4, 4>>
//! for (xb, yb) in loader.full_batches(0) {
//!     let _: (Tensor<Rank2<4, 4>>, Tensor<Rank1<4>, i64>) = (xb, yb);
//! }
//! ```
//!
//! Gathering a shuffled batch copies its rows (one allocation per tensor, the batch
//! itself); batches of consecutive rows (no shuffle) are views of the data set, no copy.
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::Result;
use crate::device::Device;
use crate::dtype::Dtype;
use crate::error::Error;
use crate::shape::{DYN, Rank1, Rank2, Rank3, Rank4, Shape};
use crate::tensor::{Tensor, expect_device};

#[cfg(test)]
mod tests;

/// Shapes whose dimension 0 indexes examples, and the shape of `B` of them.
#[diagnostic::on_unimplemented(
    message = "a `{Self}` tensor has no dimension 0 to index examples by",
    note = "data set tensors have rank 1 to 4; dimension 0 is the example"
)]
pub trait Examples: Shape {
    /// The shape of a batch of `B` examples (`B` may be [`DYN`]).
    type Batch<const B: usize>: Shape;
}
impl<const A: usize> Examples for Rank1<A> {
    type Batch<const B: usize> = Rank1<B>;
}
impl<const A: usize, const X: usize> Examples for Rank2<A, X> {
    type Batch<const B: usize> = Rank2<B, X>;
}
impl<const A: usize, const X: usize, const Y: usize> Examples for Rank3<A, X, Y> {
    type Batch<const B: usize> = Rank3<B, X, Y>;
}
impl<const A: usize, const X: usize, const Y: usize, const Z: usize> Examples
    for Rank4<A, X, Y, Z>
{
    type Batch<const B: usize> = Rank4<B, X, Y, Z>;
}

/// What a data set holds: one tensor, or a tuple of tensors (inputs, targets, ...) with
/// the same number of examples.
pub trait Columns {
    /// `B` examples of every tensor.
    type Batch<const B: usize>;
    /// The number of examples of each tensor, in order.
    fn lens(&self) -> Vec<usize>;
    /// The examples `rows` (each in range) of every tensor; `B` is `rows.len()` or [`DYN`].
    fn try_gather<const B: usize>(&self, rows: &[usize]) -> Result<Self::Batch<B>>;
}

impl<S: Examples, E: Dtype, D: Device> Columns for Tensor<S, E, D> {
    type Batch<const B: usize> = Tensor<S::Batch<B>, E, D>;

    fn lens(&self) -> Vec<usize> {
        vec![self.dims()[0]]
    }

    fn try_gather<const B: usize>(&self, rows: &[usize]) -> Result<Self::Batch<B>> {
        let mut d = self.dims().as_slice().to_vec();
        d[0] = rows.len();
        let dims = crate::shape::Dims::new(&d).unwrap_or(self.dims());
        let shape = S::Batch::<B>::from_dims(&dims).ok_or_else(|| Error::IncompatibleShapes {
            op: "DataLoader",
            lhs: dims.as_slice().to_vec(),
            rhs: S::Batch::<B>::TYPE_DIMS.to_vec(),
            rule: "a batch has the loader's batch size",
        })?;
        let consecutive = rows.windows(2).all(|w| w[1] == w[0] + 1);
        if let (true, Some(&first)) = (consecutive, rows.first()) {
            // A run of rows is a view: no copy.
            let layout = self.layout.narrow(0, first, rows.len());
            return Ok(self.view_as(shape, layout));
        }
        let storage = self.device.gather_rows(&self.storage, &self.layout, rows)?;
        Ok(Tensor::from_storage(storage, shape, self.device.clone()))
    }
}

macro_rules! tuple_columns {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Columns),+> Columns for ($($t,)+) {
            type Batch<const B: usize> = ($($t::Batch<B>,)+);
            fn lens(&self) -> Vec<usize> {
                let mut all = Vec::new();
                $(all.extend(self.$i.lens());)+
                all
            }
            fn try_gather<const B: usize>(&self, rows: &[usize]) -> Result<Self::Batch<B>> {
                Ok(($(self.$i.try_gather::<B>(rows)?,)+))
            }
        }
    };
}
tuple_columns!(T0 0);
tuple_columns!(T0 0, T1 1);
tuple_columns!(T0 0, T1 1, T2 2);
tuple_columns!(T0 0, T1 1, T2 2, T3 3);

/// Tensors indexed together by their dimension 0: `torch.utils.data.TensorDataset`.
#[derive(Clone, Debug)]
pub struct TensorDataset<T> {
    columns: T,
    len: usize,
}

impl<T: Columns> TensorDataset<T> {
    /// `TensorDataset(x, y)`: `Err` if the tensors hold different numbers of examples.
    pub fn new(columns: T) -> Result<Self> {
        let lens = columns.lens();
        let len = lens.first().copied().unwrap_or(0);
        if let Some(&other) = lens.iter().find(|&&l| l != len) {
            return Err(Error::IncompatibleShapes {
                op: "TensorDataset",
                lhs: vec![len],
                rhs: vec![other],
                rule: "every tensor must hold the same number of examples (dimension 0)",
            });
        }
        Ok(TensorDataset { columns, len })
    }

    /// The number of examples: `len(dataset)`.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the data set has no examples.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The tensors.
    pub fn tensors(&self) -> &T {
        &self.columns
    }

    /// All examples as one batch of run-time size (for evaluating on the whole set): views,
    /// no copy.
    pub fn all(&self) -> Result<T::Batch<DYN>> {
        let rows: Vec<usize> = (0..self.len).collect();
        self.columns.try_gather::<DYN>(&rows)
    }

    /// A loader of batches of `B` examples (see [`DataLoader`]).
    pub fn loader<const B: usize>(&self) -> DataLoader<'_, B, T> {
        DataLoader::new(self)
    }
}

/// The order in which a loader visits examples, epoch by epoch.
pub trait Sampler: Send + Sync {
    /// The example indices for `epoch` of a data set of `len` examples. A loader visits
    /// them in this order; each must be `< len`.
    fn indices(&self, epoch: u64, len: usize) -> Vec<usize>;
}

/// Examples in order, every epoch (`shuffle=False`).
#[derive(Clone, Copy, Debug, Default)]
pub struct SequentialSampler;

impl Sampler for SequentialSampler {
    fn indices(&self, _epoch: u64, len: usize) -> Vec<usize> {
        (0..len).collect()
    }
}

/// A new random permutation each epoch, from `seed` and the epoch number (`shuffle=True`
/// with a seeded generator): the same seed and epoch give the same order on every run.
#[derive(Clone, Copy, Debug)]
pub struct RandomSampler {
    /// The seed.
    pub seed: u64,
}

impl Sampler for RandomSampler {
    fn indices(&self, epoch: u64, len: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..len).collect();
        // `seed + epoch`, as PyTorch's DistributedSampler: a different order every epoch.
        let mut rng = StdRng::seed_from_u64(self.seed.wrapping_add(epoch));
        order.shuffle(&mut rng);
        order
    }
}

/// Batches of `B` examples of a [`TensorDataset`]: `torch.utils.data.DataLoader`.
pub struct DataLoader<'a, const B: usize, T> {
    dataset: &'a TensorDataset<T>,
    sampler: Box<dyn Sampler + 'a>,
}

impl<'a, const B: usize, T: Columns> DataLoader<'a, B, T> {
    /// `DataLoader(dataset, batch_size=B)`: in order, keeping the last, smaller batch.
    pub fn new(dataset: &'a TensorDataset<T>) -> Self {
        const {
            assert!(
                B > 0 && B != DYN,
                "a DataLoader's batch size B is a static size > 0"
            );
        }
        DataLoader {
            dataset,
            sampler: Box::new(SequentialSampler),
        }
    }

    /// `shuffle=True`: a new order each epoch from `seed` (see [`RandomSampler`]).
    pub fn shuffle(self, seed: u64) -> Self {
        self.sampler(RandomSampler { seed })
    }

    /// Visits examples in the order `sampler` gives (`DataLoader(sampler=...)`).
    pub fn sampler(mut self, sampler: impl Sampler + 'a) -> Self {
        self.sampler = Box::new(sampler);
        self
    }

    /// The data set.
    pub fn dataset(&self) -> &'a TensorDataset<T> {
        self.dataset
    }

    /// The number of batches an epoch has: `len(loader)` (counting the last, smaller one).
    pub fn len(&self) -> usize {
        self.order_len(0).div_ceil(B)
    }

    /// Whether an epoch has no batches.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn order_len(&self, epoch: u64) -> usize {
        self.sampler.indices(epoch, self.dataset.len).len()
    }

    /// The batches of `epoch`, every example once; the last batch is smaller when `B` does
    /// not divide the data set, so batches have a run-time size (`drop_last=False`).
    /// Panics if the device fails (see [`try_epoch`](Self::try_epoch)).
    pub fn epoch(&self, epoch: u64) -> impl Iterator<Item = T::Batch<DYN>> + '_ {
        self.try_epoch(epoch).map(expect_device)
    }

    /// [`epoch`](Self::epoch) with errors returned: a device failure, or a sampler that
    /// gave an index past the end of the data set.
    pub fn try_epoch(&self, epoch: u64) -> Batches<'_, T, B, DYN> {
        Batches::new(&self.dataset.columns, self.checked_order(epoch), false)
    }

    /// The full batches of `epoch`, each of the static size `B`; the examples left over
    /// at the end are skipped (`drop_last=True`). Panics if the device fails (see
    /// [`try_full_batches`](Self::try_full_batches)).
    pub fn full_batches(&self, epoch: u64) -> impl Iterator<Item = T::Batch<B>> + '_ {
        self.try_full_batches(epoch).map(expect_device)
    }

    /// [`full_batches`](Self::full_batches) with errors returned.
    pub fn try_full_batches(&self, epoch: u64) -> Batches<'_, T, B, B> {
        Batches::new(&self.dataset.columns, self.checked_order(epoch), true)
    }

    /// The sampler's order, checked: a sampler is user code, and an index past the end
    /// would otherwise reach a kernel.
    fn checked_order(&self, epoch: u64) -> Result<Vec<usize>> {
        let len = self.dataset.len;
        let order = self.sampler.indices(epoch, len);
        match order.iter().find(|&&i| i >= len) {
            Some(&bad) => Err(Error::IndexOutOfRange {
                index: i64::try_from(bad).unwrap_or(i64::MAX),
                size: len,
            }),
            None => Ok(order),
        }
    }
}

/// The batches of one epoch: `Tensor`s of `OUT` examples (`DYN` when the last batch may be
/// smaller, `B` when it is dropped).
pub struct Batches<'a, T, const B: usize, const OUT: usize> {
    columns: &'a T,
    order: Vec<usize>,
    pos: usize,
    drop_last: bool,
    error: Option<Error>,
}

impl<'a, T: Columns, const B: usize, const OUT: usize> Batches<'a, T, B, OUT> {
    fn new(columns: &'a T, order: Result<Vec<usize>>, drop_last: bool) -> Self {
        let (order, error) = match order {
            Ok(o) => (o, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        Batches {
            columns,
            order,
            pos: 0,
            drop_last,
            error,
        }
    }
}

impl<T: Columns, const B: usize, const OUT: usize> Iterator for Batches<'_, T, B, OUT> {
    type Item = Result<T::Batch<OUT>>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(e) = self.error.take() {
            return Some(Err(e));
        }
        let left = self.order.len() - self.pos;
        if left == 0 || (self.drop_last && left < B) {
            return None;
        }
        let end = self.pos + left.min(B);
        let rows = &self.order[self.pos..end];
        self.pos = end;
        Some(self.columns.try_gather::<OUT>(rows))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.order.len() - self.pos;
        let n = if self.drop_last {
            left / B
        } else {
            left.div_ceil(B)
        } + usize::from(self.error.is_some());
        (n, Some(n))
    }
}

impl<T: Columns, const B: usize, const OUT: usize> ExactSizeIterator for Batches<'_, T, B, OUT> {}
