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
