//! `torch.nn.utils`: clipping every parameter's gradient.
use crate::Result;
use crate::autograd::no_grad;
use crate::device::Device;
use crate::dtype::FloatDtype;
use crate::nn::Parameters;

/// `torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, norm_type)`: scales every
/// gradient by `max_norm / (total_norm + 1e-6)` when that is below 1, and returns
/// `total_norm`, the `norm_type`-norm of all gradients together (the norm of the
/// per-parameter norms). `norm_type` is `2.0`, `f64::INFINITY` (the largest absolute
/// value) or any other positive `p`. Parameters without a gradient are skipped; with none,
/// the total is 0.
///
/// ```
/// use typetensor::nn::{Linear, utils::clip_grad_norm_};
/// use typetensor::tensor;
/// let model = Linear::<2, 1>::from_weights(tensor([[1.0f32, 2.0]]), Some(tensor([0.0f32])));
/// model.weight.set_grad(Some(&tensor([[3.0f32, 0.0]])));
/// model.bias.as_ref().unwrap().set_grad(Some(&tensor([4.0f32])));
/// let total = clip_grad_norm_(&model, 1.0, 2.0).unwrap(); // sqrt(3² + 4²)
/// assert_eq!(total, 5.0);
/// let g = model.weight.grad().unwrap().to_vec();
/// assert!((g[0] - 0.6).abs() < 1e-6);
/// ```
pub fn clip_grad_norm_<E: FloatDtype, D: Device, M: Parameters<E, D> + ?Sized>(
    model: &M,
    max_norm: f64,
    norm_type: f64,
) -> Result<E> {
    no_grad(|| {
        let params = model.parameters();
        let mut grads = Vec::new();
        for p in &params {
            if let Some(g) = p.tensor.grad_flat()? {
                grads.push((p, g));
            }
        }
        let p = E::from_f64(norm_type);
        let inf = norm_type == f64::INFINITY;
        // Each gradient's norm, then the norm of those (PyTorch's order).
        let mut norms = Vec::with_capacity(grads.len());
        for (_, g) in &grads {
            let a = g.try_abs()?;
            let n = if inf {
                a.try_max()?.try_item()?
            } else if norm_type == 2.0 {
                a.try_mul(&a)?.try_sum()?.try_sqrt()?.try_item()?
            } else {
                let s = a.try_pow(p)?.try_sum()?.try_item()?;
                s.powf(E::one() / p)
            };
            norms.push(n);
        }
        let total = if inf {
            norms
                .iter()
                .fold(E::zero(), |m, &n| if n > m { n } else { m })
        } else if norm_type == 2.0 {
            norms.iter().fold(E::zero(), |s, &n| n.mul_add(n, s)).sqrt()
        } else {
            let s = norms.iter().fold(E::zero(), |s, &n| s + n.powf(p));
            s.powf(E::one() / p)
        };
        let coef = E::from_f64(max_norm) / (total + E::from_f64(1e-6));
        let coef = if coef > E::one() { E::one() } else { coef };
        for (param, g) in &grads {
            param.tensor.set_grad_flat(Some(&g.try_mul_scalar(coef)?))?;
        }
        Ok(total)
    })
}

/// `torch.nn.utils.clip_grad_value_(model.parameters(), clip_value)`: clamps every
/// gradient element into `[-clip_value, clip_value]`.
///
/// ```
/// use typetensor::nn::{Linear, utils::clip_grad_value_};
/// use typetensor::tensor;
/// let model = Linear::<2, 1>::from_weights(tensor([[1.0f32, 2.0]]), None);
/// model.weight.set_grad(Some(&tensor([[3.0f32, -0.5]])));
/// clip_grad_value_(&model, 1.0).unwrap();
/// assert_eq!(model.weight.grad().unwrap().to_vec(), vec![1.0, -0.5]);
/// ```
pub fn clip_grad_value_<E: FloatDtype, D: Device, M: Parameters<E, D> + ?Sized>(
    model: &M,
    clip_value: f64,
) -> Result<()> {
    let c = E::from_f64(clip_value);
    no_grad(|| {
        for p in model.parameters() {
            if let Some(g) = p.tensor.grad_flat()? {
                p.tensor
                    .set_grad_flat(Some(&g.try_clamp(Some(-c), Some(c))?))?;
            }
        }
        Ok(())
    })
}
