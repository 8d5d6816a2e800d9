//! `model.train()` / `model.eval()`: the mode that changes what Dropout and BatchNorm do,
//! set on a module and every module inside it.
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::nn::Sequential;
use crate::nn::activation::{ReLU, Sigmoid, Tanh};
use crate::nn::linear::Linear;
use crate::nn::loss::MSELoss;
use crate::nn::sequential::Chain;

/// A module with a training mode: `model.train()` and `model.eval()` set it on the module
/// and, as in PyTorch, on every module inside it (a [`Sequential`]'s layers, a derived
/// custom module's fields). Modules start in training mode, as PyTorch's. Only modules
/// that behave differently keep the flag (`BatchNorm1d`: batch or running statistics);
/// for the others the mode changes nothing.
///
/// ```
/// use typetensor::nn::{BatchNorm1d, Linear, ReLU, Sequential, Training};
/// let mut model = Sequential::new((Linear::<4, 3>::new(), BatchNorm1d::<3>::new(), ReLU));
/// model.eval(); // model.eval()
/// assert!(!model.layers.1.training);
/// model.train(); // model.train()
/// assert!(model.layers.1.training);
/// ```
pub trait Training {
    /// `model.train(mode)`: sets the mode of this module and of every module inside it.
    fn set_training(&mut self, training: bool);

    /// `model.train()`.
    fn train(&mut self) {
        self.set_training(true);
    }

    /// `model.eval()`.
    fn eval(&mut self) {
        self.set_training(false);
    }
}

// Modules whose forward does not depend on the mode.
macro_rules! mode_free {
    ($($t:ty),*) => {$(
        impl Training for $t {
            fn set_training(&mut self, _: bool) {}
        }
    )*};
}
mode_free!(ReLU, Sigmoid, Tanh, MSELoss);

impl<const I: usize, const O: usize, E: FloatDtype, D: Device> Training for Linear<I, O, E, D> {
    fn set_training(&mut self, _: bool) {}
}

impl<T: Chain + Training> Training for Sequential<T> {
    fn set_training(&mut self, training: bool) {
        self.layers.set_training(training);
    }
}

// Tuples of modules (a `Sequential`'s layers), up to six as `Sequential`.
macro_rules! tuple_training {
    ($($l:ident $i:tt),*) => {
        impl<$($l: Training),*> Training for ($($l,)*) {
            fn set_training(&mut self, training: bool) {
                $(self.$i.set_training(training);)*
            }
        }
    };
}
tuple_training!(L0 0);
tuple_training!(L0 0, L1 1);
tuple_training!(L0 0, L1 1, L2 2);
tuple_training!(L0 0, L1 1, L2 2, L3 3);
tuple_training!(L0 0, L1 1, L2 2, L3 3, L4 4);
tuple_training!(L0 0, L1 1, L2 2, L3 3, L4 4, L5 5);
