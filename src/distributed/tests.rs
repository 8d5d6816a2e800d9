//! The logic above the collectives, in a world of one process (the `mpirun` tests are in
//! tests/distributed.rs).
use super::*;
use crate::data::Sampler;
use crate::nn::{Linear, MSELoss, Module, Parameters, ReLU, Reduction, Sequential};
use crate::shape::{Rank1, Rank2};
use crate::tensor;

#[test]
fn sampler_shards_are_disjoint_and_cover_the_data_set() {
    for len in [0usize, 1, 7, 10, 64, 1437] {
        for world in 1..=5 {
            for drop_last in [false, true] {
                let shards: Vec<Vec<usize>> = (0..world)
                    .map(|r| {
                        DistributedSampler::with_replicas(world, r)
                            .unwrap()
                            .seed(3)
                            .drop_last(drop_last)
                            .indices(2, len)
                    })
                    .collect();
                let n = shards[0].len();
                assert!(shards.iter().all(|s| s.len() == n), "unequal shards");
                let s = DistributedSampler::with_replicas(world, 0).unwrap();
                assert_eq!(n, s.drop_last(drop_last).num_samples(len));
                let mut all: Vec<usize> = shards.concat();
                all.sort_unstable();
                if drop_last {
                    assert_eq!(all.len(), len / world * world);
                    all.dedup();
                    assert_eq!(all.len(), len / world * world, "an example twice");
                } else if len > 0 {
                    assert_eq!(all.len(), len.div_ceil(world) * world);
                    all.dedup();
                    assert_eq!(all, (0..len).collect::<Vec<_>>(), "an example missed");
                }
            }
        }
    }
}

#[test]
fn sampler_matches_pytorch_padding_and_reshuffles_per_epoch() {
    // torch: DistributedSampler(range(5), num_replicas=2, rank=r, shuffle=False)
    let s = |r| {
        DistributedSampler::with_replicas(2, r)
            .unwrap()
            .shuffle(false)
    };
    assert_eq!(s(0).indices(0, 5), [0, 2, 4]);
    assert_eq!(s(1).indices(0, 5), [1, 3, 0]);
    // torch: drop_last=True over 5 examples and 2 replicas: num_samples = ceil(3 / 2) = 2
    assert_eq!(s(1).drop_last(true).indices(0, 5), [1, 3]);
    // Padding longer than the data set repeats it: 2 examples over 5 ranks.
    let r4 = DistributedSampler::with_replicas(5, 4)
        .unwrap()
        .shuffle(false);
    assert_eq!(r4.indices(0, 2), [0]);
    let shuffled = DistributedSampler::with_replicas(2, 0).unwrap().seed(7);
    assert_ne!(shuffled.indices(0, 100), shuffled.indices(1, 100));
    assert_eq!(shuffled.indices(4, 100), shuffled.indices(4, 100));
    assert!(DistributedSampler::with_replicas(2, 2).is_err());
}

#[test]
fn collectives_in_a_world_of_one() {
    let g = ProcessGroup::single();
    assert_eq!((g.rank(), g.world_size()), (0, 1));
    g.barrier();
    let t = tensor([[1.0f32, 2.0], [3.0, 4.0]]);
    assert_eq!(g.all_reduce(&t, ReduceOp::Avg).to_vec(), t.to_vec());
    assert_eq!(g.broadcast(&t, 0).to_vec(), t.to_vec());
    let all = g.all_gather(&t);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].shape(), [2, 2]);
    let ints = tensor([1i64, 2]);
    assert_eq!(g.all_reduce(&ints, ReduceOp::Max).to_vec(), [1, 2]);
    let e = g.try_all_reduce(&ints, ReduceOp::Avg).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    let e = g
        .try_all_reduce(&tensor([true]), ReduceOp::Sum)
        .unwrap_err();
    assert!(e.to_string().contains("bool"), "{e}");
    let e = g.try_broadcast(&t, 1).unwrap_err();
    assert!(e.to_string().contains("root 1"), "{e}");
}

#[test]
fn element_views_keep_type_and_length() {
    let mut v = vec![1.5f64, 2.5];
    assert!(matches!(elements(&v), Some(Elements::F64(s)) if s == [1.5, 2.5]));
    if let Some(ElementsMut::F64(s)) = elements_mut(&mut v) {
        s[0] = 9.0;
    }
    assert_eq!(v[0], 9.0);
    assert!(elements(&[true]).is_none());
}

type Net = Sequential<(Linear<3, 4>, ReLU, Linear<4, 2>)>;

#[test]
fn buckets_follow_the_cap_and_sync_keeps_gradients_in_a_world_of_one() {
    let g = ProcessGroup::single();
    // Parameters of 12, 4, 8 and 2 floats; a cap of 16 floats makes [12, 4], [8, 2].
    let model: Net = Sequential::new((Linear::new(), ReLU, Linear::new()));
    let mut ddp = DistributedDataParallel::with_bucket_cap(model, &g, 16 * 4).unwrap();
    assert_eq!(ddp.num_buckets(), 2);
    let x = crate::Tensor::<Rank2<5, 3>>::randn();
    let loss = MSELoss::new(Reduction::Mean)
        .forward(&ddp.forward(&x), &crate::Tensor::<Rank2<5, 2>>::zeros());
    loss.backward();
    let before: Vec<Vec<f32>> = ddp
        .parameters()
        .iter()
        .map(|p| p.tensor.grad_flat().unwrap().unwrap().to_vec())
        .collect();
    ddp.sync_gradients();
    let after: Vec<Vec<f32>> = ddp
        .parameters()
        .iter()
        .map(|p| p.tensor.grad_flat().unwrap().unwrap().to_vec())
        .collect();
    assert_eq!(before, after);
    // A parameter without a gradient keeps none.
    ddp.zero_grad();
    ddp.sync_gradients();
    assert!(
        ddp.parameters()
            .iter()
            .all(|p| p.tensor.grad_flat().unwrap().is_none())
    );
    // One bucket per parameter when each is over the cap.
    let model: Net = Sequential::new((Linear::new(), ReLU, Linear::new()));
    assert_eq!(
        DistributedDataParallel::with_bucket_cap(model, &g, 4)
            .unwrap()
            .num_buckets(),
        4
    );
    let model: Net = Sequential::new((Linear::new(), ReLU, Linear::new()));
    assert!(DistributedDataParallel::with_bucket_cap(model, &g, 0).is_err());
}

#[test]
fn rank0_checkpoint_is_written_whole() {
    let g = ProcessGroup::single();
    let dir = std::env::temp_dir().join(format!("typetensor_ddp_ckpt_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.safetensors");
    let model = Linear::<3, 2>::new();
    let ddp = DistributedDataParallel::new(model, &g).unwrap();
    ddp.save(&path).unwrap();
    let mut back = Linear::<3, 2>::new();
    crate::nn::load(&mut back, &path).unwrap();
    assert_eq!(back.weight.to_vec(), ddp.module().weight.to_vec());
    let _: &crate::Tensor<Rank1<2>> = back.bias.as_ref().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Rank 0 of a simulated world of two: the other rank's all-reduce contribution is set by
/// the test; it sends what rank 0 sends to gathers and takes rank 0's broadcasts.
struct OtherRank(std::cell::RefCell<Vec<f32>>);

impl Communicator for OtherRank {
    fn rank(&self) -> usize {
        0
    }
    fn world_size(&self) -> usize {
        2
    }
    fn barrier(&self) -> crate::Result<()> {
        Ok(())
    }
    fn all_reduce(
        &self,
        send: Elements<'_>,
        recv: ElementsMut<'_>,
        op: ReduceOp,
    ) -> crate::Result<()> {
        assert_eq!(op, ReduceOp::Sum);
        let (Elements::F32(s), ElementsMut::F32(r)) = (send, recv) else {
            panic!("f32 buffers expected");
        };
        let other = self.0.borrow();
        assert_eq!(other.len(), s.len(), "the simulated rank's buffer");
        for ((r, s), o) in r.iter_mut().zip(s).zip(other.iter()) {
            *r = s + o;
        }
        Ok(())
    }
    fn broadcast(&self, _buf: ElementsMut<'_>, _root: usize) -> crate::Result<()> {
        Ok(())
    }
    fn all_gather(&self, send: Elements<'_>, recv: ElementsMut<'_>) -> crate::Result<()> {
        let n = send.len();
        match (send, recv) {
            (Elements::I64(s), ElementsMut::I64(r)) => {
                r.chunks_mut(n).for_each(|c| c.copy_from_slice(s))
            }
            (Elements::U8(s), ElementsMut::U8(r)) => {
                r.chunks_mut(n).for_each(|c| c.copy_from_slice(s))
            }
            _ => panic!("unexpected gather"),
        }
        Ok(())
    }
}

fn grad_of(p: &crate::nn::ParamRef<'_>) -> Option<Vec<f32>> {
    p.tensor.grad_flat().unwrap().map(|g| g.to_vec())
}

#[test]
fn sync_averages_with_the_other_ranks_and_fills_in_missing_gradients() {
    let other = std::rc::Rc::new(OtherRank(std::cell::RefCell::new(Vec::new())));
    struct Shared(std::rc::Rc<OtherRank>);
    impl Communicator for Shared {
        fn rank(&self) -> usize {
            self.0.rank()
        }
        fn world_size(&self) -> usize {
            self.0.world_size()
        }
        fn barrier(&self) -> crate::Result<()> {
            self.0.barrier()
        }
        fn all_reduce(
            &self,
            s: Elements<'_>,
            r: ElementsMut<'_>,
            op: ReduceOp,
        ) -> crate::Result<()> {
            self.0.all_reduce(s, r, op)
        }
        fn broadcast(&self, b: ElementsMut<'_>, root: usize) -> crate::Result<()> {
            self.0.broadcast(b, root)
        }
        fn all_gather(&self, s: Elements<'_>, r: ElementsMut<'_>) -> crate::Result<()> {
            self.0.all_gather(s, r)
        }
    }
    let group = ProcessGroup::new(Shared(other.clone()));
    let model = Linear::<2, 1>::from_weights(tensor([[0.5f32, 0.5]]), Some(tensor([0.0f32])));
    let mut ddp = DistributedDataParallel::new(model, &group).unwrap();
    assert_eq!(ddp.num_buckets(), 1);
    // This rank: weight grad [1, 2], no bias grad. The other: [3, 4] and bias grad 5.
    // Bucket layout: weight, bias, then one flag per parameter.
    ddp.module().weight.set_grad(Some(&tensor([[1.0f32, 2.0]])));
    *other.0.borrow_mut() = vec![3.0, 4.0, 5.0, 1.0, 1.0];
    ddp.sync_gradients();
    let grads: Vec<_> = ddp.parameters().iter().map(grad_of).collect();
    assert_eq!(grads, [Some(vec![2.0, 3.0]), Some(vec![2.5])]);
    // No rank has a bias gradient: it stays None.
    ddp.zero_grad();
    ddp.module().weight.set_grad(Some(&tensor([[1.0f32, 1.0]])));
    *other.0.borrow_mut() = vec![1.0, 3.0, 0.0, 1.0, 0.0];
    ddp.sync_gradients();
    let grads: Vec<_> = ddp.parameters().iter().map(grad_of).collect();
    assert_eq!(grads, [Some(vec![1.0, 2.0]), None]);
    // The other rank failed to read its gradients (its poison flag): an Err here too, and
    // this rank's gradients are left as they were.
    *other.0.borrow_mut() = vec![0.0, 0.0, 0.0, -4.0, 0.0];
    let e = ddp.try_sync_gradients().unwrap_err();
    assert!(e.to_string().contains("another rank"), "{e}");
    let grads: Vec<_> = ddp.parameters().iter().map(grad_of).collect();
    assert_eq!(grads, [Some(vec![1.0, 2.0]), None]);
}

#[test]
fn averaging_writes_a_new_buffer_when_the_old_gradient_is_shared() {
    let other = OtherRank(std::cell::RefCell::new(vec![3.0, 4.0, 1.0]));
    let group = ProcessGroup::new(other);
    let mut ddp = DistributedDataParallel::new(Linear::<2, 1>::no_bias(), &group).unwrap();
    ddp.module().weight.set_grad(Some(&tensor([[1.0f32, 2.0]])));
    let held = ddp.module().weight.grad().unwrap(); // the user keeps the old gradient
    ddp.sync_gradients();
    assert_eq!(held.to_vec(), [1.0, 2.0]);
    assert_eq!(ddp.module().weight.grad().unwrap().to_vec(), [2.0, 3.0]);
}
