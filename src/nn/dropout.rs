//! `nn.Dropout(p)`: zeroes each element with probability `p` in training mode, the identity
//! in evaluation mode.
use std::fmt;

use crate::Result;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::nn::functional;
use crate::nn::params::{Param, ParamRef, Parameters};
use crate::nn::sequential::Follows;
use crate::nn::{Module, ToDevice, Training, fmt_module};
use crate::print::PyFloat;
use crate::shape::Shape;
use crate::tensor::{Tensor, expect_device};

/// `torch.nn.Dropout(p=0.5)`: in training mode (`model.train()`, the default) each element
/// is zeroed with probability `p` and the others are scaled by `1 / (1 - p)`, so the
/// expected value is unchanged; in evaluation mode (`model.eval()`) the input passes
/// through. The mask comes from the crate's generator, so
/// [`manual_seed`](crate::manual_seed) makes a run reproducible (with other numbers than
/// PyTorch's generator), and the backward pass multiplies by the same mask.
///
/// ```
/// use typetensor::nn::{Dropout, Module, Training};
/// use typetensor::{Rank2, Tensor, manual_seed};
/// manual_seed(0);
/// let mut dropout = Dropout::new(0.2); // nn.Dropout(p=0.2)
/// let x = Tensor::<Rank2<100, 100>>::ones();
/// let y = dropout.forward(&x);
/// let zeros = y.to_vec().iter().filter(|&&v| v == 0.0).count();
/// assert!((1800..2200).contains(&zeros)); // about 20% dropped, the rest scaled by 1.25
/// dropout.eval(); // dropout.eval()
/// assert_eq!(dropout.forward(&x).to_vec(), x.to_vec());
/// assert_eq!(format!("{dropout:?}"), "Dropout(p=0.2, inplace=False)");
/// ```
#[derive(Clone, Copy, PartialEq)]
pub struct Dropout {
    /// The probability of zeroing an element, in `[0, 1]`.
    pub p: f64,
    /// Training mode (set by [`Training::train`] / [`Training::eval`]).
    pub training: bool,
}

impl Default for Dropout {
    /// `nn.Dropout()`: `p = 0.5`, training mode.
    fn default() -> Self {
        Dropout {
            p: 0.5,
            training: true,
        }
    }
}

impl Dropout {
    /// `nn.Dropout(p)`, in training mode. Panics for `p` outside `[0, 1]`, as PyTorch's
    /// constructor raises; see [`try_new`](Self::try_new).
    #[track_caller]
    pub fn new(p: f64) -> Self {
        match Self::try_new(p) {
            Ok(d) => d,
            Err(e) => panic!("typetensor: {e}"),
        }
    }

    /// [`new`](Self::new), with `p` outside `[0, 1]` an `Err`.
    pub fn try_new(p: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::InvalidArgument(format!(
                "dropout probability has to be between 0 and 1, but got {p}"
            )));
        }
        Ok(Dropout { p, training: true })
    }

    /// [`Module::forward`] with errors returned (a `p` set outside `[0, 1]` through the
    /// public field, or the device's).
    pub fn try_forward<S: Shape, E: FloatDtype, D: Device>(
        &self,
        x: &Tensor<S, E, D>,
    ) -> Result<Tensor<S, E, D>> {
        functional::try_dropout(x, self.p, self.training)
    }
}

impl<S: Shape, E: FloatDtype, D: Device> Module<&Tensor<S, E, D>> for Dropout {
    type Output = Tensor<S, E, D>;
    fn forward(&self, x: &Tensor<S, E, D>) -> Tensor<S, E, D> {
        expect_device(self.try_forward(x))
    }
}

impl<S: Shape, E: FloatDtype, D: Device> Module<Tensor<S, E, D>> for Dropout {
    type Output = Tensor<S, E, D>;
    fn forward(&self, x: Tensor<S, E, D>) -> Tensor<S, E, D> {
        expect_device(self.try_forward(&x))
    }
}

/// Keeps the features it is given (in a `Sequential`).
impl<F> Follows<F> for Dropout {
    type Out = F;
}

impl Training for Dropout {
    fn set_training(&mut self, training: bool) {
        self.training = training;
    }
}

impl<E: FloatDtype, D: Device> Parameters<E, D> for Dropout {
    fn parameters(&self) -> Vec<ParamRef<'_, E, D>> {
        Vec::new()
    }
    fn parameters_mut(&mut self) -> Vec<Param<'_, E, D>> {
        Vec::new()
    }
}

impl<D2: Device> ToDevice<D2> for Dropout {
    type Output = Dropout;
    fn try_to_device(&self, _: &D2) -> Result<Dropout> {
        Ok(*self)
    }
}

impl fmt::Debug for Dropout {
    /// `Dropout(p=0.5, inplace=False)`, as PyTorch (which prints no mode either).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let extra = format!("p={}, inplace=False", PyFloat(self.p));
        fmt_module(f, "Dropout", &extra, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Linear, Module, ReLU, Sequential};
    use crate::shape::{Rank1, Rank2};
    use crate::tensor::manual_seed;

    // The kept fraction and the mean of the output are within 5 standard deviations of
    // their expectations (1 - p and the input's mean): a wrong p, scale or a mask that is
    // not Bernoulli fails.
    #[test]
    fn training_mode_drops_p_and_keeps_the_expected_value() {
        manual_seed(21);
        let n = 100_000usize;
        for p in [0.1, 0.3, 0.5, 0.8] {
            let dropout = Dropout::new(p);
            let x = Tensor::<Rank1<100_000>, f64>::full(2.0);
            let y = dropout.forward(&x).to_vec();
            let kept = y.iter().filter(|&&v| v != 0.0).count() as f64;
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            assert!(
                (kept - n as f64 * (1.0 - p)).abs() < 5.0 * sd,
                "p = {p}: kept {kept}"
            );
            let scale = 2.0 / (1.0 - p);
            assert!(y.iter().all(|&v| v == 0.0 || (v - scale).abs() < 1e-12));
            let mean = y.iter().sum::<f64>() / n as f64;
            // Each element is 0 or 2 / (1 - p): standard deviation 2 sqrt(p / (1 - p)).
            let sd_mean = 2.0 * (p / (1.0 - p)).sqrt() / (n as f64).sqrt();
            assert!((mean - 2.0).abs() < 5.0 * sd_mean, "p = {p}: mean {mean}");
        }
    }

    #[test]
    fn backward_reuses_the_forward_mask_and_seed_reproduces_it() {
        let dropout = Dropout::new(0.4);
        manual_seed(3);
        let x = Tensor::<Rank2<50, 40>>::randn().requires_grad_();
        let y = dropout.forward(&x);
        let g = Tensor::<Rank2<50, 40>>::randn();
        y.mul(&g).sum().backward();
        let (xv, yv, gv) = (x.to_vec(), y.to_vec(), g.to_vec());
        let grad = x.grad().unwrap().to_vec();
        for i in 0..xv.len() {
            // kept: y = x / 0.6 and dy/dx = 1 / 0.6; dropped: both 0
            if yv[i] == 0.0 {
                assert_eq!(grad[i], 0.0, "element {i}");
            } else {
                assert!((yv[i] - xv[i] / 0.6).abs() < 1e-5);
                assert!((grad[i] - gv[i] / 0.6).abs() < 1e-5, "element {i}");
            }
        }
        // A second call draws a new mask; the same seed draws the first again.
        manual_seed(3);
        let _ = Tensor::<Rank2<50, 40>>::randn();
        let again = dropout.forward(&x.detach()).to_vec();
        assert_eq!(again, yv);
        assert_ne!(dropout.forward(&x.detach()).to_vec(), yv);
    }

    #[test]
    fn eval_mode_is_the_identity_and_train_eval_reach_it_in_a_sequential() {
        manual_seed(4);
        let mut model = Sequential::new((Linear::<8, 16>::new(), ReLU, Dropout::new(0.5)));
        let x = Tensor::<Rank2<4, 8>>::randn();
        assert_ne!(model.forward(&x).to_vec(), model.forward(&x).to_vec());
        model.eval(); // model.eval()
        assert!(!model.layers.2.training);
        let plain = model.layers.1.forward(model.layers.0.forward(&x));
        assert_eq!(model.forward(&x).to_vec(), plain.to_vec());
        model.train(); // model.train()
        assert!(model.layers.2.training);
        assert_ne!(model.forward(&x).to_vec(), plain.to_vec());
    }

    #[test]
    fn a_probability_outside_0_1_is_an_error() {
        for p in [-0.1, 1.5, f64::NAN] {
            let e = Dropout::try_new(p).err().unwrap().to_string();
            assert!(
                e.contains("dropout probability has to be between 0 and 1"),
                "{e}"
            );
        }
        // Set through the public field: forward's try_ form reports it.
        let dropout = Dropout {
            p: 2.0,
            training: true,
        };
        assert!(dropout.try_forward(&Tensor::<Rank1<3>>::ones()).is_err());
        assert!(
            Dropout::new(1.0)
                .forward(&Tensor::<Rank1<3>>::ones())
                .to_vec()
                .iter()
                .all(|&v| v == 0.0)
        );
    }
}
