//! Gradients of pooling: a max pool sends each output's gradient to the input it picked
//! (the saved indices), an average pool spreads it over the window.
use crate::autograd::Raw;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::ops::conv::{Window2d, as_nchw};
use crate::shape::Shape;
use crate::tensor::Tensor;

use super::AvgKind;

/// Records `out = max_pool2d(x)` with the indices of the maxima.
pub(super) fn record_max_pool<S: Shape, SO: Shape, E: FloatDtype, D: Device>(
    out: Tensor<SO, E, D>,
    x: &Tensor<S, E, D>,
    idx: Raw<i64, D>,
    win: Window2d,
) -> Tensor<SO, E, D> {
    let x_dims = x.dims();
    out.record1("MaxPool2DWithIndicesBackward0", x, move |g| {
        let dx = g.device.max_pool2d_backward(
            &g.storage,
            &as_nchw(&g.layout),
            &idx.storage,
            &as_nchw(&idx.layout),
            &win,
        )?;
        Raw::new(dx, win.input_dims(), g.device.clone()).reshape(x_dims)
    })
}

/// Records `out = avg_pool2d(x)` (or the adaptive form).
pub(super) fn record_avg_pool<S: Shape, SO: Shape, E: FloatDtype, D: Device>(
    out: Tensor<SO, E, D>,
    x: &Tensor<S, E, D>,
    win: Window2d,
    kind: AvgKind,
) -> Tensor<SO, E, D> {
    let x_dims = x.dims();
    let name = match kind {
        AvgKind::Fixed => "AvgPool2DBackward0",
        AvgKind::Adaptive => "AdaptiveAvgPool2DBackward0",
    };
    out.record1(name, x, move |g| {
        let dx = g
            .device
            .avg_pool2d_backward(&g.storage, &as_nchw(&g.layout), &win, kind)?;
        Raw::new(dx, win.input_dims(), g.device.clone()).reshape(x_dims)
    })
}
