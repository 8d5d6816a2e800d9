//! CPU optimizer kernels: one loop per step and parameter, in place, no temporaries.
//!
//! Each loop evaluates PyTorch's single-tensor formulas per element in PyTorch's order and
//! rounding. PyTorch's CPU kernels for `add(alpha=)`, `lerp_` and `addcmul_` compute a fused
//! multiply-add (one rounding), so these loops use `mul_add` at exactly those places; its
//! `addcdiv_` is `self + (value * t1) / t2` and its `maximum` propagates NaN.
//!
//! `mul_add` is one instruction only where the target has FMA. On x86-64 the default
//! target does not assume it, so each loop also exists compiled with FMA enabled and is
//! chosen at run time when the CPU has it (any x86-64 CPU since 2013); elsewhere the
//! fallback computes the same fused result, only slower.
use crate::Result;
use crate::device::Cpu;
use crate::dtype::FloatDtype;
use crate::error::Error;
use crate::ops::arith::cpu::nan_max;

use super::{AdamScalars, OptimKernel, RmspropScalars, SgdScalars};

/// The first `n` elements of a buffer, or an error naming it if it is shorter.
fn prefix<'a, E>(v: &'a [E], n: usize, what: &str) -> Result<&'a [E]> {
    v.get(..n).ok_or_else(|| short(what, v.len(), n))
}

fn prefix_mut<'a, E>(v: &'a mut [E], n: usize, what: &str) -> Result<&'a mut [E]> {
    let len = v.len();
    v.get_mut(..n).ok_or_else(|| short(what, len, n))
}

/// An optional buffer's first `n` elements, or an empty slice the loop never indexes.
fn prefix_opt<'a, E>(v: Option<&'a mut Vec<E>>, n: usize, what: &str) -> Result<&'a mut [E]> {
    match v {
        Some(v) => prefix_mut(v, n, what),
        None => Ok(&mut []),
    }
}

fn short(what: &str, len: usize, n: usize) -> Error {
    Error::Device(format!(
        "optimizer kernel: `{what}` holds {len} elements, {n} needed"
    ))
}

/// `torch.lerp(start, end, weight)` as PyTorch's CPU kernel: `start + weight * (end -
/// start)` for `|weight| < 0.5`, else `end + (weight - 1) * (end - start)`, each one FMA.
#[inline(always)]
fn lerp<E: FloatDtype>(start: E, end: E, weight: E, small: bool) -> E {
    let diff = end - start;
    if small {
        weight.mul_add(diff, start)
    } else {
        (weight - E::one()).mul_add(diff, end)
    }
}

/// One optimizer loop, run by [`run`] with or without FMA code generation.
trait Pass: Sized + Send {
    fn run(self);
    /// The number of elements the loop updates.
    #[cfg_attr(not(feature = "threads"), allow(dead_code))]
    fn len(&self) -> usize;
    /// The loop over elements `..mid` and the loop over `mid..`.
    #[cfg_attr(not(feature = "threads"), allow(dead_code))]
    fn split_at(self, mid: usize) -> (Self, Self);
}

/// An optional state buffer (empty when its feature is off) cut at `mid`.
#[cfg_attr(not(feature = "threads"), allow(dead_code))]
fn split_opt<E>(v: &mut [E], mid: usize) -> (&mut [E], &mut [E]) {
    if v.is_empty() {
        (v, &mut [])
    } else {
        v.split_at_mut(mid)
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn run_with_fma<P: Pass>(pass: P) {
    pass.run();
}

/// Runs `pass` compiled for FMA when the CPU has it.
fn run_one<P: Pass>(pass: P) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: `run_with_fma` only requires the `fma` target feature, which the CPU
        // has (checked just above); the pass itself is safe code.
        unsafe { run_with_fma(pass) };
        return;
    }
    pass.run();
}

/// Runs `pass`: on this thread, or with the `threads` feature and a large parameter, cut
/// into one piece per core (each element's update is the same either way).
fn run<P: Pass>(pass: P) {
    #[cfg(feature = "threads")]
    {
        use crate::device::parallel::{MIN_PARALLEL_ELEMENTS, threads};
        let (t, n) = (threads(), pass.len());
        if t > 1 && n >= MIN_PARALLEL_ELEMENTS {
            let chunk = n.div_ceil(t).next_multiple_of(64);
            std::thread::scope(|s| {
                let mut rest = pass;
                while rest.len() > chunk {
                    let (head, tail) = rest.split_at(chunk);
                    s.spawn(move || run_one(head));
                    rest = tail;
                }
                run_one(rest);
            });
            return;
        }
    }
    run_one(pass);
}

struct SgdPass<'a, E, const MOMENTUM: bool> {
    p: &'a mut [E],
    g: &'a [E],
    buf: &'a mut [E],
    s: &'a SgdScalars<E>,
}

impl<E: FloatDtype, const MOMENTUM: bool> Pass for SgdPass<'_, E, MOMENTUM> {
    fn len(&self) -> usize {
        self.p.len()
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (p0, p1) = self.p.split_at_mut(mid);
        let (g0, g1) = self.g.split_at(mid);
        let (b0, b1) = split_opt(self.buf, mid);
        let s = self.s;
        (
            SgdPass {
                p: p0,
                g: g0,
                buf: b0,
                s,
            },
            SgdPass {
                p: p1,
                g: g1,
                buf: b1,
                s,
            },
        )
    }
    #[inline(always)]
    fn run(self) {
        let SgdPass { p, g, buf, s } = self;
        let n = p.len();
        let (g, buf) = (&g[..n], &mut buf[..if MOMENTUM { n } else { 0 }]);
        let wd = s.weight_decay.unwrap_or_else(E::zero);
        let has_wd = s.weight_decay.is_some();
        for i in 0..n {
            // grad = -grad if maximize; grad = grad.add(param, alpha=weight_decay)
            let mut gi = if s.maximize { -g[i] } else { g[i] };
            if has_wd {
                gi = wd.mul_add(p[i], gi);
            }
            if MOMENTUM {
                // buf = grad.clone(), or buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                // (the old value is read either way: a conditional load would keep the
                // loop from vectorising)
                let updated = s.one_minus_dampening.mul_add(gi, buf[i] * s.momentum);
                let b = if s.first_step { gi } else { updated };
                buf[i] = b;
                // grad = grad.add(buf, alpha=momentum) if nesterov else buf
                gi = if s.nesterov {
                    s.momentum.mul_add(b, gi)
                } else {
                    b
                };
            }
            // param.add_(grad, alpha=-lr)
            p[i] = s.neg_lr.mul_add(gi, p[i]);
        }
    }
}

struct AdamPass<'a, E, const AMSGRAD: bool> {
    p: &'a mut [E],
    g: &'a [E],
    m: &'a mut [E],
    v: &'a mut [E],
    vmax: &'a mut [E],
    s: &'a AdamScalars<E>,
}

impl<E: FloatDtype, const AMSGRAD: bool> Pass for AdamPass<'_, E, AMSGRAD> {
    fn len(&self) -> usize {
        self.p.len()
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (p0, p1) = self.p.split_at_mut(mid);
        let (g0, g1) = self.g.split_at(mid);
        let (m0, m1) = self.m.split_at_mut(mid);
        let (v0, v1) = self.v.split_at_mut(mid);
        let (x0, x1) = split_opt(self.vmax, mid);
        let s = self.s;
        (
            AdamPass {
                p: p0,
                g: g0,
                m: m0,
                v: v0,
                vmax: x0,
                s,
            },
            AdamPass {
                p: p1,
                g: g1,
                m: m1,
                v: v1,
                vmax: x1,
                s,
            },
        )
    }
    #[inline(always)]
    fn run(self) {
        let AdamPass {
            p,
            g,
            m,
            v,
            vmax,
            s,
        } = self;
        let n = p.len();
        let (g, m, v) = (&g[..n], &mut m[..n], &mut v[..n]);
        let vmax = &mut vmax[..if AMSGRAD { n } else { 0 }];
        let wd = s.weight_decay.unwrap_or_else(E::zero);
        let has_wd = s.weight_decay.is_some();
        let w1 = s.one_minus_beta1;
        let small = w1.abs() < E::from_f64(0.5);
        for i in 0..n {
            let mut gi = if s.maximize { -g[i] } else { g[i] };
            if has_wd {
                gi = wd.mul_add(p[i], gi);
            }
            // exp_avg.lerp_(grad, 1 - beta1)
            let mi = lerp(m[i], gi, w1, small);
            m[i] = mi;
            // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            let vi = (s.one_minus_beta2 * gi).mul_add(gi, v[i] * s.beta2);
            v[i] = vi;
            // torch.maximum(max_exp_avg_sqs[i], exp_avg_sq, out=max_exp_avg_sqs[i])
            let second = if AMSGRAD {
                let x = nan_max(vmax[i], vi);
                vmax[i] = x;
                x
            } else {
                vi
            };
            // denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
            let denom = second.sqrt() / s.bias_correction2_sqrt + s.eps;
            // param.addcdiv_(exp_avg, denom, value=-step_size)
            p[i] += s.neg_step_size * mi / denom;
        }
    }
}

struct RmspropPass<'a, E, const CENTERED: bool, const MOMENTUM: bool> {
    p: &'a mut [E],
    g: &'a [E],
    sq: &'a mut [E],
    gavg: &'a mut [E],
    buf: &'a mut [E],
    s: &'a RmspropScalars<E>,
}

impl<E: FloatDtype, const CENTERED: bool, const MOMENTUM: bool> Pass
    for RmspropPass<'_, E, CENTERED, MOMENTUM>
{
    fn len(&self) -> usize {
        self.p.len()
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (p0, p1) = self.p.split_at_mut(mid);
        let (g0, g1) = self.g.split_at(mid);
        let (q0, q1) = self.sq.split_at_mut(mid);
        let (a0, a1) = split_opt(self.gavg, mid);
        let (b0, b1) = split_opt(self.buf, mid);
        let s = self.s;
        (
            RmspropPass {
                p: p0,
                g: g0,
                sq: q0,
                gavg: a0,
                buf: b0,
                s,
            },
            RmspropPass {
                p: p1,
                g: g1,
                sq: q1,
                gavg: a1,
                buf: b1,
                s,
            },
        )
    }
    #[inline(always)]
    fn run(self) {
        let RmspropPass {
            p,
            g,
            sq,
            gavg,
            buf,
            s,
        } = self;
        let n = p.len();
        let (g, sq) = (&g[..n], &mut sq[..n]);
        let gavg = &mut gavg[..if CENTERED { n } else { 0 }];
        let buf = &mut buf[..if MOMENTUM { n } else { 0 }];
        let wd = s.weight_decay.unwrap_or_else(E::zero);
        let has_wd = s.weight_decay.is_some();
        let small = s.one_minus_alpha.abs() < E::from_f64(0.5);
        for i in 0..n {
            let mut gi = if s.maximize { -g[i] } else { g[i] };
            if has_wd {
                gi = wd.mul_add(p[i], gi);
            }
            // square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            let sqi = (s.one_minus_alpha * gi).mul_add(gi, sq[i] * s.alpha);
            sq[i] = sqi;
            let avg = if CENTERED {
                // grad_avg.lerp_(grad, 1 - alpha)
                let ga = lerp(gavg[i], gi, s.one_minus_alpha, small);
                gavg[i] = ga;
                // square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                (-ga).mul_add(ga, sqi).sqrt()
            } else {
                sqi.sqrt()
            } + s.eps;
            if MOMENTUM {
                // buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
                let b = buf[i] * s.momentum + gi / avg;
                buf[i] = b;
                p[i] = s.neg_lr.mul_add(b, p[i]);
            } else {
                // param.addcdiv_(grad, avg, value=-lr)
                p[i] += s.neg_lr * gi / avg;
            }
        }
    }
}

impl OptimKernel for Cpu {
    fn sgd_step<E: FloatDtype>(
        &self,
        numel: usize,
        param: &mut Vec<E>,
        grad: &Vec<E>,
        momentum_buffer: Option<&mut Vec<E>>,
        scalars: &SgdScalars<E>,
    ) -> Result<()> {
        let momentum = momentum_buffer.is_some();
        let p = prefix_mut(param, numel, "param")?;
        let g = prefix(grad, numel, "grad")?;
        let buf = prefix_opt(momentum_buffer, numel, "momentum_buffer")?;
        let s = scalars;
        if momentum {
            run(SgdPass::<E, true> { p, g, buf, s });
        } else {
            run(SgdPass::<E, false> { p, g, buf, s });
        }
        Ok(())
    }

    fn adam_step<E: FloatDtype>(
        &self,
        numel: usize,
        param: &mut Vec<E>,
        grad: &Vec<E>,
        exp_avg: &mut Vec<E>,
        exp_avg_sq: &mut Vec<E>,
        max_exp_avg_sq: Option<&mut Vec<E>>,
        scalars: &AdamScalars<E>,
    ) -> Result<()> {
        let amsgrad = max_exp_avg_sq.is_some();
        let p = prefix_mut(param, numel, "param")?;
        let g = prefix(grad, numel, "grad")?;
        let m = prefix_mut(exp_avg, numel, "exp_avg")?;
        let v = prefix_mut(exp_avg_sq, numel, "exp_avg_sq")?;
        let vmax = prefix_opt(max_exp_avg_sq, numel, "max_exp_avg_sq")?;
        let s = scalars;
        if amsgrad {
            run(AdamPass::<E, true> {
                p,
                g,
                m,
                v,
                vmax,
                s,
            });
        } else {
            run(AdamPass::<E, false> {
                p,
                g,
                m,
                v,
                vmax,
                s,
            });
        }
        Ok(())
    }

    fn rmsprop_step<E: FloatDtype>(
        &self,
        numel: usize,
        param: &mut Vec<E>,
        grad: &Vec<E>,
        square_avg: &mut Vec<E>,
        grad_avg: Option<&mut Vec<E>>,
        momentum_buffer: Option<&mut Vec<E>>,
        scalars: &RmspropScalars<E>,
    ) -> Result<()> {
        let (centered, momentum) = (grad_avg.is_some(), momentum_buffer.is_some());
        let p = prefix_mut(param, numel, "param")?;
        let g = prefix(grad, numel, "grad")?;
        let sq = prefix_mut(square_avg, numel, "square_avg")?;
        let gavg = prefix_opt(grad_avg, numel, "grad_avg")?;
        let buf = prefix_opt(momentum_buffer, numel, "momentum_buffer")?;
        let s = scalars;
        match (centered, momentum) {
            (false, false) => run(RmspropPass::<E, false, false> {
                p,
                g,
                sq,
                gavg,
                buf,
                s,
            }),
            (false, true) => run(RmspropPass::<E, false, true> {
                p,
                g,
                sq,
                gavg,
                buf,
                s,
            }),
            (true, false) => run(RmspropPass::<E, true, false> {
                p,
                g,
                sq,
                gavg,
                buf,
                s,
            }),
            (true, true) => run(RmspropPass::<E, true, true> {
                p,
                g,
                sq,
                gavg,
                buf,
                s,
            }),
        }
        Ok(())
    }
}
