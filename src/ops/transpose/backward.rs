//! Gradients of dimension reorders: the inverse reorder of the output's gradient.
use crate::device::Device;
use crate::dtype::Dtype;
use crate::shape::Shape;
use crate::tensor::Tensor;

/// Records `out = x.permute(perm)` (`t` and `transpose` are permutations too).
pub(crate) fn record_permute<S: Shape, SO: Shape, E: Dtype, D: Device>(
    out: Tensor<SO, E, D>,
    name: &'static str,
    x: &Tensor<S, E, D>,
    perm: &[usize],
) -> Tensor<SO, E, D> {
    let mut inverse = vec![0; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inverse[p] = i;
    }
    out.record1(name, x, move |g| Ok(g.permute(&inverse)))
}

/// The permutation that swaps `a` and `b` of `rank` dims.
pub(crate) fn swap(rank: usize, a: usize, b: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..rank).collect();
    p.swap(a, b);
    p
}
