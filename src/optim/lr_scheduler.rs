//! `torch.optim.lr_scheduler`: learning-rate schedules that set an optimizer's learning
//! rate once per epoch, with PyTorch's own (recursive) formulas in its order, so the
//! sequence of learning rates is PyTorch's to the bit (`tests/lr_schedulers.rs` replays
//! PyTorch's sequences).
//!
//! | PyTorch | typetensor |
//! |---|---|
//! | `scheduler = StepLR(optimizer, step_size=30, gamma=0.1)` | `let mut scheduler = StepLR::new(&mut optimizer, 30, 0.1);` |
//! | `scheduler.step()` | `scheduler.step(&mut optimizer);` |
//! | `scheduler.get_last_lr()` | `scheduler.get_last_lr()` (one learning rate: no parameter groups) |
//!
//! As in PyTorch, creating a scheduler runs its initial step (epoch 0), which sets the
//! optimizer's learning rate for epoch 0 (only `LambdaLR` changes it there). The scheduler
//! does not hold the optimizer, for the reason the optimizer does not hold the model
//! (see [`optim`](super)): `step` takes it.
//!
//! ```
//! use typetensor::optim::lr_scheduler::{LRScheduler, StepLR};
//! use typetensor::optim::{Optimizer, SGD};
//! let mut optimizer = SGD::<f32>::new(0.1);
//! let mut scheduler = StepLR::new(&mut optimizer, 2, 0.5);
//! let mut lrs = vec![scheduler.get_last_lr()];
//! for _epoch in 0..4 {
//!     // train(...); optimizer.step() for each batch
//!     scheduler.step(&mut optimizer);
//!     lrs.push(optimizer.lr());
//! }
//! assert_eq!(lrs, [0.1, 0.1, 0.05, 0.05, 0.025]);
//! ```
use std::f64::consts::PI;
use std::fmt;
use std::hint::black_box;

use crate::device::Device;
use crate::dtype::FloatDtype;

use super::Optimizer;

/// What every scheduler does: `scheduler.step()` and `scheduler.get_last_lr()`.
pub trait LRScheduler {
    /// `scheduler.step()`: the next epoch's learning rate, set on `optimizer`.
    fn step<E: FloatDtype, D: Device, O: Optimizer<E, D> + ?Sized>(&mut self, optimizer: &mut O);
    /// `scheduler.get_last_lr()[0]`: the learning rate the last step set.
    fn get_last_lr(&self) -> f64;
    /// `scheduler.last_epoch`: 0 after creation, then one more per step.
    fn last_epoch(&self) -> i64;
}

mod sealed {
    /// The bookkeeping every scheduler shares (PyTorch's `LRScheduler` base class).
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Core {
        pub(super) base_lr: f64,
        pub(super) last_epoch: i64,
        pub(super) last_lr: f64,
    }

    /// A schedule's formula: `get_lr` of PyTorch's scheduler class.
    pub trait Rule {
        /// The learning rate for epoch `last_epoch`, given the current one (`group['lr']`);
        /// `initial` during the constructor's step.
        #[doc(hidden)]
        fn lr_at(&self, base_lr: f64, last_epoch: i64, lr: f64, initial: bool) -> f64;
        #[doc(hidden)]
        fn core(&self) -> &Core;
        #[doc(hidden)]
        fn core_mut(&mut self) -> &mut Core;
    }
}
use sealed::{Core, Rule};

/// `_update_lr`: `last_epoch += 1`, then the rule's learning rate, set on the optimizer.
fn advance<S: Rule, E: FloatDtype, D: Device, O: Optimizer<E, D> + ?Sized>(
    s: &mut S,
    optimizer: &mut O,
    initial: bool,
) {
    let mut core = *s.core();
    core.last_epoch += 1;
    let lr = s.lr_at(core.base_lr, core.last_epoch, optimizer.lr(), initial);
    optimizer.set_lr(lr);
    core.last_lr = lr;
    *s.core_mut() = core;
}

/// `LRScheduler.__init__`: `base_lrs` from the optimizer, then the initial step.
fn started<S: Rule, E: FloatDtype, D: Device, O: Optimizer<E, D> + ?Sized>(
    mut s: S,
    optimizer: &mut O,
) -> S {
    let base_lr = optimizer.lr();
    *s.core_mut() = Core {
        base_lr,
        last_epoch: -1,
        last_lr: base_lr,
    };
    advance(&mut s, optimizer, true);
    s
}

impl<S: Rule> LRScheduler for S {
    fn step<E: FloatDtype, D: Device, O: Optimizer<E, D> + ?Sized>(&mut self, optimizer: &mut O) {
        advance(self, optimizer, false);
    }
    fn get_last_lr(&self) -> f64 {
        self.core().last_lr
    }
    fn last_epoch(&self) -> i64 {
        self.core().last_epoch
    }
}

/// Python's `x ** n` for a float `x` and an integer `n`: C's `pow` (kept from LLVM's
/// rewrites by `black_box`, as in Adam's bias corrections).
fn py_pow(x: f64, n: f64) -> f64 {
    x.powf(black_box(n))
}

// The core accessors of a scheduler struct with a `core` field and an inherent
// `rule(base_lr, last_epoch, lr, initial)`.
macro_rules! rule {
    ($name:ident) => {
        impl Rule for $name {
            fn lr_at(&self, base_lr: f64, last_epoch: i64, lr: f64, initial: bool) -> f64 {
                self.rule(base_lr, last_epoch, lr, initial)
            }
            fn core(&self) -> &Core {
                &self.core
            }
            fn core_mut(&mut self) -> &mut Core {
                &mut self.core
            }
        }
    };
}

/// `StepLR(optimizer, step_size, gamma=0.1)`: the learning rate times `gamma` every
/// `step_size` epochs.
#[derive(Clone, Debug)]
pub struct StepLR {
    step_size: usize,
    gamma: f64,
    core: Core,
}

impl StepLR {
    /// `StepLR(optimizer, step_size, gamma)`. A `step_size` of 0 is taken as 1 (PyTorch
    /// divides by it).
    pub fn new<E: FloatDtype, D: Device, O: Optimizer<E, D> + ?Sized>(
        optimizer: &mut O,
        step_size: usize,
        gamma: f64,
    ) -> Self {
        let step_size = step_size.max(1);
        let core = Core::default();
        started(
            StepLR {
                step_size,
                gamma,
                core,
            },
            optimizer,
        )
    }

    fn rule(&self, _: f64, epoch: i64, lr: f64, _: bool) -> f64 {
        if epoch == 0 || epoch % self.step_size as i64 != 0 {
            lr
        } else {
            lr * self.gamma
        }
    }
}
rule!(StepLR);

/// `MultiStepLR(optimizer, milestones, gamma=0.1)`: the learning rate times `gamma` at each
/// milestone epoch (times `gamma^k` where a milestone is listed `k` times).
#[derive(Clone, Debug)]
pub struct MultiStepLR {
    milestones: Vec<usize>,
    gamma: f64,
    core: Core,
}

impl MultiStepLR {
    /// `MultiStepLR(optimizer, milestones, gamma)`.
    pub fn new<E: FloatDtype, D: Device, O: Optimizer<E, D> + ?Sized>(
        optimizer: &mut O,
        milestones: &[usize],
        gamma: f64,
    ) -> Self {
        let (milestones, core) = (milestones.to_vec(), Core::default());
        started(
            MultiStepLR {
                milestones,
                gamma,
                core,
            },
            optimizer,
        )
    }

    fn rule(&self, _: f64, epoch: i64, lr: f64, _: bool) -> f64 {
        let hits = self
            .milestones
            .iter()
            .filter(|&&m| m as i64 == epoch)
            .count();
        if hits == 0 {
            lr
        } else {
            lr * py_pow(self.gamma, hits as f64)
        }
    }
}
rule!(MultiStepLR);

/// `ExponentialLR(optimizer, gamma)`: the learning rate times `gamma` every epoch.
#[derive(Clone, Debug)]
pub struct ExponentialLR {
    gamma: f64,
    core: Core,
}

impl ExponentialLR {
    /// `ExponentialLR(optimizer, gamma)`.
    pub fn new<E: FloatDtype, D: Device, O: Optimizer<E, D> + ?Sized>(
        optimizer: &mut O,
        gamma: f64,
    ) -> Self {
        started(
            ExponentialLR {
                gamma,
                core: Core::default(),
            },
            optimizer,
        )
    }

    fn rule(&self, _: f64, _: i64, lr: f64, initial: bool) -> f64 {
        if initial { lr } else { lr * self.gamma }
    }
}
rule!(ExponentialLR);

/// `CosineAnnealingLR(optimizer, T_max, eta_min=0.0)`: the learning rate follows a cosine
/// from its initial value down to `eta_min` over `T_max` epochs (and back up over the next
/// `T_max`), by PyTorch's recursive formula.
#[derive(Clone, Debug)]
pub struct CosineAnnealingLR {
    t_max: usize,
    eta_min: f64,
    core: Core,
}

impl CosineAnnealingLR {
    /// `CosineAnnealingLR(optimizer, T_max, eta_min)`. A `t_max` of 0 is taken as 1
    /// (PyTorch divides by it).
    pub fn new<E: FloatDtype, D: Device, O: Optimizer<E, D> + ?Sized>(
        optimizer: &mut O,
        t_max: usize,
        eta_min: f64,
    ) -> Self {
        let (t_max, core) = (t_max.max(1), Core::default());
        started(
            CosineAnnealingLR {
                t_max,
                eta_min,
                core,
            },
            optimizer,
        )
    }

    fn rule(&self, base_lr: f64, e: i64, lr: f64, initial: bool) -> f64 {
        let (t, eta) = (self.t_max as f64, self.eta_min);
        if initial {
            lr
        } else if (e - 1 - self.t_max as i64).rem_euclid(2 * self.t_max as i64) == 0 {
            lr + (base_lr - eta) * (1.0 - (PI / t).cos()) / 2.0
        } else {
            (1.0 + (PI * e as f64 / t).cos()) / (1.0 + (PI * (e - 1) as f64 / t).cos()) * (lr - eta)
                + eta
        }
    }
}
rule!(CosineAnnealingLR);

/// `LambdaLR(optimizer, lr_lambda)`: the initial learning rate times `lr_lambda(epoch)`.
///
/// ```
/// use typetensor::optim::lr_scheduler::{LRScheduler, LambdaLR};
/// use typetensor::optim::{Adam, Optimizer};
/// let mut optimizer = Adam::<f32>::new(1e-3);
/// // LambdaLR(optimizer, lr_lambda=lambda epoch: 0.95 ** epoch)
/// let mut scheduler = LambdaLR::new(&mut optimizer, |epoch| 0.95f64.powf(epoch as f64));
/// scheduler.step(&mut optimizer);
/// assert_eq!(scheduler.get_last_lr(), 1e-3 * 0.95);
/// ```
pub struct LambdaLR {
    lr_lambda: Box<dyn Fn(usize) -> f64 + Send + Sync>,
    core: Core,
}

impl LambdaLR {
    /// `LambdaLR(optimizer, lr_lambda)`: sets the learning rate to `initial *
    /// lr_lambda(0)` at once, as PyTorch's initial step does.
    pub fn new<E: FloatDtype, D: Device, O: Optimizer<E, D> + ?Sized>(
        optimizer: &mut O,
        lr_lambda: impl Fn(usize) -> f64 + Send + Sync + 'static,
    ) -> Self {
        let lr_lambda = Box::new(lr_lambda);
        started(
            LambdaLR {
                lr_lambda,
                core: Core::default(),
            },
            optimizer,
        )
    }

    fn rule(&self, base_lr: f64, epoch: i64, _: f64, _: bool) -> f64 {
        base_lr * (self.lr_lambda)(epoch.max(0) as usize)
    }
}
rule!(LambdaLR);

impl fmt::Debug for LambdaLR {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LambdaLR")
            .field("core", &self.core)
            .finish_non_exhaustive()
    }
}
