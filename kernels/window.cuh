// The sliding-window geometry shared by kernels/conv.cu and kernels/pool.cu.
#pragma once
#include "common.cuh"

// Mirrors `Win2d` in src/device/cuda_rt/window.rs (and `ops::conv::Window2d`): 14 u64s,
// 112 bytes, passed by value.
struct Win2d {
    u64 n, c, h, w;     // input dims [n, c, h, w]
    u64 kh, kw;         // kernel
    u64 sh, sw;         // stride
    u64 ph, pw;         // zero padding on each side
    u64 dh, dw;         // dilation
    u64 oh, ow;         // output size
};

__device__ __forceinline__ bool dims_are(const Layout4& l, u64 a, u64 b, u64 c, u64 d) {
    return l.rank == 4 && l.dims[0] == a && l.dims[1] == b && l.dims[2] == c && l.dims[3] == d;
}

// The input position tap k of output position o reads, o * s + k * d - p, or false when
// it lies in the padding.
__device__ __forceinline__ bool tap_pos(u64 o, u64 s, u64 k, u64 d, u64 p, u64 size, u64& pos) {
    const u64 t = o * s + k * d;
    if (t < p || t - p >= size) return false;
    pos = t - p;
    return true;
}

// The output position whose tap k reads input position `pos`: (pos + p - k * d) / s when
// that divides and lies in 0..out.
__device__ __forceinline__ bool out_pos(u64 pos, u64 s, u64 k, u64 d, u64 p, u64 out, u64& o) {
    const u64 t = pos + p;
    const u64 kd = k * d;
    if (t < kd) return false;
    const u64 q = t - kd;
    if (q % s != 0 || q / s >= out) return false;
    o = q / s;
    return true;
}

// Negative infinity, the start of a max pool's running maximum (NVRTC has no INFINITY).
__device__ __forceinline__ float neg_inf(float) { return __int_as_float(0xff800000); }
__device__ __forceinline__ double neg_inf(double) {
    return __longlong_as_double((long long)0xfff0000000000000ull);
}

// Element (n, c, y, x) of a rank-4 layout.
__device__ __forceinline__ u64 at4(const Layout4& l, u64 n, u64 c, u64 y, u64 x) {
    return l.offset + n * l.strides[0] + c * l.strides[1] + y * l.strides[2] + x * l.strides[3];
}
