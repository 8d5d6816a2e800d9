//! The batching iterator: every example once per epoch, shuffles that differ across epochs
//! and repeat with the seed, batch sizes, views for consecutive rows, bad samplers.
use std::collections::HashSet;

use super::*;
use crate::device::Cpu;
use crate::ops::index::IndexKernel;
use crate::{Rank1, Rank2};

fn dataset(n: usize) -> TensorDataset<(Tensor<Rank2<DYN, 3>>, Tensor<Rank1<DYN>, i64>)> {
    let x = Tensor::<Rank2<DYN, 3>>::from_vec((0..n * 3).map(|v| v as f32).collect()).unwrap();
    let y = Tensor::<Rank1<DYN>, i64>::from_vec((0..n as i64).collect()).unwrap();
    TensorDataset::new((x, y)).unwrap()
}

/// The example ids of a batch, checking that its x rows belong to its y ids.
fn ids(x: &Tensor<Rank2<DYN, 3>>, y: &Tensor<Rank1<DYN>, i64>) -> Vec<usize> {
    let (xv, yv) = (x.to_vec(), y.to_vec());
    for (row, &id) in xv.chunks(3).zip(&yv) {
        let id = id as f32;
        assert_eq!(row, [id * 3.0, id * 3.0 + 1.0, id * 3.0 + 2.0]);
    }
    yv.iter().map(|&v| v as usize).collect()
}

#[test]
fn every_example_once_per_epoch_with_a_smaller_last_batch() {
    let ds = dataset(3000);
    let loader = DataLoader::<128, _>::new(&ds).shuffle(7);
    assert_eq!(loader.len(), 24);
    for epoch in 0..3 {
        let mut seen = HashSet::new();
        let mut sizes = Vec::new();
        for (x, y) in loader.epoch(epoch) {
            sizes.push(x.shape()[0]);
            for id in ids(&x, &y) {
                assert!(seen.insert(id), "example {id} seen twice");
            }
        }
        assert_eq!(seen.len(), 3000);
        assert_eq!(sizes.len(), 24);
        assert!(sizes[..23].iter().all(|&s| s == 128));
        assert_eq!(sizes[23], 3000 - 23 * 128);
    }
}

#[test]
fn shuffles_differ_across_epochs_and_repeat_with_the_seed() {
    let ds = dataset(50);
    let order = |seed, epoch| -> Vec<usize> {
        let loader = DataLoader::<8, _>::new(&ds).shuffle(seed);
        loader.epoch(epoch).flat_map(|(x, y)| ids(&x, &y)).collect()
    };
    assert_eq!(order(1, 0), order(1, 0));
    assert_ne!(order(1, 0), order(1, 1));
    assert_ne!(order(1, 0), order(2, 0));
    let sorted: Vec<usize> = (0..50).collect();
    assert_ne!(order(1, 0), sorted);
    let plain: Vec<usize> = DataLoader::<8, _>::new(&ds)
        .epoch(5)
        .flat_map(|(x, y)| ids(&x, &y))
        .collect();
    assert_eq!(plain, sorted);
}

#[test]
fn full_batches_are_static_and_drop_the_rest() {
    let ds = dataset(20);
    let loader = ds.loader::<6>().shuffle(3);
    let mut n = 0;
    let mut seen = HashSet::new();
    for (x, y) in loader.full_batches(0) {
        let (x, y): (Tensor<Rank2<6, 3>>, Tensor<Rank1<6>, i64>) = (x, y);
        for id in ids(&x.to_dyn::<0>(), &y.to_dyn::<0>()) {
            assert!(seen.insert(id));
        }
        n += 1;
    }
    assert_eq!(n, 3);
    assert_eq!(seen.len(), 18);
    assert_eq!(loader.try_full_batches(0).len(), 3);
    assert_eq!(loader.try_epoch(0).len(), 4);
}

#[test]
fn sequential_batches_are_views_shuffled_ones_copies() {
    let ds = dataset(10);
    let (x, _) = ds.tensors();
    let seq: Vec<_> = ds.loader::<4>().epoch(0).collect();
    assert!(std::sync::Arc::ptr_eq(&seq[1].0.storage, &x.storage));
    assert_eq!(seq[2].0.shape(), [2, 3]);
    let shuffled: Vec<_> = ds.loader::<4>().shuffle(0).epoch(0).collect();
    assert!(!std::sync::Arc::ptr_eq(&shuffled[0].0.storage, &x.storage));
    let all = ds.all().unwrap();
    assert_eq!(all.0.shape(), [10, 3]);
}

#[test]
fn mismatched_lengths_and_bad_samplers_are_errors() {
    let x = Tensor::<Rank2<DYN, 3>>::zeros_dims(&[4, 3]).unwrap();
    let y = Tensor::<Rank1<DYN>, i64>::zeros_dims(&[5]).unwrap();
    let err = TensorDataset::new((x, y)).unwrap_err();
    assert!(err.to_string().contains("same number of examples"), "{err}");

    struct Past;
    impl Sampler for Past {
        fn indices(&self, _: u64, len: usize) -> Vec<usize> {
            vec![0, len]
        }
    }
    let ds = dataset(4);
    let loader = ds.loader::<2>().sampler(Past);
    let first = loader.try_epoch(0).next().unwrap();
    assert!(matches!(
        first,
        Err(Error::IndexOutOfRange { index: 4, size: 4 })
    ));
    assert_eq!(loader.try_epoch(0).count(), 1);
}

#[test]
fn gathers_rows_of_non_contiguous_tensors() {
    let x = crate::tensor([[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]])
        .t()
        .to_dyn::<0>(); // [3, 2]
    let ds = TensorDataset::new(x).unwrap();
    let loader = ds.loader::<2>().sampler(RandomSampler { seed: 0 });
    let rows: Vec<Vec<f32>> = loader.epoch(0).map(|b| b.to_vec()).collect();
    let mut all: Vec<f32> = rows.concat();
    all.sort_by(f32::total_cmp);
    assert_eq!(all, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    let direct = Cpu.gather_rows(
        &vec![0.0f32; 0],
        &crate::layout::Layout::contiguous(crate::shape::Dims::from_array([0, 2])),
        &[0],
    );
    assert!(direct.is_err());
}
