// Reductions: `ReduceKernel::reduce` (sum, max, min) and `::arg_reduce` (argmax, argmin)
// (src/ops/reduce), along one axis or over all elements.
//
// Along an axis, one block per output element (grid-stride over outputs):
//   reduce_<op>_<dtype>(const T* x, Layout4 lx, u32 axis, O* out, u64 out_len)
//     op: sum, max, min (O = T) and argmax, argmin (O = i64, the position along the axis);
//     dtype: f32, f64, i32, i64. The output has x's dims without `axis`, contiguously.
//     sum64 (O = i64; dtype i32 and bool, a bool one byte, nonzero true): PyTorch's sum of
//     integer and bool tensors, each element widened to i64 first, wrapping only at 64 bits.
//     Block: a multiple of 32 threads, at most 1024 (the launcher may pick fewer threads for
//     a short axis: min(256, dims[axis] rounded up to 32)); grid: the output count (more is
//     harmless, fewer makes each block loop). Must be launched even when dims[axis] == 0
//     (the output then holds 0s, as the CPU's) unless the output itself is empty.
// Over all elements, two passes:
//   reduce_all_<op>_<dtype>(const T* x, Layout4 lx, P* part_val, i64* part_idx, u64 nparts)
//     (P = T, except P = i64 for sum64) writes `nparts` partial results to
//     part_val[0..nparts) and, for max/min/argmax/
//     argmin, the row-major index of each pick to part_idx (sum: part_idx unused, may be
//     null). nparts >= 1, e.g. clamp(ceil(numel / 2048), 1, 1024); grid: nparts blocks
//     (any grid is correct: blocks loop over partials); block as above.
//   reduce_all_<op>_<dtype>_final(const P* part_val, const i64* part_idx, u64 nparts,
//                                 O* out, u64 out_len)
//     one block (any multiple of 32 threads, 256 recommended): combines the partials into
//     out[0]. Always launched, even for an empty tensor (sum: 0; the others: 0, the CPU
//     kernel's value where the typed API would have refused).
//
// Exactly the CPU's answers, whatever the order of the tree:
//   * max/min propagate NaN; among equal values (+0.0 and -0.0 compare equal) they keep
//     the LAST, as the CPU's left fold of nan_max/nan_min does, so even the sign of a zero
//     result matches. argmax/argmin return the FIRST extreme, and the first NaN if any.
//     Both are the best element under a total order on (value, index) pairs, which makes
//     the combine associative and commutative.
//   * integer sums wrap (unsigned accumulation; sum64 in 64 bits). Float sums are a tree whose shape depends
//     only on the block size (and nparts), so a launch configuration gives the same result
//     every run; more accurate than the CPU's 8-lane loop but not bit-identical to it.
#include "common.cuh"

// ---- reduction policies: V is the per-thread partial, combine is associative and
// commutative, identity its neutral element.

template <class T>
struct SumR {
    typedef typename Unsigned<T>::type V;  // integers accumulate in unsigned (wrapping)
    typedef T P;                           // the partials' type
    static __device__ __forceinline__ V identity() { return V(0); }
    static __device__ __forceinline__ V make(T v, u64) { return (V)v; }
    static __device__ __forceinline__ V combine(V a, V b) { return a + b; }
    static __device__ __forceinline__ V shfl(V v, int o) { return shfl_down(v, o); }
    static __device__ __forceinline__ V from_part(T v, i64) { return (V)v; }
    static __device__ __forceinline__ T part_val(V a) { return (T)a; }
    static __device__ __forceinline__ i64 part_idx(V) { return 0; }
    typedef T Out;
    static __device__ __forceinline__ T finish(V a) { return (T)a; }
};

// An element as a term of a 64-bit sum: integers sign-extended, a bool byte 0 or 1.
__device__ __forceinline__ u64 widen64(int v) { return (u64)(i64)v; }
__device__ __forceinline__ u64 widen64(u8 v) { return v != 0 ? 1ull : 0ull; }

// PyTorch's sum of i32 and bool elements: an i64, accumulated in u64 (wrapping at 64 bits).
template <class T>
struct Sum64R {
    typedef u64 V;
    typedef i64 P;
    static __device__ __forceinline__ V identity() { return 0ull; }
    static __device__ __forceinline__ V make(T v, u64) { return widen64(v); }
    static __device__ __forceinline__ V combine(V a, V b) { return a + b; }
    static __device__ __forceinline__ V shfl(V v, int o) { return shfl_down(v, o); }
    static __device__ __forceinline__ V from_part(P v, i64) { return (u64)v; }
    static __device__ __forceinline__ P part_val(V a) { return (i64)a; }
    static __device__ __forceinline__ i64 part_idx(V) { return 0; }
    typedef i64 Out;
    static __device__ __forceinline__ i64 finish(V a) { return (i64)a; }
};

// A candidate extreme: its value and index; idx < 0 marks "no element" (the identity).
template <class T>
struct Cand {
    T val;
    i64 idx;
};

// MAX: larger wins (else smaller). FIRST_TIE: on equal values (and among NaNs) the smaller
// index wins; otherwise the larger index wins among equal non-NaN values while the smaller
// still wins among NaNs (the CPU fold keeps its first NaN). A NaN beats any number.
template <class T, bool MAX, bool FIRST_TIE, bool ARG>
struct ExtremeR {
    typedef Cand<T> V;
    typedef T P;
    static __device__ __forceinline__ V identity() { return V{T(0), -1}; }
    static __device__ __forceinline__ V make(T v, u64 i) { return V{v, (i64)i}; }
    // Whether a is the better of two distinct candidates.
    static __device__ __forceinline__ bool better(const V& a, const V& b) {
        if (b.idx < 0) return true;
        if (a.idx < 0) return false;
        const bool an = is_nan(a.val), bn = is_nan(b.val);
        if (an || bn) {
            if (an && bn) return a.idx < b.idx;
            return an;
        }
        if (a.val != b.val) return MAX ? a.val > b.val : a.val < b.val;
        return FIRST_TIE ? a.idx < b.idx : a.idx > b.idx;
    }
    static __device__ __forceinline__ V combine(V a, V b) { return better(a, b) ? a : b; }
    static __device__ __forceinline__ V shfl(V v, int o) {
        return V{shfl_down(v.val, o), shfl_down(v.idx, o)};
    }
    static __device__ __forceinline__ V from_part(T v, i64 i) { return V{v, i}; }
    static __device__ __forceinline__ T part_val(V a) { return a.val; }
    static __device__ __forceinline__ i64 part_idx(V a) { return a.idx; }
};

template <class T, bool MAX>
struct ValueR : ExtremeR<T, MAX, false, false> {
    typedef T Out;
    // No element: 0, the CPU's `unwrap_or(zero)`.
    static __device__ __forceinline__ T finish(Cand<T> a) { return a.idx < 0 ? T(0) : a.val; }
};

template <class T, bool MAX>
struct ArgR : ExtremeR<T, MAX, true, true> {
    typedef i64 Out;
    static __device__ __forceinline__ i64 finish(Cand<T> a) { return a.idx < 0 ? 0 : a.idx; }
};

// ---- along an axis

template <class T, class R>
__device__ __forceinline__ void reduce_axis_impl(const T* x, const Layout4& lx, u32 axis,
                                                 typename R::Out* out, u64 out_len) {
    typedef typename R::V V;
    // block_reduce needs whole warps; a wrong block size launches no work rather than
    // reading shuffles from lanes that do not exist.
    if ((blockDim.x & 31) != 0 || blockDim.y != 1 || blockDim.z != 1) return;
    AxisSplit s;
    if (!split_axis(lx, axis, s)) return;
    const u64 nrest = numel(s.rest);
    const u64 nout = min_u64(nrest, out_len);
    const bool narrow = nrest <= 0xffffffffull;
    // Block-uniform loop: every thread of the block runs the same iterations, as
    // block_reduce's barriers require.
    for (u64 o = blockIdx.x; o < nout; o += gridDim.x) {
        const u64 base = index_of(s.rest, o, false, narrow);
        V acc = R::identity();
        for (u64 j = threadIdx.x; j < s.size; j += blockDim.x)
            acc = R::combine(acc, R::make(ld(x, base + j * s.stride, lx.len), j));
        acc = block_reduce<R>(acc);
        if (threadIdx.x == 0) out[o] = R::finish(acc);
    }
}

// ---- over everything, pass 1: `nparts` partials

// Partial p covers the elements p * B + t + k * nparts * B (B the block size, t < B,
// k = 0, 1, ...), reduced by one block; blocks take partials p = blockIdx.x,
// blockIdx.x + gridDim.x, ... So every partial is written whatever the grid, and the result
// depends only on nparts and the block size, not on how many blocks ran.
template <class T, class R>
__device__ __forceinline__ void reduce_all_impl(const T* x, const Layout4& lx,
                                                typename R::P* part_val, i64* part_idx,
                                                u64 nparts) {
    typedef typename R::V V;
    if ((blockDim.x & 31) != 0 || blockDim.y != 1 || blockDim.z != 1) return;
    const u64 n = numel(lx);
    const bool contig = is_contiguous(lx);
    const bool narrow = n <= 0xffffffffull;
    const u64 step = nparts * blockDim.x;
    for (u64 p = blockIdx.x; p < nparts; p += gridDim.x) {
        V acc = R::identity();
        for (u64 i = p * blockDim.x + threadIdx.x; i < n; i += step)
            acc = R::combine(acc, R::make(ld(x, index_of(lx, i, contig, narrow), lx.len), i));
        acc = block_reduce<R>(acc);
        if (threadIdx.x == 0) {
            part_val[p] = R::part_val(acc);
            if (part_idx) part_idx[p] = R::part_idx(acc);
        }
    }
}

// ---- pass 2: one block combines the partials

template <class R>
__device__ __forceinline__ void reduce_final_impl(const typename R::P* part_val,
                                                  const i64* part_idx, u64 nparts,
                                                  typename R::Out* out, u64 out_len) {
    typedef typename R::V V;
    if ((blockDim.x & 31) != 0 || blockDim.y != 1 || blockDim.z != 1) return;
    if (blockIdx.x != 0) return;  // one block writes out[0]; extra blocks do nothing
    V acc = R::identity();
    for (u64 k = threadIdx.x; k < nparts; k += blockDim.x)
        acc = R::combine(acc, R::from_part(part_val[k], part_idx ? part_idx[k] : 0));
    acc = block_reduce<R>(acc);
    if (threadIdx.x == 0 && out_len >= 1) out[0] = R::finish(acc);
}

#define REDUCE(name, R, T, suffix)                                                            \
    extern "C" __global__ void reduce_##name##_##suffix(const T* x, Layout4 lx, u32 axis,       \
                                                        R::Out* out, u64 out_len) {            \
        reduce_axis_impl<T, R>(x, lx, axis, out, out_len);                                     \
    }                                                                                          \
    extern "C" __global__ void reduce_all_##name##_##suffix(const T* x, Layout4 lx,             \
                                                            R::P* part_val, i64* part_idx,      \
                                                            u64 nparts) {                       \
        reduce_all_impl<T, R>(x, lx, part_val, part_idx, nparts);                              \
    }                                                                                          \
    extern "C" __global__ void reduce_all_##name##_##suffix##_final(                           \
        const R::P* part_val, const i64* part_idx, u64 nparts, R::Out* out, u64 out_len) {     \
        reduce_final_impl<R>(part_val, part_idx, nparts, out, out_len);                        \
    }

// One-parameter names, so that a policy fits in one macro argument.
template <class T> using MaxR = ValueR<T, true>;
template <class T> using MinR = ValueR<T, false>;
template <class T> using ArgMaxR = ArgR<T, true>;
template <class T> using ArgMinR = ArgR<T, false>;

#define REDUCE_NUM(T, suffix)            \
    REDUCE(sum, SumR<T>, T, suffix)      \
    REDUCE(max, MaxR<T>, T, suffix)      \
    REDUCE(min, MinR<T>, T, suffix)      \
    REDUCE(argmax, ArgMaxR<T>, T, suffix) \
    REDUCE(argmin, ArgMinR<T>, T, suffix)

REDUCE_NUM(float, f32)
REDUCE_NUM(double, f64)
REDUCE_NUM(int, i32)
REDUCE_NUM(i64, i64)
REDUCE(sum64, Sum64R<int>, int, i32)
REDUCE(sum64, Sum64R<u8>, u8, bool)
