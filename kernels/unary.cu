// One-operand elementwise ops: `UnaryKernel::unary` and `::unary_float` (src/ops/unary).
//
// Every kernel of this family has the same parameters, so the launcher needs one call:
//
//   unary_<op>_<dtype>(const T* x, Layout4 lx, T* out, u64 out_len, T s0, T s1, u32 flags)
//
// `s0`, `s1` and `flags` carry the op's scalars; an op ignores those it has no use for.
//   all numeric dtypes (f32, f64, i32, i64):
//     neg, abs, relu
//     clamp        s0 = min, s1 = max, flags bit 0: min present, bit 1: max present
//                  (`UnaryOp::Clamp(Option<E>, Option<E>)`)
//     add_scalar   x + s0          sub_scalar  x - s0
//     scalar_sub   s0 - x          mul_scalar  x * s0
//   floats only (f32, f64):
//     exp, log, sqrt, sigmoid, tanh, sin, cos, exp2, log1p, expm1, rsqrt, sign, floor,
//     round (half to even), gelu (exact, erf), gelu_tanh
//     leaky_relu   x > 0 ? x : x * s0
//     pow          x.pow(s0) (x * x when s0 == 2, as the CPU kernel)
//     div_scalar   x / s0          scalar_div  s0 / x
// `out` receives numel(lx) results contiguously. Grid-stride: any grid, any block.
//
// One more kernel, with its own parameters: the gradient of clamp and relu in one pass
// (`UnaryKernel::clamp_backward`), for all numeric dtypes:
//
//   unary_clamp_backward_<dtype>(const T* g, Layout4 lg, const T* x, Layout4 lx, T* out,
//                                u64 out_len, T lo, T hi, u32 flags)
//
// out[i] = g[i] where x[i] passed through clamp unchanged, else 0. flags bit 0: min present,
// x must be >= lo, or > lo with bit 2 (relu's rule, whose gradient is 0 at 0); bit 1: max
// present, x must be <= hi. A NaN x fails every bound present; with no bound, g passes.
// `lg` and `lx` have equal dims; `out` receives numel(lg) results.
//
// And the gradient of every float op in one pass (`UnaryKernel::unary_float_backward`), f32
// and f64, the same scalars as the forward kernel of the op:
//
//   unary_<op>_backward_<dtype>(const T* g, Layout4 lg, const T* x, Layout4 lx, T* out,
//                               u64 out_len, T s0, T s1, u32 flags)
//
// out[i] = g[i] * op'(x[i]), the derivative as src/ops/unary/cpu.rs's `derivative` (and
// PyTorch's backward formulas) compute it; 0 for sign, floor and round.
//
// exp, log, tanh and pow are CUDA's libdevice functions, within 1-2 ulp of the correctly
// rounded result (CUDA Programming Guide, "Mathematical Functions"), so they can differ
// from the CPU's libm in the last bit; sqrt and the arithmetic ops are exact IEEE.
#include "common.cuh"

#define CLAMP_HAS_MIN 1u
#define CLAMP_HAS_MAX 2u

// The CPU kernel's clamp: NaN passes through, then min, then max (so min > max gives max,
// as in PyTorch).
template <class T>
__device__ __forceinline__ T clamp_(T v, T lo, T hi, u32 flags) {
    if (is_nan(v)) return v;
    if ((flags & CLAMP_HAS_MIN) && v < lo) v = lo;
    if ((flags & CLAMP_HAS_MAX) && v > hi) v = hi;
    return v;
}

// `-v`: for floats a sign flip (-0.0 from 0.0, as the CPU), for integers wrapping.
struct Neg { template <class T> __device__ T operator()(T v, T, T, u32) const { return wneg(v); } };
// `0 - v` for v <= 0: turns -0.0 into +0.0 (PyTorch's abs), keeps NaN's payload, wraps
// i32::MIN to itself as Rust's wrapping_abs.
struct Abs { template <class T> __device__ T operator()(T v, T, T, u32) const { return v <= T(0) ? wsub(T(0), v) : v; } };
// `clamp(min = 0)`: -0.0 stays -0.0 and NaN stays NaN, as on the CPU.
struct Relu { template <class T> __device__ T operator()(T v, T, T, u32) const { return clamp_(v, T(0), T(0), CLAMP_HAS_MIN); } };
struct Clamp { template <class T> __device__ T operator()(T v, T s0, T s1, u32 f) const { return clamp_(v, s0, s1, f); } };
struct AddScalar { template <class T> __device__ T operator()(T v, T s0, T, u32) const { return wadd(v, s0); } };
struct SubScalar { template <class T> __device__ T operator()(T v, T s0, T, u32) const { return wsub(v, s0); } };
struct ScalarSub { template <class T> __device__ T operator()(T v, T s0, T, u32) const { return wsub(s0, v); } };
struct MulScalar { template <class T> __device__ T operator()(T v, T s0, T, u32) const { return wmul(v, s0); } };

// Float functions: overloads on float and double pick CUDA's expf/exp etc.
__device__ __forceinline__ float exp_(float v) { return expf(v); }
__device__ __forceinline__ double exp_(double v) { return exp(v); }
__device__ __forceinline__ float log_(float v) { return logf(v); }
__device__ __forceinline__ double log_(double v) { return log(v); }
__device__ __forceinline__ float tanh_(float v) { return tanhf(v); }
__device__ __forceinline__ double tanh_(double v) { return tanh(v); }
__device__ __forceinline__ float pow_(float v, float p) { return powf(v, p); }
__device__ __forceinline__ double pow_(double v, double p) { return pow(v, p); }
__device__ __forceinline__ float sin_(float v) { return sinf(v); }
__device__ __forceinline__ double sin_(double v) { return sin(v); }
__device__ __forceinline__ float cos_(float v) { return cosf(v); }
__device__ __forceinline__ double cos_(double v) { return cos(v); }
__device__ __forceinline__ float exp2_(float v) { return exp2f(v); }
__device__ __forceinline__ double exp2_(double v) { return exp2(v); }
__device__ __forceinline__ float log1p_(float v) { return log1pf(v); }
__device__ __forceinline__ double log1p_(double v) { return log1p(v); }
__device__ __forceinline__ float expm1_(float v) { return expm1f(v); }
__device__ __forceinline__ double expm1_(double v) { return expm1(v); }
__device__ __forceinline__ float floor_(float v) { return floorf(v); }
__device__ __forceinline__ double floor_(double v) { return floor(v); }
// Ties to even, as torch.round (rint rounds in the current mode, round-to-nearest-even).
__device__ __forceinline__ float rint_(float v) { return rintf(v); }
__device__ __forceinline__ double rint_(double v) { return rint(v); }
__device__ __forceinline__ float erf_(float v) { return erff(v); }
__device__ __forceinline__ double erf_(double v) { return erf(v); }

// The constants of PyTorch's gelu (src/ops/unary/cpu.rs has the same).
#define GELU_SQRT1_2 0.70710678118654752440
#define GELU_SQRT_2_OVER_PI 0.79788456080286535588
#define GELU_KAPPA 0.044715
// M_2_SQRTPI * M_SQRT1_2 * 0.5: 1 / sqrt(2 pi).
#define GELU_PDF_BETA 0.39894228040143267794

struct Exp { template <class T> __device__ T operator()(T v, T, T, u32) const { return exp_(v); } };
struct Log { template <class T> __device__ T operator()(T v, T, T, u32) const { return log_(v); } };
struct Sqrt { template <class T> __device__ T operator()(T v, T, T, u32) const { return sqrt_(v); } };
struct Tanh { template <class T> __device__ T operator()(T v, T, T, u32) const { return tanh_(v); } };
// Squares are the common case (losses): the CPU multiplies, exactly; so does this.
struct Pow { template <class T> __device__ T operator()(T v, T p, T, u32) const { return p == T(2) ? v * v : pow_(v, p); } };
// 1 / (1 + exp(-v)), the CPU's formula and order.
struct Sigmoid { template <class T> __device__ T operator()(T v, T, T, u32) const { return T(1) / (T(1) + exp_(-v)); } };
struct DivScalar { template <class T> __device__ T operator()(T v, T s0, T, u32) const { return v / s0; } };
struct ScalarDiv { template <class T> __device__ T operator()(T v, T s0, T, u32) const { return s0 / v; } };
struct Sin { template <class T> __device__ T operator()(T v, T, T, u32) const { return sin_(v); } };
struct Cos { template <class T> __device__ T operator()(T v, T, T, u32) const { return cos_(v); } };
struct Exp2 { template <class T> __device__ T operator()(T v, T, T, u32) const { return exp2_(v); } };
struct Log1p { template <class T> __device__ T operator()(T v, T, T, u32) const { return log1p_(v); } };
struct Expm1 { template <class T> __device__ T operator()(T v, T, T, u32) const { return expm1_(v); } };
struct Rsqrt { template <class T> __device__ T operator()(T v, T, T, u32) const { return T(1) / sqrt_(v); } };
// PyTorch's (0 < v) - (v < 0): -1, +0 or 1; +0 for NaN and both zeros.
struct Sign { template <class T> __device__ T operator()(T v, T, T, u32) const { return v > T(0) ? T(1) : v < T(0) ? T(-1) : T(0); } };
struct Floor { template <class T> __device__ T operator()(T v, T, T, u32) const { return floor_(v); } };
struct Round { template <class T> __device__ T operator()(T v, T, T, u32) const { return rint_(v); } };
// x * 0.5 * (1 + erf(x / sqrt 2)), PyTorch's order.
struct Gelu { template <class T> __device__ T operator()(T v, T, T, u32) const { return v * T(0.5) * (T(1) + erf_(v * T(GELU_SQRT1_2))); } };
struct GeluTanh {
    template <class T> __device__ T operator()(T v, T, T, u32) const {
        const T inner = T(GELU_SQRT_2_OVER_PI) * (v + T(GELU_KAPPA) * v * v * v);
        return T(0.5) * v * (T(1) + tanh_(inner));
    }
};
struct LeakyRelu { template <class T> __device__ T operator()(T v, T s0, T, u32) const { return v > T(0) ? v : v * s0; } };

// ---- derivatives: op'(x), as src/ops/unary/cpu.rs's `derivative`, operation for operation.
struct DExp { template <class T> __device__ T operator()(T v, T, T, u32) const { return exp_(v); } };
struct DLog { template <class T> __device__ T operator()(T v, T, T, u32) const { return T(1) / v; } };
struct DSqrt { template <class T> __device__ T operator()(T v, T, T, u32) const { return T(0.5) / sqrt_(v); } };
struct DPow { template <class T> __device__ T operator()(T v, T p, T, u32) const { return p * pow_(v, p - T(1)); } };
struct DSigmoid { template <class T> __device__ T operator()(T v, T, T, u32) const { const T s = T(1) / (T(1) + exp_(-v)); return s * (T(1) - s); } };
struct DTanh { template <class T> __device__ T operator()(T v, T, T, u32) const { const T t = tanh_(v); return T(1) - t * t; } };
struct DDivScalar { template <class T> __device__ T operator()(T, T s0, T, u32) const { return T(1) / s0; } };
struct DScalarDiv { template <class T> __device__ T operator()(T v, T s0, T, u32) const { return -s0 / (v * v); } };
struct DSin { template <class T> __device__ T operator()(T v, T, T, u32) const { return cos_(v); } };
struct DCos { template <class T> __device__ T operator()(T v, T, T, u32) const { return -sin_(v); } };
struct DExp2 { template <class T> __device__ T operator()(T v, T, T, u32) const { return exp2_(v) * T(0.69314718055994530942); } };
struct DLog1p { template <class T> __device__ T operator()(T v, T, T, u32) const { return T(1) / (T(1) + v); } };
struct DExpm1 { template <class T> __device__ T operator()(T v, T, T, u32) const { return exp_(v); } };
struct DRsqrt { template <class T> __device__ T operator()(T v, T, T, u32) const { const T r = T(1) / sqrt_(v); return -T(0.5) * r * r * r; } };
struct DZero { template <class T> __device__ T operator()(T, T, T, u32) const { return T(0); } };
struct DGelu {
    template <class T> __device__ T operator()(T v, T, T, u32) const {
        const T cdf = T(0.5) * (T(1) + erf_(v * T(GELU_SQRT1_2)));
        const T pdf = T(GELU_PDF_BETA) * exp_(-T(0.5) * v * v);
        return cdf + v * pdf;
    }
};
struct DGeluTanh {
    template <class T> __device__ T operator()(T v, T, T, u32) const {
        const T beta = T(GELU_SQRT_2_OVER_PI), kappa = T(GELU_KAPPA);
        const T x_sq = v * v;
        const T t = tanh_(beta * (v + kappa * x_sq * v));
        const T left = T(0.5) * v;
        const T left_derivative = T(0.5) * (T(1) + t);
        const T tanh_derivative = T(1) - t * t;
        const T inner_derivative = beta * (T(1) + T(3) * kappa * x_sq);
        return left_derivative + left * tanh_derivative * inner_derivative;
    }
};
struct DLeakyRelu { template <class T> __device__ T operator()(T v, T s0, T, u32) const { return v > T(0) ? T(1) : s0; } };

template <class T, class Op>
__device__ __forceinline__ void unary_impl(const T* x, const Layout4& lx, T* out, u64 out_len,
                                           T s0, T s1, u32 flags) {
    map1(x, lx, out, out_len, [=](T v) { return Op()(v, s0, s1, flags); });
}

#define UNARY(name, Op, T, suffix)                                                        \
    extern "C" __global__ void unary_##name##_##suffix(const T* x, Layout4 lx, T* out,    \
                                                        u64 out_len, T s0, T s1, u32 flags) { \
        unary_impl<T, Op>(x, lx, out, out_len, s0, s1, flags);                            \
    }

#define UNARY_FLOAT(name, Op) UNARY(name, Op, float, f32) UNARY(name, Op, double, f64)
#define UNARY_NUM(name, Op) UNARY_FLOAT(name, Op) UNARY(name, Op, int, i32) UNARY(name, Op, i64, i64)

UNARY_NUM(neg, Neg)
UNARY_NUM(abs, Abs)
UNARY_NUM(relu, Relu)
UNARY_NUM(clamp, Clamp)
UNARY_NUM(add_scalar, AddScalar)
UNARY_NUM(sub_scalar, SubScalar)
UNARY_NUM(scalar_sub, ScalarSub)
UNARY_NUM(mul_scalar, MulScalar)

UNARY_FLOAT(exp, Exp)
UNARY_FLOAT(log, Log)
UNARY_FLOAT(sqrt, Sqrt)
UNARY_FLOAT(pow, Pow)
UNARY_FLOAT(sigmoid, Sigmoid)
UNARY_FLOAT(tanh, Tanh)
UNARY_FLOAT(div_scalar, DivScalar)
UNARY_FLOAT(scalar_div, ScalarDiv)
UNARY_FLOAT(sin, Sin)
UNARY_FLOAT(cos, Cos)
UNARY_FLOAT(exp2, Exp2)
UNARY_FLOAT(log1p, Log1p)
UNARY_FLOAT(expm1, Expm1)
UNARY_FLOAT(rsqrt, Rsqrt)
UNARY_FLOAT(sign, Sign)
UNARY_FLOAT(floor, Floor)
UNARY_FLOAT(round, Round)
UNARY_FLOAT(gelu, Gelu)
UNARY_FLOAT(gelu_tanh, GeluTanh)
UNARY_FLOAT(leaky_relu, LeakyRelu)

// out[i] = g[i] * D(x[i]).
#define UNARY_BACKWARD(name, D, T, suffix)                                                   \
    extern "C" __global__ void unary_##name##_backward_##suffix(                             \
        const T* g, Layout4 lg, const T* x, Layout4 lx, T* out, u64 out_len, T s0, T s1,     \
        u32 flags) {                                                                          \
        map2(g, lg, x, lx, out, out_len,                                                      \
             [=](T gv, T xv) { return gv * D()(xv, s0, s1, flags); });                        \
    }
#define UNARY_BACKWARD_FLOAT(name, D) UNARY_BACKWARD(name, D, float, f32) UNARY_BACKWARD(name, D, double, f64)

UNARY_BACKWARD_FLOAT(exp, DExp)
UNARY_BACKWARD_FLOAT(log, DLog)
UNARY_BACKWARD_FLOAT(sqrt, DSqrt)
UNARY_BACKWARD_FLOAT(pow, DPow)
UNARY_BACKWARD_FLOAT(sigmoid, DSigmoid)
UNARY_BACKWARD_FLOAT(tanh, DTanh)
UNARY_BACKWARD_FLOAT(div_scalar, DDivScalar)
UNARY_BACKWARD_FLOAT(scalar_div, DScalarDiv)
UNARY_BACKWARD_FLOAT(sin, DSin)
UNARY_BACKWARD_FLOAT(cos, DCos)
UNARY_BACKWARD_FLOAT(exp2, DExp2)
UNARY_BACKWARD_FLOAT(log1p, DLog1p)
UNARY_BACKWARD_FLOAT(expm1, DExpm1)
UNARY_BACKWARD_FLOAT(rsqrt, DRsqrt)
UNARY_BACKWARD_FLOAT(sign, DZero)
UNARY_BACKWARD_FLOAT(floor, DZero)
UNARY_BACKWARD_FLOAT(round, DZero)
UNARY_BACKWARD_FLOAT(gelu, DGelu)
UNARY_BACKWARD_FLOAT(gelu_tanh, DGeluTanh)
UNARY_BACKWARD_FLOAT(leaky_relu, DLeakyRelu)

#define CLAMP_MIN_EXCLUSIVE 4u

// The CPU kernel's rule (src/ops/unary/cpu.rs, clamp_backward), comparison for comparison.
template <class T>
__device__ __forceinline__ T clamp_grad(T g, T x, T lo, T hi, u32 flags) {
    bool pass = true;
    if (flags & CLAMP_HAS_MIN) pass = (flags & CLAMP_MIN_EXCLUSIVE) ? x > lo : x >= lo;
    if (flags & CLAMP_HAS_MAX) pass = pass && x <= hi;
    return pass ? g : T(0);
}

#define CLAMP_BACKWARD(T, suffix)                                                            \
    extern "C" __global__ void unary_clamp_backward_##suffix(                                \
        const T* g, Layout4 lg, const T* x, Layout4 lx, T* out, u64 out_len, T lo, T hi,     \
        u32 flags) {                                                                          \
        map2(g, lg, x, lx, out, out_len,                                                      \
             [=](T gv, T xv) { return clamp_grad(gv, xv, lo, hi, flags); });                  \
    }

CLAMP_BACKWARD(float, f32)
CLAMP_BACKWARD(double, f64)
CLAMP_BACKWARD(int, i32)
CLAMP_BACKWARD(i64, i64)
