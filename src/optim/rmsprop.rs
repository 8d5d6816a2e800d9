//! `torch.optim.RMSprop`, plain or centred, with optional momentum and weight decay.
use std::fmt;

use crate::Result;
use crate::device::{Cpu, Device};
use crate::dtype::FloatDtype;
use crate::nn::Parameters;

use super::checkpoint::SavedState;
use super::{Optimizer, ParamStates, RmspropScalars, cast, decay, non_negative};
use crate::error::Error;

/// `torch.optim.RMSprop(model.parameters(), lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0,
/// momentum=0, centered=False, maximize=False)`.
///
/// Per step, with `g` the gradient (negated if `maximize`): `g += weight_decay * p`;
/// `v = alpha * v + (1 - alpha) * g²`; centred, `ḡ = lerp(ḡ, g, 1 - alpha)` and
/// `avg = sqrt(v - ḡ²) + eps`, else `avg = sqrt(v) + eps`; with momentum
/// `buf = momentum * buf + g / avg` and `p -= lr * buf`, else `p -= lr * g / avg`.
///
/// ```
/// use typetensor::nn::Linear;
/// use typetensor::optim::{Optimizer, RMSprop};
/// use typetensor::tensor;
///
/// // torch.optim.RMSprop(model.parameters(), lr=0.01, momentum=0.9, centered=True)
/// let mut optimizer = RMSprop::new(0.01).momentum(0.9).centered(true);
/// let mut model = Linear::<2, 1>::from_weights(tensor([[1.0f32, 2.0]]), None);
/// model.weight.set_grad(Some(&tensor([[0.5f32, -3.0]])));
/// optimizer.step(&mut model);
/// // v = 0.01 g², ḡ = 0.01 g: the step is lr * g / sqrt(0.0099 g²), about ±0.1005.
/// // PyTorch: [[0.8994962573051453, 2.10050368309021]], the same f32s.
/// assert_eq!(model.weight.to_vec(), vec![0.89949626, 2.1005037]);
/// ```
pub struct RMSprop<E: FloatDtype = f32, D: Device = Cpu> {
    lr: f64,
    alpha: f64,
    eps: f64,
    weight_decay: f64,
    momentum: f64,
    centered: bool,
    maximize: bool,
    state: ParamStates<RmspropState<D::Storage<E>>, D>,
}

/// `optimizer.state[p]`: `step`, `square_avg`, `momentum_buffer`, `grad_avg`.
struct RmspropState<S> {
    /// Counted as PyTorch does; the update does not use it.
    step: u64,
    square_avg: S,
    /// Created on the first step with momentum (zeros, as PyTorch).
    momentum_buffer: Option<S>,
    /// Created on the first centred step (zeros).
    grad_avg: Option<S>,
}

impl<E: FloatDtype, D: Device> RMSprop<E, D> {
    /// `torch.optim.RMSprop(params, lr=lr)` with the other hyper-parameters at PyTorch's
    /// defaults.
    pub fn new(lr: f64) -> Self {
        RMSprop {
            lr,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            maximize: false,
            state: ParamStates::default(),
        }
    }

    /// `alpha=`: the smoothing constant of the squared-gradient average (default 0.99).
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// `eps=`: added to the denominator (default `1e-8`).
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// `weight_decay=`: L2 penalty added to the gradient (default 0).
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// `momentum=` (default 0: none).
    pub fn momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// `centered=`: normalise by the estimated variance of the gradient rather than its
    /// second moment (default false).
    pub fn centered(mut self, centered: bool) -> Self {
        self.centered = centered;
        self
    }

    /// `maximize=`: ascend the objective instead of descending it.
    pub fn maximize(mut self, maximize: bool) -> Self {
        self.maximize = maximize;
        self
    }

    /// PyTorch's constructor checks.
    fn validate(&self) -> Result<()> {
        non_negative("RMSprop", "learning rate", self.lr)?;
        non_negative("RMSprop", "epsilon value", self.eps)?;
        non_negative("RMSprop", "momentum value", self.momentum)?;
        non_negative("RMSprop", "weight_decay value", self.weight_decay)?;
        non_negative("RMSprop", "alpha value", self.alpha)
    }
}

impl<E: FloatDtype, D: Device> Default for RMSprop<E, D> {
    /// `torch.optim.RMSprop(params)`: `lr=1e-2`.
    fn default() -> Self {
        Self::new(1e-2)
    }
}

impl<E: FloatDtype, D: Device> Optimizer<E, D> for RMSprop<E, D> {
    fn try_step<M: Parameters<E, D> + ?Sized>(&mut self, model: &mut M) -> Result<()> {
        self.validate()?;
        let (with_momentum, centered) = (self.momentum > 0.0, self.centered);
        let scalars = RmspropScalars {
            neg_lr: cast(-self.lr),
            alpha: cast(self.alpha),
            one_minus_alpha: cast(1.0 - self.alpha),
            eps: cast(self.eps),
            weight_decay: decay(self.weight_decay),
            momentum: cast(self.momentum),
            maximize: self.maximize,
        };
        self.state.step(
            "RMSprop",
            model,
            |device: &D, n| {
                Ok(RmspropState {
                    step: 0,
                    square_avg: device.alloc_filled(n, E::zero())?,
                    momentum_buffer: None,
                    grad_avg: None,
                })
            },
            |st, device, n| {
                if with_momentum && st.momentum_buffer.is_none() {
                    st.momentum_buffer = Some(device.alloc_filled(n, E::zero())?);
                }
                if centered && st.grad_avg.is_none() {
                    st.grad_avg = Some(device.alloc_filled(n, E::zero())?);
                }
                Ok(())
            },
            |st, device, n, param, grad| {
                let grad_avg = if centered { st.grad_avg.as_mut() } else { None };
                let buf = if with_momentum {
                    st.momentum_buffer.as_mut()
                } else {
                    None
                };
                device.rmsprop_step(n, param, grad, &mut st.square_avg, grad_avg, buf, &scalars)?;
                st.step += 1;
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
        self.state.save_bytes::<E>("RMSprop", &self.hyper())
    }

    fn load_state_from_bytes(&mut self, bytes: &[u8], device: &D) -> Result<()> {
        let hyper = self.hyper();
        self.lr = self
            .state
            .load_bytes::<E>("RMSprop", &hyper, bytes, device)?;
        Ok(())
    }
}

impl<E: FloatDtype, D: Device> RMSprop<E, D> {
    /// `param_groups[0]` as saved.
    fn hyper(&self) -> Vec<(&'static str, String)> {
        vec![
            ("lr", format!("{:?}", self.lr)),
            ("alpha", format!("{:?}", self.alpha)),
            ("eps", format!("{:?}", self.eps)),
            ("weight_decay", format!("{:?}", self.weight_decay)),
            ("momentum", format!("{:?}", self.momentum)),
            ("centered", self.centered.to_string()),
            ("maximize", self.maximize.to_string()),
        ]
    }
}

impl<S> SavedState<S> for RmspropState<S> {
    fn entries(&self) -> (Option<u64>, Vec<(&'static str, &S)>) {
        let mut v = vec![("square_avg", &self.square_avg)];
        if let Some(b) = &self.momentum_buffer {
            v.push(("momentum_buffer", b));
        }
        if let Some(g) = &self.grad_avg {
            v.push(("grad_avg", g));
        }
        (Some(self.step), v)
    }
    fn restore(step: Option<u64>, take: &mut dyn FnMut(&'static str) -> Option<S>) -> Result<Self> {
        let missing = |what: &str| Error::Checkpoint(format!("RMSprop state: no `{what}`"));
        Ok(RmspropState {
            step: step.ok_or_else(|| missing("step"))?,
            square_avg: take("square_avg").ok_or_else(|| missing("square_avg"))?,
            momentum_buffer: take("momentum_buffer"),
            grad_avg: take("grad_avg"),
        })
    }
}

impl<E: FloatDtype, D: Device> fmt::Debug for RMSprop<E, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RMSprop")
            .field("lr", &self.lr)
            .field("alpha", &self.alpha)
            .field("eps", &self.eps)
            .field("weight_decay", &self.weight_decay)
            .field("momentum", &self.momentum)
            .field("centered", &self.centered)
            .field("maximize", &self.maximize)
            .finish_non_exhaustive()
    }
}
