//! `torch.optim.Adam`, with L2 weight decay (not AdamW's decoupled decay) and AMSGrad.
use std::fmt;
use std::hint::black_box;

use crate::Result;
use crate::device::{Cpu, Device};
use crate::dtype::FloatDtype;
use crate::layout::Layout;
use crate::nn::Parameters;
use crate::ops::unary::UnaryOp;
use crate::shape::Dims;

use super::checkpoint::SavedState;
use super::{AdamScalars, Optimizer, ParamStates, cast, decay, invalid, non_negative};
use crate::error::Error;

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
    decoupled: bool,
    state: ParamStates<AdamState<D::Storage<E>>, D>,
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
            decoupled: false,
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

    /// `decoupled_weight_decay=`: AdamW's decay, `p *= 1 - lr * weight_decay` before the
    /// update, instead of adding `weight_decay * p` to the gradient (see [`AdamW`]).
    pub fn decoupled_weight_decay(mut self, decoupled: bool) -> Self {
        self.decoupled = decoupled;
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
        // AdamW: the decay scales the parameter (`param.mul_(1 - lr * weight_decay)`), and
        // the gradient gets no L2 term.
        let (weight_decay, shrink) = match (self.decoupled, weight_decay) {
            (true, Some(_)) => (None, Some(cast::<E>(1.0 - lr * self.weight_decay))),
            (_, wd) => (wd, None),
        };
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
                if let Some(factor) = shrink {
                    shrink_in_place(device, param, n, factor)?;
                }
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

    fn state_to_bytes(&self) -> Result<Vec<u8>> {
        self.state.save_bytes::<E>("Adam", &self.hyper())
    }

    fn load_state_from_bytes(&mut self, bytes: &[u8], device: &D) -> Result<()> {
        let hyper = self.hyper();
        self.lr = self.state.load_bytes::<E>("Adam", &hyper, bytes, device)?;
        Ok(())
    }
}

impl<E: FloatDtype, D: Device> Adam<E, D> {
    /// `param_groups[0]` as saved: PyTorch's keys, values as Rust prints them.
    fn hyper(&self) -> Vec<(&'static str, String)> {
        vec![
            ("lr", format!("{:?}", self.lr)),
            ("betas", format!("{:?}", self.betas)),
            ("eps", format!("{:?}", self.eps)),
            ("weight_decay", format!("{:?}", self.weight_decay)),
            ("amsgrad", self.amsgrad.to_string()),
            ("maximize", self.maximize.to_string()),
            ("decoupled_weight_decay", self.decoupled.to_string()),
        ]
    }
}

impl<S> SavedState<S> for AdamState<S> {
    fn entries(&self) -> (Option<u64>, Vec<(&'static str, &S)>) {
        let mut v = vec![("exp_avg", &self.exp_avg), ("exp_avg_sq", &self.exp_avg_sq)];
        if let Some(m) = &self.max_exp_avg_sq {
            v.push(("max_exp_avg_sq", m));
        }
        (Some(self.step), v)
    }
    fn restore(step: Option<u64>, take: &mut dyn FnMut(&'static str) -> Option<S>) -> Result<Self> {
        let missing = |what: &str| Error::Checkpoint(format!("Adam state: no `{what}`"));
        Ok(AdamState {
            step: step.ok_or_else(|| missing("step"))?,
            exp_avg: take("exp_avg").ok_or_else(|| missing("exp_avg"))?,
            exp_avg_sq: take("exp_avg_sq").ok_or_else(|| missing("exp_avg_sq"))?,
            max_exp_avg_sq: take("max_exp_avg_sq"),
        })
    }
}

impl<E: FloatDtype, D: Device> Optimizer<E, D> for AdamW<E, D> {
    fn try_step<M: Parameters<E, D> + ?Sized>(&mut self, model: &mut M) -> Result<()> {
        self.0.try_step(model)
    }
    fn lr(&self) -> f64 {
        self.0.lr
    }
    fn set_lr(&mut self, lr: f64) {
        self.0.lr = lr;
    }
    fn state_to_bytes(&self) -> Result<Vec<u8>> {
        self.0.state_to_bytes()
    }
    fn load_state_from_bytes(&mut self, bytes: &[u8], device: &D) -> Result<()> {
        self.0.load_state_from_bytes(bytes, device)
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
            .field("decoupled_weight_decay", &self.decoupled)
            .finish_non_exhaustive()
    }
}

/// `param *= factor` over the first `n` elements of a dense parameter, in place where the
/// device can (the CPU); rounded once per element either way, as `param.mul_(factor)`.
fn shrink_in_place<E: FloatDtype, D: Device>(
    device: &D,
    param: &mut D::Storage<E>,
    n: usize,
    factor: E,
) -> Result<()> {
    let layout = Layout::contiguous(Dims::from_array([n]));
    if !device.unary_assign(UnaryOp::MulScalar(factor), param, &layout)? {
        *param = device.unary(UnaryOp::MulScalar(factor), param, &layout)?;
    }
    Ok(())
}

/// `torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
/// weight_decay=1e-2, amsgrad=False, maximize=False)`: [`Adam`] with decoupled weight decay
/// (each step first shrinks every parameter by `1 - lr * weight_decay`), bit for bit as
/// PyTorch's single-tensor path.
///
/// ```
/// use typetensor::nn::Linear;
/// use typetensor::optim::{AdamW, Optimizer};
/// use typetensor::tensor;
///
/// let mut optimizer = AdamW::new(0.1).weight_decay(0.5); // torch.optim.AdamW(params, lr=0.1, weight_decay=0.5)
/// let mut model = Linear::<1, 1>::from_weights(tensor([[2.0f32]]), None);
/// model.weight.set_grad(Some(&tensor([[1.0f32]])));
/// optimizer.step(&mut model);
/// // 2 * (1 - 0.1 * 0.5) = 1.9, then Adam's first step of about lr: 1.8
/// assert!((model.weight.to_vec()[0] - 1.8).abs() < 1e-6);
/// ```
pub struct AdamW<E: FloatDtype = f32, D: Device = Cpu>(Adam<E, D>);

impl<E: FloatDtype, D: Device> AdamW<E, D> {
    /// `torch.optim.AdamW(params, lr=lr)`: `weight_decay=1e-2`, the rest as [`Adam::new`].
    pub fn new(lr: f64) -> Self {
        AdamW(
            Adam::new(lr)
                .weight_decay(1e-2)
                .decoupled_weight_decay(true),
        )
    }

    /// `betas=(beta1, beta2)`.
    pub fn betas(self, beta1: f64, beta2: f64) -> Self {
        AdamW(self.0.betas(beta1, beta2))
    }

    /// `eps=`.
    pub fn eps(self, eps: f64) -> Self {
        AdamW(self.0.eps(eps))
    }

    /// `weight_decay=` (default `1e-2`), decoupled.
    pub fn weight_decay(self, weight_decay: f64) -> Self {
        AdamW(self.0.weight_decay(weight_decay))
    }

    /// `amsgrad=`.
    pub fn amsgrad(self, amsgrad: bool) -> Self {
        AdamW(self.0.amsgrad(amsgrad))
    }

    /// `maximize=`.
    pub fn maximize(self, maximize: bool) -> Self {
        AdamW(self.0.maximize(maximize))
    }
}

impl<E: FloatDtype, D: Device> Default for AdamW<E, D> {
    /// `torch.optim.AdamW(params)`: `lr=1e-3`.
    fn default() -> Self {
        Self::new(1e-3)
    }
}

impl<E: FloatDtype, D: Device> fmt::Debug for AdamW<E, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AdamW({:?})", self.0)
    }
}
