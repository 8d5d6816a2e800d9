//! Gradients of indexing: a slice's gradient is padded back with zeros, `cat`'s is split,
//! `index_select`'s is added back at the selected indices.
use crate::autograd::Raw;
use crate::device::Device;
use crate::dtype::Dtype;
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
