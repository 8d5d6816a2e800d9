// Convolutions as im2col onto the matmul kernel: `ConvKernel::unfold`, `::fold` and
// `::conv_output` (src/ops/conv), the semantics of the CPU kernels in src/ops/conv/cpu.rs.
//
//   conv_unfold_<dtype>(const T* x, Layout4 lx, Win2d win, T* out, u64 out_len)
//     im2col: out is the dense [c*kh*kw, n*oh*ow] matrix whose entry (row (c, i, j),
//     column (n, oy, ox)) is x[n, c, oy*sh + i*dh - ph, ox*sw + j*dw - pw], 0 in the
//     padding. lx has dims [n, c, h, w] (any strides).
//   conv_fold_<dtype>(const T* cols, Layout4 lc, Win2d win, T* out, u64 out_len)
//     col2im, unfold's adjoint: out is dense [n, c, h, w]; each element sums the entries of
//     cols (dims [c*kh*kw, n*oh*ow], any strides) unfold copies from it, taps (i, j) in
//     row-major order: the CPU's order of additions, so results are bit for bit the CPU's.
//     One thread per output element gathers (no atomics).
//   conv_output_<dtype>(const T* y, Layout4 ly, const T* bias, Layout4 lb, T* out,
//                       u64 out_len)
//     y has dims [oc, n, l] (the product weight x cols); out is dense [n, oc, l], plus
//     bias[oc] (lb dims [oc]) when bias is not null.
// dtype: f32, f64. Grid-stride over the output: any grid, any block. A layout whose dims
// disagree with the window makes the kernel write nothing (the launcher refuses it first).
#include "window.cuh"

template <class T>
__device__ __forceinline__ void unfold_impl(const T* x, const Layout4& lx, const Win2d& win,
                                            T* out, u64 out_len) {
    if (!dims_are(lx, win.n, win.c, win.h, win.w)) return;
    const u64 ncols = win.n * win.oh * win.ow;
    const u64 total = min_u64(win.c * win.kh * win.kw * ncols, out_len);
    for (u64 idx = grid_start(); idx < total; idx += grid_step()) {
        const u64 row = idx / ncols, col = idx - row * ncols;
        const u64 j = row % win.kw, i = row / win.kw % win.kh, c = row / (win.kw * win.kh);
        const u64 ox = col % win.ow, oy = col / win.ow % win.oh, n = col / (win.ow * win.oh);
        u64 iy, ix;
        T v = T(0);
        if (tap_pos(oy, win.sh, i, win.dh, win.ph, win.h, iy) &&
            tap_pos(ox, win.sw, j, win.dw, win.pw, win.w, ix)) {
            v = ld(x, at4(lx, n, c, iy, ix), lx.len);
        }
        out[idx] = v;
    }
}

template <class T>
__device__ __forceinline__ void fold_impl(const T* cols, const Layout4& lc, const Win2d& win,
                                          T* out, u64 out_len) {
    const u64 ncols = win.n * win.oh * win.ow;
    if (lc.rank != 2 || lc.dims[0] != win.c * win.kh * win.kw || lc.dims[1] != ncols) return;
    const u64 total = min_u64(win.n * win.c * win.h * win.w, out_len);
    for (u64 idx = grid_start(); idx < total; idx += grid_step()) {
        const u64 ix = idx % win.w, iy = idx / win.w % win.h;
        const u64 c = idx / (win.w * win.h) % win.c, n = idx / (win.w * win.h * win.c);
        T sum = T(0);
        for (u64 i = 0; i < win.kh; ++i) {
            u64 oy;
            if (!out_pos(iy, win.sh, i, win.dh, win.ph, win.oh, oy)) continue;
            for (u64 j = 0; j < win.kw; ++j) {
                u64 ox;
                if (!out_pos(ix, win.sw, j, win.dw, win.pw, win.ow, ox)) continue;
                const u64 row = (c * win.kh + i) * win.kw + j;
                const u64 col = (n * win.oh + oy) * win.ow + ox;
                sum += ld(cols, lc.offset + row * lc.strides[0] + col * lc.strides[1], lc.len);
            }
        }
        out[idx] = sum;
    }
}

template <class T>
__device__ __forceinline__ void output_impl(const T* y, const Layout4& ly, const T* bias,
                                            const Layout4& lb, T* out, u64 out_len) {
    if (ly.rank != 3) return;
    const u64 oc = ly.dims[0], n = ly.dims[1], l = ly.dims[2];
    if (bias != nullptr && (lb.rank != 1 || lb.dims[0] != oc)) return;
    const u64 total = min_u64(oc * n * l, out_len);
    for (u64 idx = grid_start(); idx < total; idx += grid_step()) {
        const u64 t = idx % l, o = idx / l % oc, b = idx / (l * oc);
        T v = ld(y, ly.offset + o * ly.strides[0] + b * ly.strides[1] + t * ly.strides[2],
                 ly.len);
        if (bias != nullptr) v = v + ld(bias, lb.offset + o * lb.strides[0], lb.len);
        out[idx] = v;
    }
}

#define CONV(T, suffix)                                                                    \
    extern "C" __global__ void conv_unfold_##suffix(const T* x, Layout4 lx, Win2d win,     \
                                                    T* out, u64 out_len) {                 \
        unfold_impl(x, lx, win, out, out_len);                                             \
    }                                                                                      \
    extern "C" __global__ void conv_fold_##suffix(const T* cols, Layout4 lc, Win2d win,    \
                                                  T* out, u64 out_len) {                   \
        fold_impl(cols, lc, win, out, out_len);                                            \
    }                                                                                      \
    extern "C" __global__ void conv_output_##suffix(const T* y, Layout4 ly, const T* bias, \
                                                    Layout4 lb, T* out, u64 out_len) {     \
        output_impl(y, ly, bias, lb, out, out_len);                                        \
    }

CONV(float, f32)
CONV(double, f64)
