// Comparisons and mask selection: `CompareKernel::compare` and `::select`
// (src/ops/compare).
//
//   compare_<op>_<dtype>(const T* a, Layout4 la, const T* b, Layout4 lb, u8* out, u64 out_len)
//     op: eq, ne, lt, le, gt, ge; dtype: f32, f64, i32, i64, bool. `out` is a bool buffer
//     (0 or 1 per byte). IEEE semantics: every comparison with NaN is false except `ne`.
//   select_<dtype>(const u8* cond, Layout4 lc, const T* a, Layout4 la, const T* b,
//                  Layout4 lb, T* out, u64 out_len)
//     `cond ? a : b` (`where`, `masked_fill`), all five dtypes; any nonzero byte is true.
// All layouts have equal dims; `out` receives numel(first layout) elements contiguously.
// Grid-stride: any grid, any block.
#include "common.cuh"

// Bools are bytes holding 0 or 1, so comparing them as unsigned bytes orders
// false < true as Rust does.
struct Eq { template <class T> __device__ u8 operator()(T a, T b) const { return a == b; } };
struct Ne { template <class T> __device__ u8 operator()(T a, T b) const { return a != b; } };
struct Lt { template <class T> __device__ u8 operator()(T a, T b) const { return a < b; } };
struct Le { template <class T> __device__ u8 operator()(T a, T b) const { return a <= b; } };
struct Gt { template <class T> __device__ u8 operator()(T a, T b) const { return a > b; } };
struct Ge { template <class T> __device__ u8 operator()(T a, T b) const { return a >= b; } };

#define COMPARE(name, Op, T, suffix)                                                       \
    extern "C" __global__ void compare_##name##_##suffix(const T* a, Layout4 la, const T* b, \
                                                          Layout4 lb, u8* out, u64 out_len) { \
        map2(a, la, b, lb, out, out_len, Op());                                             \
    }

#define COMPARE_ALL(name, Op)        \
    COMPARE(name, Op, float, f32)    \
    COMPARE(name, Op, double, f64)   \
    COMPARE(name, Op, int, i32)      \
    COMPARE(name, Op, i64, i64)      \
    COMPARE(name, Op, u8, bool)

COMPARE_ALL(eq, Eq)
COMPARE_ALL(ne, Ne)
COMPARE_ALL(lt, Lt)
COMPARE_ALL(le, Le)
COMPARE_ALL(gt, Gt)
COMPARE_ALL(ge, Ge)

struct Select {
    template <class T> __device__ T operator()(u8 c, T a, T b) const { return c != 0 ? a : b; }
};

#define SELECT(T, suffix)                                                                   \
    extern "C" __global__ void select_##suffix(const u8* cond, Layout4 lc, const T* a,     \
                                               Layout4 la, const T* b, Layout4 lb, T* out,  \
                                               u64 out_len) {                               \
        map3(cond, lc, a, la, b, lb, out, out_len, Select());                               \
    }

SELECT(float, f32)
SELECT(double, f64)
SELECT(int, i32)
SELECT(i64, i64)
SELECT(u8, bool)
