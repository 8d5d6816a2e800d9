// Pooling: `PoolKernel` (src/ops/pool), the semantics of the CPU kernels in
// src/ops/pool/cpu.rs, bit for bit (the same comparisons, the same order of additions, the
// same divisions).
//
//   pool_max_<dtype>(const T* x, Layout4 lx, Win2d win, T* out, i64* idx, u64 out_len)
//     out and idx are dense [n, c, oh, ow]: each window's maximum (NaN if it holds one: a
//     value updates the pick when `v > best || isnan(v)`, so a tie keeps the first maximum
//     and a later NaN replaces an earlier one) and its position iy * w + ix in its plane;
//     a window of -inf keeps its first in-image position. Padding never wins.
//   pool_max_backward_<dtype>(const T* g, Layout4 lg, const i64* idx, Layout4 li, Win2d win,
//                             T* out, u64 out_len)
//     out is dense [n, c, h, w]: each input element sums the gradients g of the outputs
//     whose index picked it, in output order (one thread per input element gathers over the
//     windows that contain it: no atomics, the CPU's order).
//   pool_avg_<dtype>(const T* x, Layout4 lx, Win2d win, u32 adaptive, T* out, u64 out_len)
//     out is dense [n, c, oh, ow]: each window's sum in row-major order divided by kh * kw
//     (adaptive = 0: PyTorch's count_include_pad) or by its height and then its width
//     (adaptive = 1: rows floor(o*h/oh) .. ceil((o+1)*h/oh), likewise columns).
//   pool_avg_backward_<dtype>(const T* g, Layout4 lg, Win2d win, u32 adaptive, T* out,
//                             u64 out_len)
//     out is dense [n, c, h, w]: each input element sums the divided gradients of the
//     windows that contain it, in output order.
// dtype: f32, f64. lx has dims [n, c, h, w], lg and li [n, c, oh, ow], any strides.
// Grid-stride over the output: any grid, any block. A layout whose dims disagree with the
// window makes the kernel write nothing.
#include "window.cuh"

// The input rows (or columns) an average pool's output o reads: [lo, hi).
__device__ __forceinline__ void avg_range(u64 o, u64 out, u64 size, u64 k, u64 s, u64 p,
                                          bool adaptive, u64& lo, u64& hi) {
    if (adaptive) {
        lo = o * size / out;
        hi = ((o + 1) * size + out - 1) / out;
    } else {
        const u64 start = o * s, end = o * s + k;
        lo = start > p ? start - p : 0;
        hi = end > p ? end - p : 0;
        if (hi > size) hi = size;
    }
}

template <class T>
__device__ __forceinline__ T avg_divide(T sum, const Win2d& win, bool adaptive, u64 ny, u64 nx) {
    if (adaptive) return sum / (T)ny / (T)nx;
    return sum / (T)(win.kh * win.kw);
}

template <class T>
__device__ __forceinline__ void max_impl(const T* x, const Layout4& lx, const Win2d& win, T* out,
                                         i64* idx, u64 out_len) {
    if (!dims_are(lx, win.n, win.c, win.h, win.w)) return;
    const u64 total = min_u64(win.n * win.c * win.oh * win.ow, out_len);
    for (u64 o = grid_start(); o < total; o += grid_step()) {
        const u64 ox = o % win.ow, oy = o / win.ow % win.oh, p = o / (win.ow * win.oh);
        const u64 n = p / win.c, c = p % win.c;
        T best = neg_inf(T(0));
        i64 pick = -1;
        for (u64 i = 0; i < win.kh; ++i) {
            u64 iy;
            if (!tap_pos(oy, win.sh, i, win.dh, win.ph, win.h, iy)) continue;
            for (u64 j = 0; j < win.kw; ++j) {
                u64 ix;
                if (!tap_pos(ox, win.sw, j, win.dw, win.pw, win.w, ix)) continue;
                const i64 pos = (i64)(iy * win.w + ix);
                if (pick < 0) pick = pos;
                const T v = ld(x, at4(lx, n, c, iy, ix), lx.len);
                if (v > best || is_nan(v)) {
                    best = v;
                    pick = pos;
                }
            }
        }
        out[o] = best;
        idx[o] = pick < 0 ? 0 : pick;
    }
}

template <class T>
__device__ __forceinline__ void max_backward_impl(const T* g, const Layout4& lg, const i64* idx,
                                                  const Layout4& li, const Win2d& win, T* out,
                                                  u64 out_len) {
    if (!dims_are(lg, win.n, win.c, win.oh, win.ow) || !dims_are(li, win.n, win.c, win.oh, win.ow))
        return;
    const u64 total = min_u64(win.n * win.c * win.h * win.w, out_len);
    for (u64 e = grid_start(); e < total; e += grid_step()) {
        const u64 ix = e % win.w, iy = e / win.w % win.h, p = e / (win.w * win.h);
        const u64 n = p / win.c, c = p % win.c;
        const i64 me = (i64)(iy * win.w + ix);
        T sum = T(0);
        // Taps from last to first visit the outputs in ascending order.
        for (u64 i = win.kh; i-- > 0;) {
            u64 oy;
            if (!out_pos(iy, win.sh, i, win.dh, win.ph, win.oh, oy)) continue;
            for (u64 j = win.kw; j-- > 0;) {
                u64 ox;
                if (!out_pos(ix, win.sw, j, win.dw, win.pw, win.ow, ox)) continue;
                if (ld(idx, at4(li, n, c, oy, ox), li.len) == me)
                    sum += ld(g, at4(lg, n, c, oy, ox), lg.len);
            }
        }
        out[e] = sum;
    }
}

template <class T>
__device__ __forceinline__ void avg_impl(const T* x, const Layout4& lx, const Win2d& win,
                                         bool adaptive, T* out, u64 out_len) {
    if (!dims_are(lx, win.n, win.c, win.h, win.w) || win.oh == 0 || win.ow == 0) return;
    const u64 total = min_u64(win.n * win.c * win.oh * win.ow, out_len);
    for (u64 o = grid_start(); o < total; o += grid_step()) {
        const u64 ox = o % win.ow, oy = o / win.ow % win.oh, p = o / (win.ow * win.oh);
        const u64 n = p / win.c, c = p % win.c;
        u64 y0, y1, x0, x1;
        avg_range(oy, win.oh, win.h, win.kh, win.sh, win.ph, adaptive, y0, y1);
        avg_range(ox, win.ow, win.w, win.kw, win.sw, win.pw, adaptive, x0, x1);
        T sum = T(0);
        for (u64 iy = y0; iy < y1; ++iy)
            for (u64 ix = x0; ix < x1; ++ix) sum += ld(x, at4(lx, n, c, iy, ix), lx.len);
        out[o] = avg_divide(sum, win, adaptive, y1 - y0, x1 - x0);
    }
}

// The outputs whose window (along one dimension) contains input position `pos`: an
// ascending range [lo, hi) for a fixed window; for an adaptive one, [lo, hi) too (adaptive
// windows are ordered and contiguous), found by scanning from the first candidate.
__device__ __forceinline__ void covering(u64 pos, u64 out, u64 size, u64 k, u64 s, u64 p,
                                         bool adaptive, u64& lo, u64& hi) {
    if (adaptive) {
        lo = pos * out / size;  // no window before this one reaches pos
        while (lo < out && ((lo + 1) * size + out - 1) / out <= pos) ++lo;
        hi = lo;
        while (hi < out && hi * size / out <= pos) ++hi;
    } else {
        // o * s - p <= pos < o * s - p + k  <=>  (pos + p - k) / s < o <= (pos + p) / s
        const u64 t = pos + p;
        lo = t + 1 > k ? (t + 1 - k + s - 1) / s : 0;
        hi = t / s + 1;
        if (hi > out) hi = out;
        if (lo > hi) lo = hi;
    }
}

template <class T>
__device__ __forceinline__ void avg_backward_impl(const T* g, const Layout4& lg, const Win2d& win,
                                                  bool adaptive, T* out, u64 out_len) {
    if (!dims_are(lg, win.n, win.c, win.oh, win.ow) || win.oh == 0 || win.ow == 0) return;
    const u64 total = min_u64(win.n * win.c * win.h * win.w, out_len);
    for (u64 e = grid_start(); e < total; e += grid_step()) {
        const u64 ix = e % win.w, iy = e / win.w % win.h, p = e / (win.w * win.h);
        const u64 n = p / win.c, c = p % win.c;
        u64 oy0, oy1, ox0, ox1;
        covering(iy, win.oh, win.h, win.kh, win.sh, win.ph, adaptive, oy0, oy1);
        covering(ix, win.ow, win.w, win.kw, win.sw, win.pw, adaptive, ox0, ox1);
        T sum = T(0);
        for (u64 oy = oy0; oy < oy1; ++oy) {
            u64 y0, y1;
            avg_range(oy, win.oh, win.h, win.kh, win.sh, win.ph, adaptive, y0, y1);
            for (u64 ox = ox0; ox < ox1; ++ox) {
                u64 x0, x1;
                avg_range(ox, win.ow, win.w, win.kw, win.sw, win.pw, adaptive, x0, x1);
                sum += avg_divide(ld(g, at4(lg, n, c, oy, ox), lg.len), win, adaptive, y1 - y0,
                                  x1 - x0);
            }
        }
        out[e] = sum;
    }
}

#define POOL(T, suffix)                                                                      \
    extern "C" __global__ void pool_max_##suffix(const T* x, Layout4 lx, Win2d win, T* out,  \
                                                 i64* idx, u64 out_len) {                    \
        max_impl(x, lx, win, out, idx, out_len);                                             \
    }                                                                                        \
    extern "C" __global__ void pool_max_backward_##suffix(const T* g, Layout4 lg,            \
                                                          const i64* idx, Layout4 li,        \
                                                          Win2d win, T* out, u64 out_len) {  \
        max_backward_impl(g, lg, idx, li, win, out, out_len);                                \
    }                                                                                        \
    extern "C" __global__ void pool_avg_##suffix(const T* x, Layout4 lx, Win2d win,          \
                                                 u32 adaptive, T* out, u64 out_len) {        \
        avg_impl(x, lx, win, adaptive != 0, out, out_len);                                   \
    }                                                                                        \
    extern "C" __global__ void pool_avg_backward_##suffix(const T* g, Layout4 lg, Win2d win, \
                                                          u32 adaptive, T* out,              \
                                                          u64 out_len) {                     \
        avg_backward_impl(g, lg, win, adaptive != 0, out, out_len);                          \
    }

POOL(float, f32)
POOL(double, f64)
