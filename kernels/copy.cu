// Copies and conversions: `CopyKernel::contiguous` and `::cast` (src/ops/copy), plus the
// fill behind `DeviceStorage::alloc_filled`.
//
//   copy_<dtype>(const T* x, Layout4 lx, T* out, u64 out_len)
//     the elements `lx` selects, in row-major order, densely into `out` (`contiguous`,
//     transposes, `download` of a strided view); dtype: f32, f64, i32, i64, bool.
//   cast_<from>_<to>(const F* x, Layout4 lx, T* out, u64 out_len)
//     the same gather, converted with Rust's `as` / `CastTo` semantics, for all 25 pairs of
//     f32, f64, i32, i64, bool (the identity pairs are copies).
//   fill_<dtype>(T* out, u64 out_len, T value)
//     out[0..out_len) = value, for any dtype (a memset only repeats bytes or 32-bit words,
//     which cannot express an f64 or i64 value in general).
// Grid-stride: any grid, any block.
#include "common.cuh"

// ---- conversions, element by element --------------------------------------------------
// Rust `as` from a float to an integer truncates toward zero, saturates at the integer's
// range and maps NaN to 0. C++ leaves an out-of-range conversion undefined, so the range
// is checked first and only in-range values are converted. The bounds are powers of two,
// exact in both float types: v >= 2^(bits-1) saturates up; v <= -2^(bits-1) saturates down
// (-2^(bits-1) itself is the minimum, and in (-2^(bits-1) - 1, -2^(bits-1)) truncation would
// give the minimum too).
template <class I, class F>
__device__ __forceinline__ I float_to_int(F v, F two_pow, I max, I min) {
    if (is_nan(v)) return I(0);
    if (v >= two_pow) return max;
    if (v <= -two_pow) return min;
    return (I)v;
}

template <class To, class From> struct Cast;
// Same type: the value itself.
template <class T> struct Cast<T, T> { __device__ static T go(T v) { return v; } };
// bool to bool: 0 or 1 even from a stray byte, like every other conversion from bool.
template <> struct Cast<u8, u8> { __device__ static u8 go(u8 v) { return v != 0; } };
// Float to float: f64 -> f32 rounds to nearest even (Rust `as`), f32 -> f64 is exact.
template <> struct Cast<float, double> { __device__ static float go(double v) { return (float)v; } };
template <> struct Cast<double, float> { __device__ static double go(float v) { return (double)v; } };
// Float to integer: see float_to_int.
template <> struct Cast<int, float> { __device__ static int go(float v) { return float_to_int<int, float>(v, 2147483648.0f, 2147483647, -2147483647 - 1); } };
template <> struct Cast<int, double> { __device__ static int go(double v) { return float_to_int<int, double>(v, 2147483648.0, 2147483647, -2147483647 - 1); } };
template <> struct Cast<i64, float> { __device__ static i64 go(float v) { return float_to_int<i64, float>(v, 9223372036854775808.0f, 9223372036854775807ll, -9223372036854775807ll - 1); } };
template <> struct Cast<i64, double> { __device__ static i64 go(double v) { return float_to_int<i64, double>(v, 9223372036854775808.0, 9223372036854775807ll, -9223372036854775807ll - 1); } };
// Integer to float: round to nearest even (Rust `as`; CUDA converts with .rn).
template <> struct Cast<float, int> { __device__ static float go(int v) { return (float)v; } };
template <> struct Cast<float, i64> { __device__ static float go(i64 v) { return (float)v; } };
template <> struct Cast<double, int> { __device__ static double go(int v) { return (double)v; } };
template <> struct Cast<double, i64> { __device__ static double go(i64 v) { return (double)v; } };
// Integer to integer: i32 -> i64 sign-extends; i64 -> i32 keeps the low 32 bits (Rust
// `as`), done through unsigned types where the truncation is defined.
template <> struct Cast<i64, int> { __device__ static i64 go(int v) { return (i64)v; } };
template <> struct Cast<int, i64> { __device__ static int go(i64 v) { return (int)(u32)(u64)v; } };
// To bool: `!= 0` (so NaN is true, -0.0 false), stored as 1 or 0.
template <> struct Cast<u8, float> { __device__ static u8 go(float v) { return v != 0.0f; } };
template <> struct Cast<u8, double> { __device__ static u8 go(double v) { return v != 0.0; } };
template <> struct Cast<u8, int> { __device__ static u8 go(int v) { return v != 0; } };
template <> struct Cast<u8, i64> { __device__ static u8 go(i64 v) { return v != 0; } };
// From bool: 1 or 0 (a stray nonzero byte still counts as true, never as its value).
template <> struct Cast<float, u8> { __device__ static float go(u8 v) { return v != 0 ? 1.0f : 0.0f; } };
template <> struct Cast<double, u8> { __device__ static double go(u8 v) { return v != 0 ? 1.0 : 0.0; } };
template <> struct Cast<int, u8> { __device__ static int go(u8 v) { return v != 0 ? 1 : 0; } };
template <> struct Cast<i64, u8> { __device__ static i64 go(u8 v) { return v != 0 ? 1 : 0; } };

template <class From, class To>
__device__ __forceinline__ void cast_impl(const From* x, const Layout4& lx, To* out,
                                          u64 out_len) {
    map1(x, lx, out, out_len, [](From v) { return Cast<To, From>::go(v); });
}

#define COPY(T, suffix)                                                                      \
    extern "C" __global__ void copy_##suffix(const T* x, Layout4 lx, T* out, u64 out_len) {   \
        map1(x, lx, out, out_len, [](T v) { return v; });                                     \
    }                                                                                         \
    extern "C" __global__ void fill_##suffix(T* out, u64 out_len, T value) {                  \
        for (u64 i = grid_start(); i < out_len; i += grid_step()) out[i] = value;             \
    }

COPY(float, f32)
COPY(double, f64)
COPY(int, i32)
COPY(i64, i64)
COPY(u8, bool)

#define CAST(F, fs, T, ts)                                                                    \
    extern "C" __global__ void cast_##fs##_##ts(const F* x, Layout4 lx, T* out, u64 out_len) { \
        cast_impl<F, T>(x, lx, out, out_len);                                                  \
    }

#define CAST_FROM(F, fs)          \
    CAST(F, fs, float, f32)       \
    CAST(F, fs, double, f64)      \
    CAST(F, fs, int, i32)         \
    CAST(F, fs, i64, i64)         \
    CAST(F, fs, u8, bool)

CAST_FROM(float, f32)
CAST_FROM(double, f64)
CAST_FROM(int, i32)
CAST_FROM(i64, i64)
CAST_FROM(u8, bool)
