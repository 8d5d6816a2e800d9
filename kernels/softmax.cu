// Softmax along an axis: `SoftmaxKernel::softmax` and `::softmax_backward` (src/ops/softmax).
//
// One block per line along the axis (grid-stride over lines), like reduce.cu's axis
// reductions; the line's maximum and sum are block reductions, then every thread writes its
// elements. The lines are the elements of x's other dims in row-major order (line r has
// outer index r / inner and inner index r % inner).
//
//   softmax_<op>_<dtype>(const T* x, Layout4 lx, u32 axis, T* out, u64 out_len)
//     op: softmax      exp(x - max) / sum(exp(x - max))
//         log_softmax  x - max - log(sum(exp(x - max)))
//         logsumexp    log(sum(exp(x - m))) + m, m = max or 0 where max is infinite
//     dtype: f32, f64. softmax/log_softmax write x's dims, logsumexp x's dims without
//     `axis`, contiguously. A NaN on a line makes its maximum NaN (so its results NaN).
//   softmax_<op>_backward_<dtype>(const T* g, Layout4 lg, const T* y, Layout4 ly, u32 axis,
//                                 T* out, u64 out_len)
//     op: softmax      out = y * (g - sum(g * y))
//         log_softmax  out = g - exp(y) * sum(g)
//     g and y have equal dims (y is the forward's output); out has their dims, contiguous.
//
// Block: a multiple of 32 threads, at most 1024 (the launcher: min(256, dims[axis] rounded
// up to 32)); grid: the line count (capped; blocks loop). Sums are a tree per block, so they
// differ from the CPU's left-to-right sums in the last bits; exp and log are libdevice's.
#include "common.cuh"

__device__ __forceinline__ float exp_(float v) { return expf(v); }
__device__ __forceinline__ double exp_(double v) { return exp(v); }
__device__ __forceinline__ float log_(float v) { return logf(v); }
__device__ __forceinline__ double log_(double v) { return log(v); }

template <class T>
__device__ __forceinline__ T neg_inf() { return -T(1) / T(0); }

// The NaN-propagating maximum (a NaN wins over everything).
template <class T>
struct LineMax {
    typedef T V;
    static __device__ __forceinline__ V identity() { return neg_inf<T>(); }
    static __device__ __forceinline__ V combine(V a, V b) {
        if (is_nan(a)) return a;
        return (is_nan(b) || b > a) ? b : a;
    }
    static __device__ __forceinline__ V shfl(V v, int o) { return shfl_down(v, o); }
};

template <class T>
struct LineSum {
    typedef T V;
    static __device__ __forceinline__ V identity() { return T(0); }
    static __device__ __forceinline__ V combine(V a, V b) { return a + b; }
    static __device__ __forceinline__ V shfl(V v, int o) { return shfl_down(v, o); }
};

// The block's reduction of `v`, seen by every thread (block_reduce gives it to thread 0).
template <class R>
__device__ __forceinline__ typename R::V block_all(typename R::V v) {
    __shared__ typename R::V result;
    v = block_reduce<R>(v);
    if (threadIdx.x == 0) result = v;
    __syncthreads();
    // Every thread reads `result` before any can reach the next write to it: that write
    // follows the barriers inside the next block_reduce.
    return result;
}

#define OP_SOFTMAX 0
#define OP_LOG_SOFTMAX 1
#define OP_LOGSUMEXP 2

template <class T, int OP>
__device__ __forceinline__ void softmax_impl(const T* x, const Layout4& lx, u32 axis, T* out,
                                             u64 out_len) {
    if ((blockDim.x & 31) != 0 || blockDim.y != 1 || blockDim.z != 1) return;
    AxisSplit s;
    if (!split_axis(lx, axis, s)) return;
    const u64 nlines = numel(s.rest);
    const u64 total = nlines * s.size;
    // Refuse a too-short output rather than write past it.
    if (out_len < (OP == OP_LOGSUMEXP ? nlines : total)) return;
    const bool narrow = total <= 0xffffffffull;
    for (u64 r = blockIdx.x; r < nlines; r += gridDim.x) {
        const u64 base = index_of(s.rest, r, false, narrow);
        T m = LineMax<T>::identity();
        for (u64 j = threadIdx.x; j < s.size; j += blockDim.x)
            m = LineMax<T>::combine(m, ld(x, base + j * s.stride, lx.len));
        m = block_all<LineMax<T>>(m);
        const T shift = (OP == OP_LOGSUMEXP && !is_nan(m) && (m - m) != T(0)) ? T(0) : m;
        T sum = T(0);
        for (u64 j = threadIdx.x; j < s.size; j += blockDim.x)
            sum += exp_(ld(x, base + j * s.stride, lx.len) - shift);
        sum = block_all<LineSum<T>>(sum);
        if (OP == OP_LOGSUMEXP) {
            if (threadIdx.x == 0) out[r] = log_(sum) + shift;
            continue;
        }
        // Dense output: line r starts at (r / inner) * size * inner + r % inner.
        u64 o, k;
        divmod(r, s.inner, narrow, o, k);
        const u64 obase = o * s.size * s.inner + k;
        const T log_sum = log_(sum);
        for (u64 j = threadIdx.x; j < s.size; j += blockDim.x) {
            const T v = ld(x, base + j * s.stride, lx.len);
            out[obase + j * s.inner] = OP == OP_SOFTMAX ? exp_(v - m) / sum : v - m - log_sum;
        }
    }
}

template <class T, int OP>
__device__ __forceinline__ void softmax_backward_impl(const T* g, const Layout4& lg, const T* y,
                                                      const Layout4& ly, u32 axis, T* out,
                                                      u64 out_len) {
    if ((blockDim.x & 31) != 0 || blockDim.y != 1 || blockDim.z != 1) return;
    AxisSplit gs, ys;
    if (!split_axis(lg, axis, gs) || !split_axis(ly, axis, ys)) return;
    const u64 nlines = numel(ys.rest);
    const u64 total = nlines * ys.size;
    if (out_len < total || numel(gs.rest) != nlines || gs.size != ys.size) return;
    const bool narrow = total <= 0xffffffffull;
    for (u64 r = blockIdx.x; r < nlines; r += gridDim.x) {
        const u64 gb = index_of(gs.rest, r, false, narrow), yb = index_of(ys.rest, r, false, narrow);
        T acc = T(0);
        for (u64 j = threadIdx.x; j < ys.size; j += blockDim.x) {
            const T gv = ld(g, gb + j * gs.stride, lg.len);
            acc += OP == OP_SOFTMAX ? gv * ld(y, yb + j * ys.stride, ly.len) : gv;
        }
        acc = block_all<LineSum<T>>(acc);
        u64 o, k;
        divmod(r, ys.inner, narrow, o, k);
        const u64 obase = o * ys.size * ys.inner + k;
        for (u64 j = threadIdx.x; j < ys.size; j += blockDim.x) {
            const T gv = ld(g, gb + j * gs.stride, lg.len);
            const T yv = ld(y, yb + j * ys.stride, ly.len);
            out[obase + j * ys.inner] = OP == OP_SOFTMAX ? yv * (gv - acc) : gv - exp_(yv) * acc;
        }
    }
}

#define SOFTMAX(name, OP, T, suffix)                                                          \
    extern "C" __global__ void softmax_##name##_##suffix(const T* x, Layout4 lx, u32 axis,     \
                                                         T* out, u64 out_len) {                \
        softmax_impl<T, OP>(x, lx, axis, out, out_len);                                        \
    }
#define SOFTMAX_BACKWARD(name, OP, T, suffix)                                                 \
    extern "C" __global__ void softmax_##name##_backward_##suffix(                            \
        const T* g, Layout4 lg, const T* y, Layout4 ly, u32 axis, T* out, u64 out_len) {      \
        softmax_backward_impl<T, OP>(g, lg, y, ly, axis, out, out_len);                        \
    }
#define SOFTMAX_ALL(T, suffix)                                  \
    SOFTMAX(softmax, OP_SOFTMAX, T, suffix)                     \
    SOFTMAX(log_softmax, OP_LOG_SOFTMAX, T, suffix)             \
    SOFTMAX(logsumexp, OP_LOGSUMEXP, T, suffix)                 \
    SOFTMAX_BACKWARD(softmax, OP_SOFTMAX, T, suffix)            \
    SOFTMAX_BACKWARD(log_softmax, OP_LOG_SOFTMAX, T, suffix)

SOFTMAX_ALL(float, f32)
SOFTMAX_ALL(double, f64)
