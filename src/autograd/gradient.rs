//! `x.grad` as a value: what [`Tensor::grad`] returns.
use std::fmt;
use std::ops::{Deref, Mul};
use std::sync::Arc;

use crate::Result;
use crate::device::{Cpu, Device};
use crate::dtype::FloatDtype;
use crate::shape::Shape;
use crate::tensor::{Tensor, expect_device};

use super::{Grad, Node};

/// A leaf's accumulated gradient, `x.grad`, as [`Tensor::grad`] returns it.
///
/// It reads as the gradient tensor (it dereferences to [`Tensor`], and prints as one), and
/// [`zero_`](Self::zero_) zeroes the gradient stored in the leaf, as PyTorch's
/// `x.grad.zero_()` does: the habit `w.grad().unwrap().zero_()` works. Every other in-place
/// op (`add_`, `mul_`, `fill_`, `numpy_mut`) does not compile on it, since it would change a
/// copy, not the stored gradient: take an owned copy first with
/// [`into_tensor`](Self::into_tensor) to compute with one.
///
/// ```
/// use typetensor::{autograd::no_grad, Rank1, Tensor};
/// let mut w = Tensor::<Rank1<2>>::ones().requires_grad_();
/// (&w * 3.0).sum().backward();
/// no_grad(|| {
///     w -= 0.1 * &w.grad().unwrap(); // w -= lr * w.grad
///     w.grad().unwrap().zero_(); // w.grad.zero_()
/// });
/// assert_eq!(w.grad().unwrap().to_vec(), vec![0.0, 0.0]);
/// (&w * 3.0).sum().backward();
/// assert_eq!(w.grad().unwrap().to_vec(), vec![3.0, 3.0]); // not 6: it was cleared
/// ```
///
/// ```compile_fail
/// # use typetensor::{Rank1, Tensor};
/// let w = Tensor::<Rank1<2>>::ones().requires_grad_();
/// (&w * 3.0).sum().backward();
/// w.grad().unwrap().add_(&w); // would change a copy: does not compile
/// ```
pub struct Gradient<S: Shape, E: FloatDtype = f32, D: Device = Cpu> {
    value: Tensor<S, E, D>,
    node: Arc<Node>,
}

impl<S: Shape, E: FloatDtype, D: Device> Gradient<S, E, D> {
    pub(crate) fn new(value: Tensor<S, E, D>, node: Arc<Node>) -> Self {
        Gradient { value, node }
    }

    /// `x.grad.zero_()`: sets the gradient stored in the leaf to zeros (and this value
    /// with it). The next `backward` then adds onto zeros. (`x.zero_grad()` instead sets it
    /// to `None`, which skips the pass over zeros, as PyTorch's `zero_grad()` does.)
    pub fn zero_(&mut self) -> &mut Self {
        expect_device(self.try_zero_())
    }

    /// [`zero_`](Self::zero_) with device errors returned (the stored gradient is left as
    /// it was).
    pub fn try_zero_(&mut self) -> Result<&mut Self> {
        let zeros = self.value.try_zeros_like()?;
        self.node
            .set_grad(Some(Box::new(zeros.raw()) as Box<dyn Grad>));
        self.value = zeros;
        Ok(self)
    }

    /// The gradient as a tensor of its own (no copy: storage is shared until written).
    pub fn into_tensor(self) -> Tensor<S, E, D> {
        self.value
    }
}

impl<S: Shape, E: FloatDtype, D: Device> Deref for Gradient<S, E, D> {
    type Target = Tensor<S, E, D>;
    fn deref(&self) -> &Tensor<S, E, D> {
        &self.value
    }
}

impl<S: Shape, E: FloatDtype, D: Device> From<Gradient<S, E, D>> for Tensor<S, E, D> {
    fn from(g: Gradient<S, E, D>) -> Self {
        g.value
    }
}

impl<S: Shape, E: FloatDtype, D: Device> fmt::Display for Gradient<S, E, D> {
    /// Prints as the gradient tensor: `print(x.grad)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

impl<S: Shape, E: FloatDtype, D: Device> fmt::Debug for Gradient<S, E, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.value, f)
    }
}

// `lr * &w.grad().unwrap()` and `&g * lr`, the lesson's update; other operators take the
// tensor (`&*g`).
macro_rules! scale {
    ($($t:ty),*) => {$(
        impl<S: Shape, D: Device> Mul<&Gradient<S, $t, D>> for $t {
            type Output = Tensor<S, $t, D>;
            fn mul(self, g: &Gradient<S, $t, D>) -> Tensor<S, $t, D> {
                self * &g.value
            }
        }
        impl<S: Shape, D: Device> Mul<$t> for &Gradient<S, $t, D> {
            type Output = Tensor<S, $t, D>;
            fn mul(self, s: $t) -> Tensor<S, $t, D> {
                &self.value * s
            }
        }
    )*};
}
scale!(f32, f64);

#[cfg(test)]
mod tests {
    use crate::autograd::no_grad;
    use crate::{Rank1, Tensor, tensor};

    #[test]
    fn zero_clears_the_stored_gradient() {
        let w = tensor([1.0f32, 2.0]).requires_grad_();
        (&w * 3.0).sum().backward();
        w.grad().unwrap().zero_();
        assert_eq!(w.grad().unwrap().to_vec(), vec![0.0, 0.0]);
        (&w * 3.0).sum().backward();
        assert_eq!(w.grad().unwrap().to_vec(), vec![3.0, 3.0], "3, not 6");
        // Also outside no_grad, and on a held value, which then reads zeros too.
        let mut g = w.grad().unwrap();
        g.zero_();
        assert_eq!(g.to_vec(), vec![0.0, 0.0]);
        assert_eq!(w.grad().unwrap().to_vec(), vec![0.0, 0.0]);
    }

    #[test]
    fn reads_and_scales_as_a_tensor() {
        let mut w = Tensor::<Rank1<2>, f64>::ones().requires_grad_();
        (&w * 2.0).sum().backward();
        let g = w.grad().unwrap();
        assert_eq!(g.to_string(), "tensor([2., 2.], dtype=torch.float64)");
        assert_eq!((0.5 * &g).to_vec(), vec![1.0, 1.0]);
        assert_eq!((&g * 0.5).to_vec(), vec![1.0, 1.0]);
        assert_eq!((&*g + &w).to_vec(), vec![3.0, 3.0]);
        no_grad(|| w -= 0.25 * &w.grad().unwrap());
        assert_eq!(w.to_vec(), vec![0.5, 0.5]);
        let owned: Tensor<Rank1<2>, f64> = g.into_tensor();
        assert_eq!(owned.grad_fn(), None);
    }
}
