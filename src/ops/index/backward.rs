//! Gradients of indexing: a slice's gradient is padded back with zeros, `cat`'s is split,
//! `index_select`'s is added back at the selected indices.
use crate::autograd::Raw;
use crate::device::Device;
use crate::dtype::{Dtype, NumDtype};
use crate::shape::Shape;
use crate::tensor::Tensor;

/// Records `out = x.narrow(axis, start, len)` (also `slice_from`).
pub(crate) fn record_narrow<S: Shape, SO: Shape, E: Dtype, D: Device>(
    out: Tensor<SO, E, D>,
    x: &Tensor<S, E, D>,
    axis: usize,
    start: usize,
) -> Tensor<SO, E, D> {
    let size = x.dims()[axis];
    out.record1("SliceBackward0", x, move |g| g.pad_axis(axis, start, size))
}

/// Records `out = cat(a, b)` along `axis`.
pub(crate) fn record_cat<S: Shape, S2: Shape, SO: Shape, E: Dtype, D: Device>(
    out: Tensor<SO, E, D>,
    a: &Tensor<S, E, D>,
    b: &Tensor<S2, E, D>,
    axis: usize,
) -> Tensor<SO, E, D> {
    let (na, nb) = (a.dims()[axis], b.dims()[axis]);
    out.record2("CatBackward0", a, b, move |g, need_a, need_b| {
        let ga = need_a.then(|| g.narrow(axis, 0, na));
        let gb = need_b.then(|| g.narrow(axis, na, nb));
        Ok((ga, gb))
    })
}

/// Records `out = x.index_select(axis, idx)`.
pub(crate) fn record_index_select<S: Shape, SO: Shape, E: Dtype, D: Device>(
    out: Tensor<SO, E, D>,
    x: &Tensor<S, E, D>,
    axis: usize,
    idx: Raw<i64, D>,
) -> Tensor<SO, E, D> {
    let dims = x.dims();
    out.record1("IndexSelectBackward0", x, move |g| {
        E::grad_index_add(g, dims, axis, &idx)
    })
}

/// Records `out = x.gather(axis, idx)`: the gradient is zeros of `x`'s dims with `g`
/// scattered back (added) at the gathered positions.
pub(crate) fn record_gather<S: Shape, SO: Shape, E: Dtype, D: Device>(
    out: Tensor<SO, E, D>,
    x: &Tensor<S, E, D>,
    axis: usize,
    idx: Raw<i64, D>,
) -> Tensor<SO, E, D> {
    let dims = x.dims();
    out.record1("GatherBackward0", x, move |g| {
        E::grad_scatter_add(g, dims, axis, &idx)
    })
}

/// Records `out = x.scatter_add(axis, idx, src)`: `x`'s gradient is `g`, `src`'s is `g`
/// gathered at the scattered positions.
pub(crate) fn record_scatter_add<S: Shape, SI: Shape, E: NumDtype, D: Device>(
    out: Tensor<S, E, D>,
    x: &Tensor<S, E, D>,
    src: &Tensor<SI, E, D>,
    axis: usize,
    idx: Raw<i64, D>,
) -> Tensor<S, E, D> {
    let src_dims = src.dims();
    out.record2("ScatterAddBackward0", x, src, move |g, need_x, need_src| {
        let gs = if need_src {
            let s = g
                .device
                .gather(&g.storage, &g.layout, axis, &idx.storage, &idx.layout)?;
            Some(Raw::new(s, src_dims, g.device.clone()))
        } else {
            None
        };
        Ok((need_x.then(|| g.clone()), gs))
    })
}
