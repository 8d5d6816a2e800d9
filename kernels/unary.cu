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
//     exp, log, sqrt, sigmoid, tanh
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
