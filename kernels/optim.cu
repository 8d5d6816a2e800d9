// Fused optimizer steps: `OptimKernel::sgd_step`, `::adam_step`, `::rmsprop_step`
// (src/optim). One pass over memory: each element's parameter, gradient and state are read
// once and written once, in place.
//
//   sgd_<dtype>(T* param, const T* grad, T* momentum_buffer, u64 n, SgdParams<T> s)
//   adam_<dtype>(T* param, const T* grad, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq,
//                u64 n, AdamParams<T> s)
//   rmsprop_<dtype>(T* param, const T* grad, T* square_avg, T* grad_avg,
//                   T* momentum_buffer, u64 n, RmspropParams<T> s)
// dtype: f32, f64. Elements 0..n of every buffer are used; each buffer must hold at least
// n elements (the launcher checks, returning the CPU kernel's error otherwise). An
// optional buffer is a null pointer when its feature is off, exactly as the `Option`s of
// the Rust trait: momentum (SGD, RMSprop), AMSGrad (max_exp_avg_sq), centring (grad_avg).
// Grid-stride: any grid, any block.
//
// The arithmetic is src/optim/cpu.rs's, operation by operation: a fused multiply-add
// (fmaf/fma) exactly where the CPU calls `mul_add`, every other operation rounded on its
// own (the PTX is built with --fmad=false so the compiler fuses nothing else), IEEE
// division and square root. So every step is bit-identical to the CPU's.
#include "common.cuh"

// Flag bits of the `flags` field of the parameter structs.
#define OPT_WEIGHT_DECAY 1u  // weight_decay is Some: grad += weight_decay * param
#define OPT_MAXIMIZE 2u      // ascend: the gradient is negated first
#define OPT_NESTEROV 4u      // SGD only
#define OPT_FIRST_STEP 8u    // SGD only: this step creates the momentum buffer

// `#[repr(C)]` mirrors on the Rust side, field for field, T = f32 or f64:
//   f32: 4 floats then u32 flags = 20 bytes, align 4; f64: 4 doubles, u32, 4 bytes of
//   padding = 40 bytes, align 8 (the Rust struct needs the same explicit tail padding or
//   `#[repr(C)]` adds it identically).
template <class T>
struct SgdParams {
    T neg_lr;               // -lr
    T weight_decay;         // used when OPT_WEIGHT_DECAY
    T momentum;             // used when momentum_buffer is not null
    T one_minus_dampening;  // 1 - dampening, computed in f64 then cast (as the CPU)
    u32 flags;              // OPT_WEIGHT_DECAY | OPT_MAXIMIZE | OPT_NESTEROV | OPT_FIRST_STEP
};

// 7 T then u32 flags: f32 32 bytes; f64 64 bytes (56 + 4 + 4 padding), align 8.
template <class T>
struct AdamParams {
    T weight_decay;           // used when OPT_WEIGHT_DECAY
    T one_minus_beta1;        // lerp weight
    T beta2;
    T one_minus_beta2;
    T bias_correction2_sqrt;  // (1 - beta2^step)^0.5
    T neg_step_size;          // -lr / (1 - beta1^step)
    T eps;
    u32 flags;                // OPT_WEIGHT_DECAY | OPT_MAXIMIZE
};

// 6 T then u32 flags: f32 28 bytes; f64 56 bytes (48 + 4 + 4 padding), align 8.
template <class T>
struct RmspropParams {
    T neg_lr;           // -lr
    T alpha;
    T one_minus_alpha;  // 1 - alpha
    T eps;
    T weight_decay;     // used when OPT_WEIGHT_DECAY
    T momentum;         // used when momentum_buffer is not null
    u32 flags;          // OPT_WEIGHT_DECAY | OPT_MAXIMIZE
};

// The gradient as the update sees it: negated when maximizing, plus weight decay
// (`grad.add(param, alpha=weight_decay)`, a fused multiply-add on the CPU).
template <class T>
__device__ __forceinline__ T effective_grad(T g, T p, u32 flags, T weight_decay) {
    T gi = (flags & OPT_MAXIMIZE) ? -g : g;
    if (flags & OPT_WEIGHT_DECAY) gi = fma_(weight_decay, p, gi);
    return gi;
}

// torch.lerp as PyTorch's CPU kernel: start + w * (end - start) for |w| < 0.5, else
// end + (w - 1) * (end - start), each one fused multiply-add.
template <class T>
__device__ __forceinline__ T lerp_(T start, T end, T w, bool small) {
    const T diff = end - start;
    return small ? fma_(w, diff, start) : fma_(w - T(1), diff, end);
}

template <class T>
__device__ __forceinline__ T abs_(T v) { return v < T(0) ? -v : v; }

template <class T>
__device__ __forceinline__ void sgd_impl(T* p, const T* g, T* buf, u64 n,
                                         const SgdParams<T>& s) {
    for (u64 i = grid_start(); i < n; i += grid_step()) {
        const T pi = p[i];
        T gi = effective_grad(g[i], pi, s.flags, s.weight_decay);
        if (buf) {
            // buf = grad.clone() on the first step, else
            // buf.mul_(momentum).add_(grad, alpha=1 - dampening); the old buffer is not
            // read on the first step (it may be uninitialised there).
            const T b = (s.flags & OPT_FIRST_STEP)
                            ? gi
                            : fma_(s.one_minus_dampening, gi, buf[i] * s.momentum);
            buf[i] = b;
            // grad = grad.add(buf, alpha=momentum) if nesterov else buf
            gi = (s.flags & OPT_NESTEROV) ? fma_(s.momentum, b, gi) : b;
        }
        // param.add_(grad, alpha=-lr)
        p[i] = fma_(s.neg_lr, gi, pi);
    }
}

template <class T>
__device__ __forceinline__ void adam_impl(T* p, const T* g, T* m, T* v, T* vmax, u64 n,
                                          const AdamParams<T>& s) {
    const bool small = abs_(s.one_minus_beta1) < T(0.5);
    for (u64 i = grid_start(); i < n; i += grid_step()) {
        const T pi = p[i];
        const T gi = effective_grad(g[i], pi, s.flags, s.weight_decay);
        // exp_avg.lerp_(grad, 1 - beta1)
        const T mi = lerp_(m[i], gi, s.one_minus_beta1, small);
        m[i] = mi;
        // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        const T vi = fma_(s.one_minus_beta2 * gi, gi, v[i] * s.beta2);
        v[i] = vi;
        T second = vi;
        if (vmax) {
            // torch.maximum(max_exp_avg_sqs[i], exp_avg_sq, out=max_exp_avg_sqs[i])
            second = nan_max(vmax[i], vi);
            vmax[i] = second;
        }
        // denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
        const T denom = sqrt_(second) / s.bias_correction2_sqrt + s.eps;
        // param.addcdiv_(exp_avg, denom, value=-step_size): param + (value * t1) / t2
        p[i] = pi + s.neg_step_size * mi / denom;
    }
}

template <class T>
__device__ __forceinline__ void rmsprop_impl(T* p, const T* g, T* sq, T* gavg, T* buf, u64 n,
                                             const RmspropParams<T>& s) {
    const bool small = abs_(s.one_minus_alpha) < T(0.5);
    for (u64 i = grid_start(); i < n; i += grid_step()) {
        const T pi = p[i];
        const T gi = effective_grad(g[i], pi, s.flags, s.weight_decay);
        // square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        const T sqi = fma_(s.one_minus_alpha * gi, gi, sq[i] * s.alpha);
        sq[i] = sqi;
        T avg;
        if (gavg) {
            // grad_avg.lerp_(grad, 1 - alpha);
            // avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
            const T ga = lerp_(gavg[i], gi, s.one_minus_alpha, small);
            gavg[i] = ga;
            avg = sqrt_(fma_(-ga, ga, sqi));
        } else {
            avg = sqrt_(sqi);
        }
        avg = avg + s.eps;
        if (buf) {
            // buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
            const T b = buf[i] * s.momentum + gi / avg;
            buf[i] = b;
            p[i] = fma_(s.neg_lr, b, pi);
        } else {
            // param.addcdiv_(grad, avg, value=-lr)
            p[i] = pi + s.neg_lr * gi / avg;
        }
    }
}

#define OPTIM(T, suffix)                                                                     \
    extern "C" __global__ void sgd_##suffix(T* param, const T* grad, T* momentum_buffer,      \
                                            u64 n, SgdParams<T> s) {                          \
        sgd_impl(param, grad, momentum_buffer, n, s);                                         \
    }                                                                                         \
    extern "C" __global__ void adam_##suffix(T* param, const T* grad, T* exp_avg,             \
                                             T* exp_avg_sq, T* max_exp_avg_sq, u64 n,         \
                                             AdamParams<T> s) {                               \
        adam_impl(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, n, s);                    \
    }                                                                                         \
    extern "C" __global__ void rmsprop_##suffix(T* param, const T* grad, T* square_avg,       \
                                                T* grad_avg, T* momentum_buffer, u64 n,       \
                                                RmspropParams<T> s) {                         \
        rmsprop_impl(param, grad, square_avg, grad_avg, momentum_buffer, n, s);               \
    }

OPTIM(float, f32)
OPTIM(double, f64)
