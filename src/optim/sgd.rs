//! `torch.optim.SGD`: stochastic gradient descent with optional momentum, dampening,
//! Nesterov momentum, weight decay and maximisation.
use std::fmt;

use crate::Result;
use crate::device::{Cpu, Device};
use crate::dtype::FloatDtype;
use crate::nn::Parameters;

use super::checkpoint::SavedState;
use super::{Optimizer, ParamStates, SgdScalars, cast, decay, invalid, non_negative};

/// `torch.optim.SGD(model.parameters(), lr, momentum=0, dampening=0, weight_decay=0,
/// nesterov=False, maximize=False)`.
///
/// Per step, with `g` the gradient (negated if `maximize`):
/// `g += weight_decay * p`; with momentum, `buf = momentum * buf + (1 - dampening) * g`
/// (`buf = g` on the first step) and `g = buf`, or `g += momentum * buf` if `nesterov`;
/// then `p -= lr * g`.
///
/// ```
/// use typetensor::nn::{Linear, Parameters};
/// use typetensor::optim::{Optimizer, SGD};
/// use typetensor::tensor;
///
/// // optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
/// let mut optimizer = SGD::new(0.1).momentum(0.9).nesterov(true);
/// let mut model = Linear::<2, 1>::from_weights(tensor([[1.0f32, 2.0]]), None);
/// model.weight.set_grad(Some(&tensor([[1.0f32, -1.0]])));
/// optimizer.step(&mut model);
/// // buf = g; g + 0.9 * buf = 1.9 * g; p -= 0.1 * 1.9 * g
/// assert_eq!(model.weight.to_vec(), vec![0.81, 2.19]);
///
/// // Nesterov momentum without momentum is refused, as PyTorch's ValueError.
/// let mut bad = SGD::new(0.1).nesterov(true);
/// assert!(bad.try_step(&mut model).is_err());
/// ```
pub struct SGD<E: FloatDtype = f32, D: Device = Cpu> {
    lr: f64,
    momentum: f64,
    dampening: f64,
    weight_decay: f64,
    nesterov: bool,
    maximize: bool,
    /// The momentum buffers, when `momentum != 0`.
    state: ParamStates<SgdState<D::Storage<E>>, D>,
}

/// One parameter's momentum buffer, created zeroed by the first step with momentum. `fresh`
/// until a step has used it: that step fills it with the gradient instead (PyTorch:
/// `if buf is None: buf = grad.clone()`).
struct SgdState<S> {
    momentum_buffer: Option<S>,
    fresh: bool,
}

impl<E: FloatDtype, D: Device> SGD<E, D> {
    /// `torch.optim.SGD(params, lr=lr)`: plain gradient descent, `p -= lr * p.grad`.
    pub fn new(lr: f64) -> Self {
        SGD {
            lr,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            maximize: false,
            state: ParamStates::default(),
        }
    }

    /// `momentum=` (default 0: none).
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// `dampening=` for momentum (default 0).
    pub fn dampening(mut self, dampening: f64) -> Self {
        self.dampening = dampening;
        self
    }

    /// `weight_decay=`: L2 penalty added to the gradient (default 0).
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// `nesterov=`: Nesterov momentum; needs `momentum > 0` and `dampening == 0` (checked
    /// at the first step).
    pub fn nesterov(mut self, nesterov: bool) -> Self {
        self.nesterov = nesterov;
        self
    }

    /// `maximize=`: ascend the objective instead of descending it.
    pub fn maximize(mut self, maximize: bool) -> Self {
        self.maximize = maximize;
        self
    }

    /// PyTorch's constructor checks.
    fn validate(&self) -> Result<()> {
        non_negative("SGD", "learning rate", self.lr)?;
        non_negative("SGD", "momentum value", self.momentum)?;
        non_negative("SGD", "weight_decay value", self.weight_decay)?;
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(invalid(
                "SGD",
                "Nesterov momentum requires a momentum and zero dampening".into(),
            ));
        }
        Ok(())
    }
}

impl<E: FloatDtype, D: Device> Optimizer<E, D> for SGD<E, D> {
    fn try_step<M: Parameters<E, D> + ?Sized>(&mut self, model: &mut M) -> Result<()> {
        self.validate()?;
        let with_momentum = self.momentum != 0.0;
        let scalars = SgdScalars {
            neg_lr: cast(-self.lr),
            weight_decay: decay(self.weight_decay),
            momentum: cast(self.momentum),
            one_minus_dampening: cast(1.0 - self.dampening),
            nesterov: self.nesterov,
            maximize: self.maximize,
            first_step: false,
        };
        self.state.step(
            "SGD",
            model,
            |_: &D, _| {
                Ok(SgdState {
                    momentum_buffer: None,
                    fresh: false,
                })
            },
            |st, device, n| {
                if with_momentum && st.momentum_buffer.is_none() {
                    st.momentum_buffer = Some(device.alloc_filled(n, E::zero())?);
                    st.fresh = true;
                }
                Ok(())
            },
            |st, device, n, param, grad| {
                let buf = if with_momentum {
                    st.momentum_buffer.as_mut()
                } else {
                    None
                };
                let s = SgdScalars {
                    first_step: st.fresh,
                    ..scalars
                };
                device.sgd_step(n, param, grad, buf, &s)?;
                st.fresh = false;
                Ok(())
            },
        )
    }

    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn state_to_bytes(&self) -> Result<Vec<u8>> {
        self.state.save_bytes::<E>("SGD", &self.hyper())
    }

    fn load_state_from_bytes(&mut self, bytes: &[u8], device: &D) -> Result<()> {
        let hyper = self.hyper();
        self.lr = self.state.load_bytes::<E>("SGD", &hyper, bytes, device)?;
        Ok(())
    }
}

impl<E: FloatDtype, D: Device> SGD<E, D> {
    /// `param_groups[0]` as saved.
    fn hyper(&self) -> Vec<(&'static str, String)> {
        vec![
            ("lr", format!("{:?}", self.lr)),
            ("momentum", format!("{:?}", self.momentum)),
            ("dampening", format!("{:?}", self.dampening)),
            ("weight_decay", format!("{:?}", self.weight_decay)),
            ("nesterov", self.nesterov.to_string()),
            ("maximize", self.maximize.to_string()),
        ]
    }
}

impl<S> SavedState<S> for SgdState<S> {
    /// `momentum_buffer` once a step has filled it (PyTorch's is `None` until then).
    fn entries(&self) -> (Option<u64>, Vec<(&'static str, &S)>) {
        let buf = match &self.momentum_buffer {
            Some(b) if !self.fresh => vec![("momentum_buffer", b)],
            _ => Vec::new(),
        };
        (None, buf)
    }
    fn restore(_: Option<u64>, take: &mut dyn FnMut(&'static str) -> Option<S>) -> Result<Self> {
        Ok(SgdState {
            momentum_buffer: take("momentum_buffer"),
            fresh: false,
        })
    }
}

impl<E: FloatDtype, D: Device> fmt::Debug for SGD<E, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SGD")
            .field("lr", &self.lr)
            .field("momentum", &self.momentum)
            .field("dampening", &self.dampening)
            .field("weight_decay", &self.weight_decay)
            .field("nesterov", &self.nesterov)
            .field("maximize", &self.maximize)
            .finish_non_exhaustive()
    }
}
