// Elementwise binary arithmetic: `BinaryKernel::binary` (src/ops/arith).
//
//   binary_<op>_<dtype>(const T* a, Layout4 la, const T* b, Layout4 lb, T* out, u64 out_len)
//
// op: add, sub, mul, maximum, minimum for f32/f64/i32/i64; div for f32/f64 only (integer
// division is refused by the CPU kernel too, and would divide by zero on user data).
// `la` and `lb` have equal dims (broadcasting is zero strides); `out` receives the
// numel(la) results contiguously. Grid-stride: any grid, any block (256 recommended).
#include "common.cuh"

// Integers wrap (PyTorch's and the CPU kernel's `wrapping_*`); max/min propagate NaN with
// the CPU's operand order, so even the sign of a zero result matches.
struct Add { template <class T> __device__ T operator()(T a, T b) const { return wadd(a, b); } };
struct Sub { template <class T> __device__ T operator()(T a, T b) const { return wsub(a, b); } };
struct Mul { template <class T> __device__ T operator()(T a, T b) const { return wmul(a, b); } };
struct Div { template <class T> __device__ T operator()(T a, T b) const { return a / b; } };
struct Maximum { template <class T> __device__ T operator()(T a, T b) const { return nan_max(a, b); } };
struct Minimum { template <class T> __device__ T operator()(T a, T b) const { return nan_min(a, b); } };

#define BINARY(name, Op, T, suffix)                                                       \
    extern "C" __global__ void binary_##name##_##suffix(const T* a, Layout4 la, const T* b, \
                                                         Layout4 lb, T* out, u64 out_len) { \
        map2(a, la, b, lb, out, out_len, Op());                                            \
    }

#define BINARY_NUM(name, Op) \
    BINARY(name, Op, float, f32) \
    BINARY(name, Op, double, f64) \
    BINARY(name, Op, int, i32) \
    BINARY(name, Op, i64, i64)

BINARY_NUM(add, Add)
BINARY_NUM(sub, Sub)
BINARY_NUM(mul, Mul)
BINARY_NUM(maximum, Maximum)
BINARY_NUM(minimum, Minimum)
BINARY(div, Div, float, f32)
BINARY(div, Div, double, f64)
