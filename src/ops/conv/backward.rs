//! Gradients of a convolution, from the output's gradient `dY` seen as `[G, OUT/G, N·L]`
//! (`L = OH·OW`, the layout of the forward product): `dW = dY · colsᵀ` per group,
//! `dX = fold(Wᵀ · dY)`, `db = Σ dY` over batch and positions.
use std::sync::Arc;

use crate::autograd::{self, Grad, InputGrads, Raw};
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::layout::Layout;
use crate::ops::reduce::ReduceOp;
use crate::shape::{Dims, Shape};
use crate::tensor::Tensor;

use super::Window2d;

/// What the forward pass hands to the backward one.
pub(super) struct Saved<E: FloatDtype, D: Device> {
    /// The unfolded input, `[C·KH·KW, N·L]` (kept only if the weight needs a gradient).
    pub cols: D::Storage<E>,
    /// The weight as `[G, OUT/G, C/G·KH·KW]` (kept only if the input needs a gradient).
    pub w: Raw<E, D>,
    pub geom_win: Window2d,
    pub oc: usize,
    pub groups: usize,
}

/// Records `out = conv(x, w, b)` with one node for all three inputs
/// (`ConvolutionBackward0`, as PyTorch names it).
pub(super) fn record_conv<S: Shape, SW: Shape, SB: Shape, SO: Shape, E: FloatDtype, D: Device>(
    mut out: Tensor<SO, E, D>,
    x: &Tensor<S, E, D>,
    w: &Tensor<SW, E, D>,
    b: Option<&Tensor<SB, E, D>>,
    saved: Saved<E, D>,
) -> Tensor<SO, E, D> {
    let b_node = b.and_then(|b| b.node());
    if !autograd::tracking(&[x.node(), w.node(), b_node]) {
        return out;
    }
    let (need_x, need_w, need_b) = (x.node().is_some(), w.node().is_some(), b_node.is_some());
    let Saved {
        cols,
        w: w3,
        geom_win: win,
        oc,
        groups,
    } = saved;
    // Keep only what the needed gradients read: the columns for dW, the weight for dX.
    let cols = need_w.then(|| {
        let g = groups;
        Raw {
            storage: Arc::new(cols),
            layout: Layout::contiguous(Dims::from_array([g, win.col_rows() / g, win.col_cols()])),
            device: x.device().clone(),
        }
    });
    let w3 = need_x.then_some(w3);
    let (x_dims, w_dims) = (x.dims(), w.dims());
    let inputs = vec![x.node().cloned(), w.node().cloned(), b_node.cloned()];
    let node = autograd::op_node("ConvolutionBackward0", inputs, move |g| {
        let g = autograd::downcast::<E, D>(g)?;
        let l = win.oh * win.ow;
        // [N, OC, L] → [OC, N, L] (a copy unless N = 1) → [G, OC/G, N·L].
        let gy = g
            .reshape(Dims::from_array([win.n, oc, l]))?
            .permute(&[1, 0, 2])
            .reshape(Dims::from_array([groups, oc / groups, win.n * l]))?;
        let gx = match &w3 {
            Some(w3) => {
                // A fresh dense product: `[G, C/G·KH·KW, N·L]` is the `[C·KH·KW, N·L]` matrix.
                let dcols = w3.t_last().matmul(&gy)?;
                let lcols = Layout::contiguous(Dims::from_array([win.col_rows(), win.col_cols()]));
                let dx = dcols.device.fold(&dcols.storage, &lcols, &win)?;
                Some(Raw::new(dx, win.input_dims(), dcols.device.clone()).reshape(x_dims)?)
            }
            None => None,
        };
        let gw = match &cols {
            Some(cols) => Some(gy.matmul(&cols.t_last())?.reshape(w_dims)?),
            None => None,
        };
        let gb = if need_b {
            Some(
                gy.reshape(Dims::from_array([oc, win.n * l]))?
                    .reduce(ReduceOp::Sum, 1, false)?,
            )
        } else {
            None
        };
        Ok(boxed([gx, gw, gb]))
    });
    out.node = Some(node);
    out
}

/// The gradients as autograd takes them.
fn boxed<E: FloatDtype, D: Device>(grads: [Option<Raw<E, D>>; 3]) -> InputGrads {
    grads
        .into_iter()
        .map(|g| g.map(|g| Box::new(g) as Box<dyn Grad>))
        .collect()
}
