//! Run-time dimensions (`DYN`) in every op family, on every device: each op computed on a
//! tensor whose batch (or another) dimension is a run-time size gives, bit for bit, the
//! result of the same op on the static shape; two run-time sizes that disagree give `Err`
//! from the `try_` form (never wrong data) and a panic with the same message from the
//! infallible form. Also: printing, `.npy`, safetensors and the ndarray bridge with run-time
//! shapes, and training the lesson's network on a run-time batch.
use typetensor::autograd::no_grad;
use typetensor::nn::{Linear, MSELoss, Module, ReLU, Reduction, Sequential, ToDevice};
use typetensor::optim::{Adam, Optimizer};
use typetensor::{
    Cpu, Cuda, DYN, Device, Dim, Dtype, Error, Infer, Rank0, Rank1, Rank2, Rank3, Shape, Tensor,
    manual_seed, tensor,
};

mod common;

/// `got` (with run-time dims) has the dims and the exact bits of `want` (static dims).
#[track_caller]
fn same<S1: Shape, S2: Shape, E: Dtype + PartialEq + std::fmt::Debug, D: Device>(
    what: &str,
    got: &Tensor<S1, E, D>,
    want: &Tensor<S2, E, D>,
) {
    assert_eq!(got.shape(), want.shape(), "{what}: shape");
    let (g, w) = (got.to_vec(), want.to_vec());
    let bits = |v: &[E]| format!("{v:?}");
    assert_eq!(bits(&g), bits(&w), "{what}: values");
}

/// The error of a mismatch names the op and both shapes.
#[track_caller]
fn mismatch<T: std::fmt::Debug>(what: &str, r: typetensor::Result<T>, op: &str) {
    match r {
        Err(e @ Error::IncompatibleShapes { .. }) => {
            let m = e.to_string();
            assert!(m.starts_with(&format!("{op}: shapes [")), "{what}: {m}");
        }
        other => panic!("{what}: expected a shape error, got {other:?}"),
    }
}

fn inputs<D: Device>(d: &D) -> (Tensor<Rank2<5, 4>, f32, D>, Tensor<Rank2<5, 4>, f32, D>) {
    manual_seed(3);
    (
        Tensor::<Rank2<5, 4>>::randn().to_device(d),
        Tensor::<Rank2<5, 4>>::randn().to_device(d),
    )
}

fn arith<D: Device>(d: &D) {
    let (a, b) = inputs(d);
    let (da, db) = (a.to_dyn::<0>(), b.to_dyn::<0>());
    let bias: Tensor<Rank1<4>, f32, D> = tensor([1.0f32, -2.0, 3.0, 0.5]).to_device(d);
    same("add", &(&da + &db), &(&a + &b));
    same("sub", &da.sub(&db), &a.sub(&b));
    same("mul", &da.mul(&db), &a.mul(&b));
    same("div", &(&da / &db), &(&a / &b));
    same("maximum", &da.maximum(&db), &a.maximum(&b));
    same("bias", &(&da + &bias), &(&a + &bias));
    same("scalar", &(&da * 2.5), &(&a * 2.5));
    let mut inplace = da.clone();
    inplace.add_(&db);
    same("add_", &inplace, &(&a + &b));
    inplace -= &bias;
    same("-= bias", &inplace, &(&(&a + &b) - &bias));
    let mut out = Tensor::<Rank2<DYN, 4>, f32, D>::try_full_dims_on(&[5, 4], 0.0, d).unwrap();
    da.add_out(&db, &mut out);
    same("add_out", &out, &(&a + &b));
    let short = da.narrow::<0, 0, 3>().to_dyn::<0>();
    mismatch("add", da.try_add(&short), "add");
    mismatch("add_", inplace.try_add_(&short).map(|_| ()), "add");
    mismatch("add_out", short.try_add_out(&db, &mut out), "add");
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| &da + &short));
    let msg = panic.expect_err("the operator panics");
    let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("add: shapes [5, 4] and [3, 4] do not fit"),
        "{msg}"
    );
}

fn compare_copy<D: Device>(d: &D) {
    let (a, b) = inputs(d);
    let (da, db) = (a.to_dyn::<0>(), b.to_dyn::<0>());
    same("lt", &da.lt(&db), &a.lt(&b));
    let mask = da.lt_scalar(0.0);
    same(
        "masked_fill",
        &da.masked_fill(&mask, 7.0),
        &a.masked_fill(&a.lt_scalar(0.0), 7.0),
    );
    same(
        "where",
        &da.where_(&mask, &db),
        &a.where_(&a.lt_scalar(0.0), &b),
    );
    let mut c = db.clone();
    c.copy_(&da);
    same("copy_", &c, &a);
    same("to_dtype", &da.to_dtype::<f64>(), &a.to_dtype::<f64>());
    same(
        "t().contiguous()",
        &da.t().contiguous(),
        &a.t().contiguous(),
    );
    let short = da.narrow::<0, 1, 4>().to_dyn::<0>();
    mismatch("lt", da.try_lt(&short), "lt");
    mismatch(
        "masked_fill",
        da.try_masked_fill(&short.lt_scalar(0.0), 0.0),
        "masked_fill",
    );
    mismatch("where", da.try_where_(&mask, &short), "where");
    mismatch("copy_", c.try_copy_(&short).map(|_| ()), "copy_");
}

fn matmul_reduce<D: Device>(d: &D) {
    let (a, _) = inputs(d);
    let da = a.to_dyn::<0>();
    manual_seed(4);
    let w = Tensor::<Rank2<4, 3>>::randn().to_device(d);
    same("mm", &da.mm(&w), &a.mm(&w));
    same("x^T x", &da.t().mm(&da), &a.t().mm(&a));
    let dw = w.to_dyn::<0>();
    same(
        "mm with the inner dim run-time",
        &a.to_dyn::<1>().mm(&dw),
        &a.mm(&w),
    );
    mismatch(
        "mm inner",
        a.to_dyn::<1>()
            .try_mm(&dw.narrow::<0, 0, 3>().to_dyn::<0>()),
        "mm",
    );
    let batch = Tensor::<Rank3<2, 5, 4>>::randn().to_device(d);
    same(
        "batched matmul",
        &batch.to_dyn::<0>().matmul(&w),
        &batch.matmul(&w),
    );
    let other = Tensor::<Rank3<2, 4, 3>>::randn().to_device(d);
    mismatch(
        "matmul batch",
        batch
            .to_dyn::<0>()
            .try_matmul(&other.narrow::<0, 0, 1>().to_dyn::<0>()),
        "matmul",
    );
    same("sum", &da.sum(), &a.sum());
    same("mean", &da.mean(), &a.mean());
    same("sum_dim 0", &da.sum_dim::<0>(), &a.sum_dim::<0>());
    same("sum_dim 1", &da.sum_dim::<1>(), &a.sum_dim::<1>());
    same(
        "mean_dim_keepdim",
        &da.mean_dim_keepdim::<0>(),
        &a.mean_dim_keepdim::<0>(),
    );
    same("max_dim", &da.max_dim::<1>(), &a.max_dim::<1>());
    same("argmax_dim", &da.argmax_dim::<1>(), &a.argmax_dim::<1>());
    let empty = Tensor::<Rank2<DYN, 4>, f32, D>::try_full_dims_on(&[0, 4], 0.0, d).unwrap();
    assert!(
        empty.try_max_dim::<0>().is_err(),
        "max over a run-time size of 0"
    );
}

fn shapes<D: Device>(d: &D) {
    let (a, b) = inputs(d);
    let da = a.to_dyn::<0>();
    same(
        "view",
        &da.view::<(Infer, Dim<2>)>(),
        &a.view::<(Infer, Dim<2>)>(),
    );
    same(
        "view to DYN",
        &a.view::<Rank2<DYN, 2>>(),
        &a.view::<Rank2<10, 2>>(),
    );
    same(
        "view to static",
        &da.view::<Rank1<20>>(),
        &a.view::<Rank1<20>>(),
    );
    same("flatten", &da.flatten(), &a.flatten());
    same("unsqueeze", &da.unsqueeze::<1>(), &a.unsqueeze::<1>());
    same("transpose", &da.transpose::<0, 1>(), &a.transpose::<0, 1>());
    same(
        "permute",
        &da.unsqueeze::<0>().permute::<2, 0, 1>(),
        &a.unsqueeze::<0>().permute::<2, 0, 1>(),
    );
    same("narrow", &da.narrow::<0, 1, 3>(), &a.narrow::<0, 1, 3>());
    same(
        "slice_from",
        &da.slice_from::<0, 2>(),
        &a.slice_from::<0, 2>(),
    );
    same("cat", &da.cat::<0, _>(&b.to_dyn::<0>()), &a.cat::<0, _>(&b));
    same(
        "cat static onto run-time",
        &da.cat::<0, _>(&b),
        &a.cat::<0, _>(&b),
    );
    same(
        "cat along a static dim",
        &da.cat::<1, _>(&b.to_dyn::<0>()),
        &a.cat::<1, _>(&b),
    );
    let idx: Tensor<Rank1<DYN>, i64, D> = Tensor::from_vec_on(vec![4, 0, 4], d).unwrap();
    same(
        "index_select with run-time indices",
        &da.index_select::<0, DYN>(&idx).unwrap(),
        &a.index_select::<0, 3>(&tensor([4i64, 0, 4]).to_device(d))
            .unwrap(),
    );
    assert!(
        da.index_select::<0, DYN>(&Tensor::from_vec_on(vec![5], d).unwrap())
            .is_err()
    );
    mismatch("narrow past the end", da.try_narrow::<0, 3, 3>(), "narrow");
    mismatch(
        "slice_from past the end",
        da.try_slice_from::<0, 6>(),
        "slice_from",
    );
    mismatch("view", da.try_view::<Rank2<DYN, 3>>(), "view");
    mismatch(
        "view to static",
        da.narrow::<0, 0, 4>().to_dyn::<0>().try_view::<Rank1<20>>(),
        "view",
    );
    mismatch(
        "cat",
        da.try_cat::<1, _>(&b.narrow::<0, 0, 2>().to_dyn::<0>()),
        "cat",
    );
    mismatch(
        "into_shape",
        da.try_into_shape::<Rank2<6, 4>>(),
        "into_shape",
    );
    same("into_shape", &da.into_shape::<Rank2<5, 4>>(), &a);
}

fn unary<D: Device>(d: &D) {
    let (a, _) = inputs(d);
    let da = a.to_dyn::<0>();
    same("relu", &da.relu(), &a.relu());
    same("exp", &da.exp(), &a.exp());
    same("pow", &da.pow(2.0), &a.pow(2.0));
    same(
        "clamp",
        &da.clamp(Some(-0.5), Some(0.5)),
        &a.clamp(Some(-0.5), Some(0.5)),
    );
    same("sigmoid", &da.sigmoid(), &a.sigmoid());
    same("neg", &(-&da), &(-&a));
    same("abs", &da.abs(), &a.abs());
}

fn training<D: Device>(d: &D) {
    // The lesson's network (stage 10) on a run-time batch and on the static one, from the
    // same weights and data: identical losses, step after step.
    manual_seed(5);
    let x = Tensor::<Rank2<16, 10>>::randn().to_device(d);
    let y = Tensor::<Rank2<16, 3>>::randn().to_device(d);
    let model = Sequential::new((Linear::<10, 8>::new(), ReLU, Linear::<8, 3>::new()));
    let mut fixed = model.to_device(d);
    let mut run_time = model.to_device(d);
    let loss_fn = MSELoss::new(Reduction::Sum);
    let (mut opt_a, mut opt_b) = (Adam::new(1e-2), Adam::new(1e-2));
    let (dx, dy) = (x.to_dyn::<0>(), y.to_dyn::<0>());
    for _ in 0..5 {
        let la = loss_fn.forward(&fixed.forward(&x), &y);
        let lb = loss_fn.forward(&run_time.forward(&dx), &dy);
        assert_eq!(la.item().to_bits(), lb.item().to_bits());
        opt_a.zero_grad(&fixed);
        opt_b.zero_grad(&run_time);
        la.backward();
        lb.backward();
        opt_a.step(&mut fixed);
        opt_b.step(&mut run_time);
    }
    let short = dy.narrow::<0, 0, 4>().to_dyn::<0>();
    mismatch(
        "MSELoss",
        loss_fn.try_forward(&run_time.forward(&dx), &short),
        "sub",
    );
    // One example and the whole set through the same model.
    let one = no_grad(|| run_time.forward(&dx.narrow::<0, 0, 1>().to_dyn::<0>()));
    assert_eq!(one.shape(), [1, 3]);
}

fn classification<D: Device>(d: &D) {
    use typetensor::nn::functional as F;
    manual_seed(6);
    let logits = Tensor::<Rank2<6, 5>>::randn().to_device(d);
    let target: Tensor<Rank1<6>, i64, D> = tensor([0i64, 4, 2, 2, 1, 3]).to_device(d);
    let (dl, dt) = (logits.to_dyn::<0>(), target.to_dyn::<0>());
    same("softmax", &dl.softmax::<1>(), &logits.softmax::<1>());
    same(
        "log_softmax over the run-time axis",
        &dl.log_softmax::<0>(),
        &logits.log_softmax::<0>(),
    );
    same("logsumexp", &dl.logsumexp::<1>(), &logits.logsumexp::<1>());
    same(
        "cross_entropy",
        &F::cross_entropy(&dl, &dt),
        &F::cross_entropy(&logits, &target),
    );
    same(
        "nll_loss",
        &F::nll_loss(&dl.log_softmax::<1>(), &dt),
        &F::nll_loss(&logits.log_softmax::<1>(), &target),
    );
    let idx: Tensor<Rank2<6, 1>, i64, D> = target.unsqueeze::<1>();
    same(
        "gather",
        &dl.gather::<1, _>(&idx.to_dyn::<0>()),
        &logits.gather::<1, _>(&idx),
    );
    same("gelu", &F::gelu(&dl), &F::gelu(&logits));
    let short = dt.narrow::<0, 0, 4>().to_dyn::<0>();
    assert!(
        F::try_cross_entropy(&dl, &short).is_err(),
        "batch sizes differ"
    );
}

fn norm_and_embedding<D: Device>(d: &D) {
    use typetensor::nn::{BatchNorm1d, Embedding, LayerNorm};
    manual_seed(7);
    let x = Tensor::<Rank2<6, 4>>::randn().to_device(d);
    let dx = x.to_dyn::<0>();
    let ln = LayerNorm::<4>::new().to_device(d);
    same("LayerNorm", &ln.forward(&dx), &ln.forward(&x));
    let bn = BatchNorm1d::<4>::new().to_device(d);
    same("BatchNorm1d", &bn.forward(&dx), &bn.forward(&x));
    let emb = Embedding::<10, 3>::new().to_device(d);
    let ids: Tensor<Rank1<5>, i64, D> = tensor([1i64, 9, 0, 9, 4]).to_device(d);
    same(
        "Embedding",
        &emb.forward(&ids.to_dyn::<0>()),
        &emb.forward(&ids),
    );
}

macro_rules! dyn_tests {
    ($name:ident, $make:expr) => {
        common::device_tests!($name, $make, super: [
            arith,
            compare_copy,
            matmul_reduce,
            shapes,
            unary,
            training,
            classification,
            norm_and_embedding,
        ]);
    };
}
dyn_tests!(cpu, Cpu::default);
dyn_tests!(cuda, || Cuda::new());

#[test]
fn printing_files_and_bridges_take_run_time_shapes() {
    let x = Tensor::<Rank2<DYN, 2>>::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    assert_eq!(
        x.to_string(),
        "tensor([[1., 2.],\n        [3., 4.],\n        [5., 6.]])"
    );
    assert_eq!(format!("{}", x.shape()), "torch.Size([3, 2])");

    // .npy: a file of unknown length into Rank2<DYN, 2>; a wrong static dim is an Err.
    let dir = std::env::temp_dir().join(format!("typetensor_dyn_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("x.npy");
    x.write_npy(&path).unwrap();
    let back = Tensor::<Rank2<DYN, 2>>::read_npy(&path, &Cpu).unwrap();
    assert_eq!(back.shape(), [3, 2]);
    assert_eq!(back.to_vec(), x.to_vec());
    let err = Tensor::<Rank2<DYN, 3>>::read_npy(&path, &Cpu).unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected shape [DYN, 3], found shape [3, 2]"
    );
    let both = Tensor::<Rank2<DYN, DYN>>::read_npy(&path, &Cpu).unwrap();
    assert_eq!(both.shape(), [3, 2]);

    // safetensors: a module's parameters are static; a run-time batch trains it and the
    // saved weights load back bit for bit.
    let model = Linear::<2, 3>::new();
    let _ = model.forward(&x);
    let file = dir.join("m.safetensors");
    typetensor::nn::save(&model, &file).unwrap();
    let mut other = Linear::<2, 3>::new();
    typetensor::nn::load(&mut other, &file).unwrap();
    assert_eq!(model.forward(&x).to_vec(), other.forward(&x).to_vec());
    std::fs::remove_dir_all(&dir).unwrap();

    // ndarray: both ways.
    let a = ndarray::Array2::<f32>::from_shape_fn((4, 2), |(i, j)| (i * 2 + j) as f32);
    let t = Tensor::<Rank2<DYN, 2>>::from_numpy(a.clone()).unwrap();
    assert_eq!(t.shape(), [4, 2]);
    assert_eq!(t.numpy(), a.view());
    assert!(Tensor::<Rank2<DYN, 3>>::from_numpy(a).is_err());

    // A scalar result of a run-time shape is a Rank0 like any other.
    let s: Tensor<Rank0> = t.sum();
    assert_eq!(s.item(), 28.0);
}
