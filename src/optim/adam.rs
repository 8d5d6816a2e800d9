//! `torch.optim.Adam`, with L2 weight decay (not AdamW's decoupled decay) and AMSGrad.
use std::fmt;
use std::hint::black_box;

use crate::Result;
use crate::device::{Cpu, Device};
use crate::dtype::FloatDtype;
use crate::nn::Parameters;

use super::{AdamScalars, Optimizer, ParamStates, cast, decay, invalid, non_negative};

/// `torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
/// weight_decay=0, amsgrad=False, maximize=False)`.
///
/// Per step `t` (counted per parameter), with `g` the gradient (negated if `maximize`):
/// `g += weight_decay * p`; `m = lerp(m, g, 1 - beta1)`; `v = beta2 * v + (1 - beta2) * g²`;
/// with AMSGrad `v̂ = max(v̂, v)` replaces `v` below; then
/// `p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)`, each step in
/// PyTorch's order and rounding (`bias_correction2 ** 0.5` is C's `pow`, as in Python,
/// not `sqrt`: they differ in the last bit for about one step in a thousand).
///
/// ```
/// use typetensor::nn::Linear;
/// use typetensor::optim::{Adam, Optimizer};
/// use typetensor::tensor;
///
/// let mut optimizer = Adam::new(0.1); // torch.optim.Adam(model.parameters(), lr=0.1)
/// let mut model = Linear::<2, 1>::from_weights(tensor([[1.0f32, 2.0]]), None);
/// model.weight.set_grad(Some(&tensor([[0.5f32, -3.0]])));
/// optimizer.step(&mut model);
/// // Adam's first step moves each weight by about lr, against its gradient's sign.
/// // PyTorch: [[0.9000000357627869, 2.0999999046325684]], the same f32s.
/// assert_eq!(model.weight.to_vec(), vec![0.90000004, 2.1]);
/// ```
pub struct Adam<E: FloatDtype = f32, D: Device = Cpu> {
    lr: f64,
    betas: (f64, f64),
    eps: f64,
    weight_decay: f64,
    amsgrad: bool,
    maximize: bool,
    state: ParamStates<AdamState<D::Storage<E>>>,
}

/// `optimizer.state[p]`: `step`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`.
struct AdamState<S> {
    step: u64,
    exp_avg: S,
    exp_avg_sq: S,
    /// Created on the first step with `amsgrad` (zeros, as PyTorch).
    max_exp_avg_sq: Option<S>,
}

impl<E: FloatDtype, D: Device> Adam<E, D> {
    /// `torch.optim.Adam(params, lr=lr)` with the other hyper-parameters at PyTorch's
    /// defaults.
    pub fn new(lr: f64) -> Self {
        Adam {
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            maximize: false,
            state: ParamStates::default(),
        }
    }

    /// `betas=(beta1, beta2)`: decay rates of the first and second moment averages
    /// (default `(0.9, 0.999)`; each in `[0, 1)`).
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Self {
        self.betas = (beta1, beta2);
        self
    }

    /// `eps=`: added to the denominator (default `1e-8`).
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// `weight_decay=`: L2 penalty added to the gradient (default 0). This is
    /// `torch.optim.Adam`'s coupled decay, not `AdamW`'s.
    pub fn weight_decay(mut self, weight_decay: f64) -> Self {
        self.weight_decay = weight_decay;
        self
    }

    /// `amsgrad=`: use the running maximum of the second moment (default false).
    pub fn amsgrad(mut self, amsgrad: bool) -> Self {
        self.amsgrad = amsgrad;
        self
    }

    /// `maximize=`: ascend the objective instead of descending it.
    pub fn maximize(mut self, maximize: bool) -> Self {
        self.maximize = maximize;
        self
    }

    /// PyTorch's constructor checks.
    fn validate(&self) -> Result<()> {
        non_negative("Adam", "learning rate", self.lr)?;
        non_negative("Adam", "epsilon value", self.eps)?;
        for (i, beta) in [self.betas.0, self.betas.1].into_iter().enumerate() {
            if !(0.0..1.0).contains(&beta) {
                return Err(invalid(
                    "Adam",
                    format!("Invalid beta parameter at index {i}: {beta}"),
                ));
            }
        }
        non_negative("Adam", "weight_decay value", self.weight_decay)
    }
}

impl<E: FloatDtype, D: Device> Default for Adam<E, D> {
    /// `torch.optim.Adam(params)`: `lr=1e-3`.
    fn default() -> Self {
        Self::new(1e-3)
    }
}

impl<E: FloatDtype, D: Device> Optimizer<E, D> for Adam<E, D> {
    fn try_step<M: Parameters<E, D> + ?Sized>(&mut self, model: &mut M) -> Result<()> {
        self.validate()?;
        let (lr, (beta1, beta2), eps, amsgrad) = (self.lr, self.betas, self.eps, self.amsgrad);
        let (weight_decay, maximize) = (decay::<E>(self.weight_decay), self.maximize);
        self.state.step(
            "Adam",
            model,
            |device: &D, n| {
                Ok(AdamState {
                    step: 0,
                    exp_avg: device.alloc_filled(n, E::zero())?,
                    exp_avg_sq: device.alloc_filled(n, E::zero())?,
                    max_exp_avg_sq: None,
                })
            },
            |st, device, n| {
                if amsgrad && st.max_exp_avg_sq.is_none() {
                    st.max_exp_avg_sq = Some(device.alloc_filled(n, E::zero())?);
                }
                Ok(())
            },
            |st, device, n, param, grad| {
                // Python floats, as `_single_tensor_adam` computes them. `black_box` keeps
                // these calls to the C library's `pow`, the function Python's `**` calls:
                // LLVM would turn `pow(x, 0.5)` into `sqrt(x)`, which rounds differently.
                let step = (st.step + 1) as f64;
                let bias_correction1 = 1.0 - beta1.powf(black_box(step));
                let bias_correction2 = 1.0 - beta2.powf(black_box(step));
                let step_size = lr / bias_correction1;
                let bias_correction2_sqrt = bias_correction2.powf(black_box(0.5));
                let scalars = AdamScalars {
                    weight_decay,
                    one_minus_beta1: cast(1.0 - beta1),
                    beta2: cast(beta2),
                    one_minus_beta2: cast(1.0 - beta2),
                    bias_correction2_sqrt: cast(bias_correction2_sqrt),
                    neg_step_size: cast(-step_size),
                    eps: cast(eps),
                    maximize,
                };
                let max = if amsgrad {
                    st.max_exp_avg_sq.as_mut()
                } else {
                    None
                };
                device.adam_step(
                    n,
                    param,
                    grad,
                    &mut st.exp_avg,
                    &mut st.exp_avg_sq,
                    max,
                    &scalars,
                )?;
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
}

impl<E: FloatDtype, D: Device> fmt::Debug for Adam<E, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Adam")
            .field("lr", &self.lr)
            .field("betas", &self.betas)
            .field("eps", &self.eps)
            .field("weight_decay", &self.weight_decay)
            .field("amsgrad", &self.amsgrad)
            .field("maximize", &self.maximize)
            .finish_non_exhaustive()
    }
}
