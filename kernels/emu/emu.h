// A host emulation of the CUDA features the kernels use, so that their logic (indexing,
// tiling, bounds, tie rules, wrapping, NaN handling) is tested on a machine without a GPU:
// scripts/cuda/emu_test.sh compiles kernels/*.cu as C++ with this header force-included
// and runs kernels/emu/tests.cpp against plain reference loops.
//
// Model: the blocks of a launch run one after another; the threads of a block are
// cooperative fibers (ucontext) on one OS thread that switch only at __syncthreads and
// warp shuffles. Two schedules: by default the threads take turns between barriers (near
// lockstep); with TYPETENSOR_EMU_ORDER=reverse the blocks run last first and each warp,
// last first, runs as far as it can (through its shuffles, up to the next __syncthreads)
// before the next warp starts, which exposes a missing barrier that lockstep hides. So __shared__ can be a static variable, atomics are plain read-modify-
// writes, and a barrier is a point where the scheduler waits for every live thread of the
// block (or of the warp, for shuffles) to arrive. What this cannot show: the GPU's memory
// model, timing, and device-compiler differences (transcendental functions come from the
// host libm here). It tests the kernels' logic, not the PTX.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>
#include <ucontext.h>

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))

struct alignas(16) float4 { float x, y, z, w; };
struct alignas(16) int4 { int x, y, z, w; };
struct alignas(16) double2 { double x, y; };
struct alignas(16) longlong2 { long long x, y; };

struct uint3 { unsigned int x, y, z; };
struct dim3 {
    unsigned int x, y, z;
    dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};

namespace emu {
extern uint3 threadIdx, blockIdx;
extern dim3 blockDim, gridDim;
void syncthreads();
uint64_t shfl_down_bits(uint64_t bits, int offset);
}  // namespace emu

#ifndef EMU_IMPL
#define threadIdx emu::threadIdx
#define blockIdx emu::blockIdx
#define blockDim emu::blockDim
#define gridDim emu::gridDim
#endif

inline void __syncthreads() { emu::syncthreads(); }

template <class T>
inline T __shfl_down_sync(unsigned, T v, int offset) {
    static_assert(sizeof(T) <= 8, "shuffle of at most 64 bits");
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    bits = emu::shfl_down_bits(bits, offset);
    T r;
    std::memcpy(&r, &bits, sizeof(T));
    return r;
}

// Bit casts (device intrinsics).
inline float __int_as_float(int v) {
    float f;
    std::memcpy(&f, &v, sizeof f);
    return f;
}
inline double __longlong_as_double(long long v) {
    double d;
    std::memcpy(&d, &v, sizeof d);
    return d;
}

// One fiber runs at a time, so read-modify-write is atomic.
template <class T>
inline T atomicAdd(T* p, T v) {
    T old = *p;
    *p = old + v;
    return old;
}
inline unsigned long long atomicMin(unsigned long long* p, unsigned long long v) {
    unsigned long long old = *p;
    if (v < old) *p = v;
    return old;
}

namespace emu {
// Runs `kernel` (a callable taking no arguments) on every thread of every block.
void launch(dim3 grid, dim3 block, const std::function<void()>& kernel);
}  // namespace emu
