// Shared definitions of every kernel family: the `Layout4` parameter, strided indexing,
// guarded loads, element-type helpers and block reductions.
//
// Compiled by NVRTC (scripts/cuda/build_ptx.sh), which has no host compiler and no C or C++
// standard headers: everything used here is a CUDA built-in or defined in this file.
//
// The ABI every kernel follows (kernels/README.md has the full list):
//   * A strided operand is a pointer plus a `Layout4` passed by value: dims, strides (in
//     elements), offset, the length of the buffer in elements, and the rank (0..=4).
//   * A raw buffer (an output, a partial-result buffer) is a pointer plus its length in
//     elements. No kernel reads or writes an element at or past a length it was given, so
//     a launcher bug gives wrong values, never an access outside an allocation. (The
//     optimizer kernels take one count for all their buffers, and index_check one flag
//     word: the launcher checks those buffers' sizes, as the CPU kernels do.)
//   * Element types: f32 = float, f64 = double, i32 = int, i64 = long long, bool = one
//     byte, 0 or 1 (Rust's representation; read as `!= 0` where a truth value is needed).
//   * One kernel per (op, dtype), `extern "C"`, named `<family>_<op>_<dtype>`.
#pragma once

typedef unsigned long long u64;
typedef long long i64;
typedef unsigned int u32;
typedef unsigned char u8;

#define MAX_RANK 4

// Mirrors `typetensor::layout::Layout` plus the buffer length; `#[repr(C)]` on the Rust side
// with the same field order: 88 bytes, 8-byte aligned, no implicit padding.
struct Layout4 {
    u64 dims[MAX_RANK];     // dims[0..rank]; entries past rank are ignored
    u64 strides[MAX_RANK];  // in elements; 0 for a broadcast dimension
    u64 offset;             // storage index of the first element
    u64 len;                // elements in the buffer; reads at or past it yield 0
    u32 rank;               // 0..=4; a larger rank makes the layout empty
    u32 pad_;               // explicit padding, ignored
};

// Number of elements; 0 for an invalid rank so that a bad layout launches no work.
__device__ __forceinline__ u64 numel(const Layout4& l) {
    if (l.rank > MAX_RANK) return 0;
    u64 n = 1;
#pragma unroll
    for (int d = 0; d < MAX_RANK; ++d)
        if (d < (int)l.rank) n *= l.dims[d];
    return n;
}

// Same rule as `Layout::is_contiguous`: a size-1 dimension may have any stride.
__device__ __forceinline__ bool is_contiguous(const Layout4& l) {
    u64 acc = 1;
#pragma unroll
    for (int d = MAX_RANK - 1; d >= 0; --d) {
        if (d < (int)l.rank) {
            if (l.dims[d] != 1 && l.strides[d] != acc) return false;
            acc *= l.dims[d];
        }
    }
    return true;
}

// Row-major coordinates of linear index `i` (< numel of dims) in `dims[0..rank]`;
// coordinates past `rank` are 0. `narrow` selects 32-bit division, several times cheaper
// than 64-bit on the GPU; it is valid when numel <= 2^32 - 1, as then every dim and index
// fits in 32 bits. The outermost coordinate needs no division: it is what remains of `i`.
__device__ __forceinline__ void unravel(const u64* dims, u32 rank, u64 i, bool narrow,
                                        u64 c[MAX_RANK]) {
#pragma unroll
    for (int d = MAX_RANK - 1; d >= 1; --d) {
        if (d < (int)rank) {
            if (narrow) {
                u32 n = (u32)dims[d], q = (u32)i / n;
                c[d] = (u32)i - q * n;
                i = q;
            } else {
                u64 n = dims[d], q = i / n;
                c[d] = i - q * n;
                i = q;
            }
        } else {
            c[d] = 0;
        }
    }
    c[0] = rank >= 1 ? i : 0;
}

// Storage index of the element at coordinates `c` (only the first `rank` count, so stale
// strides past the rank cannot matter).
__device__ __forceinline__ u64 at(const Layout4& l, const u64 c[MAX_RANK]) {
    u64 idx = l.offset;
#pragma unroll
    for (int d = 0; d < MAX_RANK; ++d)
        if (d < (int)l.rank) idx += c[d] * l.strides[d];
    return idx;
}

// Storage index of row-major element `i` of one layout.
__device__ __forceinline__ u64 index_of(const Layout4& l, u64 i, bool contig, bool narrow) {
    if (contig) return l.offset + i;
    u64 c[MAX_RANK];
    unravel(l.dims, l.rank, i, narrow, c);
    return at(l, c);
}

// q = a / b, r = a % b, in 32 bits when `narrow` (both fit).
__device__ __forceinline__ void divmod(u64 a, u64 b, bool narrow, u64& q, u64& r) {
    if (narrow) {
        u32 qq = (u32)a / (u32)b;
        q = qq;
        r = (u32)a - qq * (u32)b;
    } else {
        q = a / b;
        r = a - q * b;
    }
}

// A layout seen around one axis: the layout of the other dims (`rest`, rank - 1, same
// offset and len), the axis' size and stride, and the number of elements after it
// (`inner`). Ops along an axis (reductions, index_select, index_add, cat) split each
// linear index into (outer, axis, inner) and index the rest through `rest`, so no
// coordinate array is ever indexed with the run-time axis (which would put it in local
// memory). Built once per thread, before the loop.
struct AxisSplit {
    Layout4 rest;
    u64 size;
    u64 stride;
    u64 inner;
};

// False when `axis` is not a dimension of `l` (the caller then does nothing).
__device__ __forceinline__ bool split_axis(const Layout4& l, u32 axis, AxisSplit& s) {
    if (l.rank > MAX_RANK || axis >= l.rank) return false;
    s.rest = l;
    s.rest.rank = l.rank - 1;
    s.size = 0;
    s.stride = 0;
    s.inner = 1;
#pragma unroll
    for (int d = 0; d < MAX_RANK; ++d) {
        if (d == (int)axis) {
            s.size = l.dims[d];
            s.stride = l.strides[d];
        }
        if (d > (int)axis && d < (int)l.rank) {
            s.rest.dims[d - 1] = l.dims[d];
            s.rest.strides[d - 1] = l.strides[d];
            s.inner *= l.dims[d];
        }
    }
    return true;
}

// A read refused past the buffer: the launcher checks layouts against buffers on the host,
// so this never triggers in a correct program; it only turns a launcher bug into a wrong
// value instead of an out-of-bounds access.
template <class T>
__device__ __forceinline__ T ld(const T* p, u64 idx, u64 len) {
    return idx < len ? p[idx] : T(0);
}

__device__ __forceinline__ u64 min_u64(u64 a, u64 b) { return a < b ? a : b; }

// First index and stride of a grid-stride loop over linear elements (any grid, any block).
__device__ __forceinline__ u64 grid_start() {
    return (u64)blockIdx.x * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ u64 grid_step() { return (u64)gridDim.x * blockDim.x; }

// ---------------------------------------------------------------------------------------
// Element-type traits.

// `x != x` is true only for NaN, and never for an integer: the CPU kernels' test.
template <class T>
__device__ __forceinline__ bool is_nan(T x) { return x != x; }

// The unsigned type of the same width: integer add/sub/mul wrap in it, as Rust's
// `wrapping_*` (signed overflow is undefined behaviour in C++, unsigned wraps). For floats
// it is the float itself, so wadd & co. are plain IEEE arithmetic there.
template <class T> struct Unsigned { typedef T type; };  // floats: themselves
template <> struct Unsigned<int> { typedef u32 type; };
template <> struct Unsigned<i64> { typedef u64 type; };

template <class T>
__device__ __forceinline__ T wadd(T a, T b) {
    typedef typename Unsigned<T>::type U;
    return (T)((U)a + (U)b);
}
template <class T>
__device__ __forceinline__ T wsub(T a, T b) {
    typedef typename Unsigned<T>::type U;
    return (T)((U)a - (U)b);
}
template <class T>
__device__ __forceinline__ T wmul(T a, T b) {
    typedef typename Unsigned<T>::type U;
    return (T)((U)a * (U)b);
}
// `-a`: a sign flip for floats (the negation of the unsigned type is the float's own
// negation), wrapping for integers (`-i32::MIN` is `i32::MIN`).
template <class T>
__device__ __forceinline__ T wneg(T a) {
    typedef typename Unsigned<T>::type U;
    return (T)(-(U)a);
}

// `nan_max`/`nan_min` of src/ops/arith/cpu.rs, operand order included: on a tie the second
// operand is returned (which decides the sign of a zero result).
template <class T>
__device__ __forceinline__ T nan_max(T a, T b) { return (is_nan(a) || a > b) ? a : b; }
template <class T>
__device__ __forceinline__ T nan_min(T a, T b) { return (is_nan(a) || a < b) ? a : b; }

// Fused multiply-add with one rounding, where the CPU code calls `mul_add`. The whole
// build passes --fmad=false, so no other multiply and add is ever contracted.
__device__ __forceinline__ float fma_(float a, float b, float c) { return fmaf(a, b, c); }
__device__ __forceinline__ double fma_(double a, double b, double c) { return fma(a, b, c); }

// Correctly rounded square root (the build passes --prec-sqrt=true).
__device__ __forceinline__ float sqrt_(float v) { return sqrtf(v); }
__device__ __forceinline__ double sqrt_(double v) { return sqrt(v); }

// ---------------------------------------------------------------------------------------
// Warp and block reductions. Any block size that is a multiple of 32, up to 1024, works.

__device__ __forceinline__ float shfl_down(float v, int o) {
    return __shfl_down_sync(0xffffffffu, v, o);
}
__device__ __forceinline__ double shfl_down(double v, int o) {
    return __shfl_down_sync(0xffffffffu, v, o);
}
__device__ __forceinline__ int shfl_down(int v, int o) {
    return __shfl_down_sync(0xffffffffu, v, o);
}
__device__ __forceinline__ u32 shfl_down(u32 v, int o) {
    return __shfl_down_sync(0xffffffffu, v, o);
}
__device__ __forceinline__ i64 shfl_down(i64 v, int o) {
    return __shfl_down_sync(0xffffffffu, v, o);
}
__device__ __forceinline__ u64 shfl_down(u64 v, int o) {
    return __shfl_down_sync(0xffffffffu, v, o);
}

// Reduces one value per thread with the policy `R` (R::V the value type, R::combine an
// associative and commutative operation, R::identity its neutral element). Every thread
// of the block must call it (it synchronises); thread 0 gets the block's result. The tree
// shape depends only on the block size, so results are reproducible run to run.
template <class R>
__device__ typename R::V block_reduce(typename R::V v) {
    typedef typename R::V V;
    __shared__ V warp_part[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int nwarps = (blockDim.x + 31) >> 5;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = R::combine(v, R::shfl(v, o));
    if (lane == 0) warp_part[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < nwarps ? warp_part[lane] : R::identity();
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) v = R::combine(v, R::shfl(v, o));
    }
    // The shared slots are reused by the next call of a grid-stride loop.
    __syncthreads();
    return v;
}

// ---------------------------------------------------------------------------------------
// Elementwise drivers: one thread per output element, grid-stride, contiguous output.
// The operands of map2/map3 have the dims of the first (broadcasting is already zero
// strides, as the Rust kernel traits promise); the first layout's dims drive the index
// arithmetic, each operand contributes its own strides and offset.

// out[i] = f(x at element i), i < min(numel(lx), out_len).
template <class TI, class TO, class F>
__device__ __forceinline__ void map1(const TI* x, const Layout4& lx, TO* out, u64 out_len,
                                     F f) {
    const u64 total = numel(lx);
    const u64 n = min_u64(total, out_len);
    const bool contig = is_contiguous(lx);
    const bool narrow = total <= 0xffffffffull;
    for (u64 i = grid_start(); i < n; i += grid_step())
        out[i] = f(ld(x, index_of(lx, i, contig, narrow), lx.len));
}

// out[i] = f(a at i, b at i).
template <class TA, class TB, class TO, class F>
__device__ __forceinline__ void map2(const TA* a, const Layout4& la, const TB* b,
                                     const Layout4& lb, TO* out, u64 out_len, F f) {
    const u64 total = numel(la);
    const u64 n = min_u64(total, out_len);
    const bool contig = is_contiguous(la) && is_contiguous(lb);
    const bool narrow = total <= 0xffffffffull;
    for (u64 i = grid_start(); i < n; i += grid_step()) {
        u64 ia, ib;
        if (contig) {
            ia = la.offset + i;
            ib = lb.offset + i;
        } else {
            u64 c[MAX_RANK];
            unravel(la.dims, la.rank, i, narrow, c);
            ia = at(la, c);
            ib = at(lb, c);
        }
        out[i] = f(ld(a, ia, la.len), ld(b, ib, lb.len));
    }
}

// out[i] = f(p at i, a at i, b at i).
template <class TP, class TA, class TB, class TO, class F>
__device__ __forceinline__ void map3(const TP* p, const Layout4& lp, const TA* a,
                                     const Layout4& la, const TB* b, const Layout4& lb,
                                     TO* out, u64 out_len, F f) {
    const u64 total = numel(lp);
    const u64 n = min_u64(total, out_len);
    const bool contig = is_contiguous(lp) && is_contiguous(la) && is_contiguous(lb);
    const bool narrow = total <= 0xffffffffull;
    for (u64 i = grid_start(); i < n; i += grid_step()) {
        u64 ip, ia, ib;
        if (contig) {
            ip = lp.offset + i;
            ia = la.offset + i;
            ib = lb.offset + i;
        } else {
            u64 c[MAX_RANK];
            unravel(lp.dims, lp.rank, i, narrow, c);
            ip = at(lp, c);
            ia = at(la, c);
            ib = at(lb, c);
        }
        out[i] = f(ld(p, ip, lp.len), ld(a, ia, la.len), ld(b, ib, lb.len));
    }
}
