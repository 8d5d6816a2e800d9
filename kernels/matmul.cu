// Batched matrix products: `MatMulKernel::matmul` (src/ops/matmul), the semantics of
// `Cpu::matmul` (src/ops/matmul/cpu.rs).
//
//   matmul_<dtype>(const T* a, Layout4 la, const T* b, Layout4 lb, T* c, u64 c_len)
//     a: [batch.., M, K], b: [batch.., K, N] (equal rank 2..=4, equal batch dims, already
//     broadcast), any strides (transposed or sliced operands are read in place, no copy);
//     c: [batch.., M, N] dense row-major. dtype: f32 (SGEMM), f64 (DGEMM), i32, i64
//     (wrapping, as the CPU's integer loop). Layouts that do not fit (rank, K, batch dims)
//     make the kernel write nothing; the launcher returns the CPU's error for them first.
//     Block: exactly 256 threads (1-D); any other block size writes nothing.
//     Grid: (ceil(N / 64), ceil(M / 64), min(batch, 65535)); a smaller grid in any
//     dimension is also correct (blocks loop over tiles), so huge shapes need no care.
//     K == 0 writes zeros; M == 0 or N == 0 is an empty output (launch nothing).
//
// Each block computes a 64x64 tile of C, each thread a 4x4 register block (rows
// 4ty..4ty+3, columns 4tx..4tx+3, read from shared memory as one 16-byte vector per operand
// and k: 2 vector loads feed 16 multiply-adds), over K in steps of 16 staged through shared
// memory. The next step's tiles are loaded from global memory into registers while the
// current one is multiplied. A tile is read with
// threads along whichever of the operand's two strides is 1, so both A and A^T (and B,
// B^T) are read coalesced; every other stride works too, only slower. Elements past M, N
// or K read as 0 and are never written.
//
// Floats accumulate with fused multiply-adds (one rounding per step) in a fixed order
// along K, so results match a CPU BLAS to rounding, not bit for bit.
#include "common.cuh"

#define TILE_M 64
#define TILE_N 64
#define TILE_K 16
#define THREADS 256
// Shared rows padded by 4 elements: rows stay 16-byte aligned for the vector loads, and
// the column-wise stores of a k-fast tile load conflict at most 2-way.
#define PAD 4

// acc + a * b: one fused rounding for floats, wrapping for integers.
__device__ __forceinline__ float mac(float acc, float a, float b) { return fmaf(a, b, acc); }
__device__ __forceinline__ double mac(double acc, double a, double b) { return fma(a, b, acc); }
__device__ __forceinline__ int mac(int acc, int a, int b) { return wadd(acc, wmul(a, b)); }
__device__ __forceinline__ i64 mac(i64 acc, i64 a, i64 b) { return wadd(acc, wmul(a, b)); }

// Four consecutive shared-memory elements (16-byte aligned) into registers, as vector loads.
__device__ __forceinline__ void load4(const float* p, float v[4]) {
    const float4 t = *reinterpret_cast<const float4*>(p);
    v[0] = t.x; v[1] = t.y; v[2] = t.z; v[3] = t.w;
}
__device__ __forceinline__ void load4(const int* p, int v[4]) {
    const int4 t = *reinterpret_cast<const int4*>(p);
    v[0] = t.x; v[1] = t.y; v[2] = t.z; v[3] = t.w;
}
__device__ __forceinline__ void load4(const double* p, double v[4]) {
    const double2 a = *reinterpret_cast<const double2*>(p);
    const double2 b = *reinterpret_cast<const double2*>(p + 2);
    v[0] = a.x; v[1] = a.y; v[2] = b.x; v[3] = b.y;
}
__device__ __forceinline__ void load4(const i64* p, i64 v[4]) {
    const longlong2 a = *reinterpret_cast<const longlong2*>(p);
    const longlong2 b = *reinterpret_cast<const longlong2*>(p + 2);
    v[0] = a.x; v[1] = a.y; v[2] = b.x; v[3] = b.y;
}

// This thread's share of staging one operand's tile through shared memory. A tile is
// 64 (the M or N side, "wide") x 16 (the K side, "deep") elements, 4 per thread: slot q of
// thread t sits at wide position wt + dw*q and deep position kt + dk*q, with
//   deep-fast (the operand's K stride is 1): wt = t / 16, kt = t % 16, (dw, dk) = (16, 0)
//   wide-fast (otherwise):                   wt = t % 64, kt = t / 64, (dw, dk) = (0, 4)
// so consecutive threads walk the unit-stride side and loads coalesce either way. Both
// cover the 64 x 16 positions exactly once.
struct Stage {
    u64 addr;   // storage index of slot 0 at the current K step (may be past the matrix
                // for slots outside it: unsigned, never dereferenced then)
    u64 qstep;  // index distance between consecutive slots
    u64 kstep;  // index distance of one K step
    u64 wrem;   // wide positions left in the matrix from this tile's start
    int wt, kt, dw, dk;
};

__device__ __forceinline__ Stage make_stage(bool deep_fast, u64 base, u64 wstride,
                                            u64 kstride, u64 w0, u64 wlim) {
    Stage s;
    const int t = threadIdx.x;
    s.wt = deep_fast ? t / TILE_K : t % TILE_M;
    s.kt = deep_fast ? t % TILE_K : t / TILE_M;
    s.dw = deep_fast ? THREADS / TILE_K : 0;
    s.dk = deep_fast ? 0 : THREADS / TILE_M;
    s.addr = base + (w0 + s.wt) * wstride + (u64)s.kt * kstride;
    s.qstep = (u64)s.dw * wstride + (u64)s.dk * kstride;
    s.kstep = (u64)TILE_K * kstride;
    s.wrem = wlim - w0;
    return s;
}

// Reads this thread's 4 slots at the current K step (`krem` = K positions left), 0 outside
// the matrix, then advances to the next step.
template <class T>
__device__ __forceinline__ void load_stage(const T* p, u64 len, Stage& s, u64 krem,
                                           T regs[4]) {
#pragma unroll
    for (int q = 0; q < 4; ++q) {
        const u64 w = (u64)(s.wt + s.dw * q), k = (u64)(s.kt + s.dk * q);
        regs[q] = (w < s.wrem && k < krem) ? ld(p, s.addr + q * s.qstep, len) : T(0);
    }
    s.addr += s.kstep;
}

template <class T>
__device__ __forceinline__ void store_stage(T (*smem)[TILE_M + PAD], const Stage& s,
                                            const T regs[4]) {
#pragma unroll
    for (int q = 0; q < 4; ++q) smem[s.kt + s.dk * q][s.wt + s.dw * q] = regs[q];
}

template <class T>
__device__ __forceinline__ void matmul_impl(const T* a, const Layout4& la, const T* b,
                                            const Layout4& lb, T* c, u64 c_len) {
    // TILE_M == TILE_N, so one row length serves both shared tiles.
    __shared__ __align__(16) T As[TILE_K][TILE_M + PAD];
    __shared__ __align__(16) T Bs[TILE_K][TILE_N + PAD];

    if (blockDim.x != THREADS || blockDim.y != 1 || blockDim.z != 1) return;
    const u32 r = la.rank;
    if (r < 2 || r > MAX_RANK || lb.rank != r) return;
    // The matrix dims and strides are the last two of each layout.
    u64 M = 0, K = 0, Kb = 0, N = 0, a_rs = 0, a_cs = 0, b_rs = 0, b_cs = 0;
#pragma unroll
    for (int d = 1; d < MAX_RANK; ++d) {
        if (d == (int)r - 1) {
            K = la.dims[d]; N = lb.dims[d];
            a_cs = la.strides[d]; b_cs = lb.strides[d];
            M = la.dims[d - 1]; Kb = lb.dims[d - 1];
            a_rs = la.strides[d - 1]; b_rs = lb.strides[d - 1];
        }
    }
    if (Kb != K) return;
    // Batch dims: the first r - 2 of each, equal in both.
    Layout4 ba = la, bb = lb;
    ba.rank = bb.rank = r - 2;
    u64 batch = 1;
#pragma unroll
    for (int d = 0; d < MAX_RANK - 2; ++d) {
        if (d < (int)r - 2) {
            if (la.dims[d] != lb.dims[d]) return;
            batch *= la.dims[d];
        }
    }
    const u64 tiles_m = (M + TILE_M - 1) / TILE_M, tiles_n = (N + TILE_N - 1) / TILE_N;
    const u64 mn = M * N;
    // Load orientation follows the unit stride (block-uniform): A's K side is its columns,
    // B's K side is its rows.
    const bool a_kfast = a_cs == 1;
    const bool b_kfast = b_cs != 1 && b_rs == 1;
    const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;

    // Block-uniform loops over (batch, tile row, tile column): every thread of a block runs
    // the same iterations, as the barriers inside require.
    for (u64 z = blockIdx.z; z < batch; z += gridDim.z) {
        u64 cb[MAX_RANK];
        unravel(ba.dims, ba.rank, z, false, cb);
        const u64 a_base = at(ba, cb), b_base = at(bb, cb);
        for (u64 tm = blockIdx.y; tm < tiles_m; tm += gridDim.y) {
            for (u64 tn = blockIdx.x; tn < tiles_n; tn += gridDim.x) {
                const u64 m0 = tm * TILE_M, n0 = tn * TILE_N;
                Stage sa = make_stage(a_kfast, a_base, a_rs, a_cs, m0, M);
                Stage sb = make_stage(b_kfast, b_base, b_cs, b_rs, n0, N);
                T acc[4][4];
#pragma unroll
                for (int i = 0; i < 4; ++i)
#pragma unroll
                    for (int j = 0; j < 4; ++j) acc[i][j] = T(0);
                T ra[4], rb[4];
                load_stage(a, la.len, sa, K, ra);
                load_stage(b, lb.len, sb, K, rb);
                for (u64 k0 = 0; k0 < K; k0 += TILE_K) {
                    store_stage(As, sa, ra);
                    store_stage(Bs, sb, rb);
                    __syncthreads();
                    // Prefetch the next K step while this one is multiplied.
                    if (k0 + TILE_K < K) {
                        load_stage(a, la.len, sa, K - k0 - TILE_K, ra);
                        load_stage(b, lb.len, sb, K - k0 - TILE_K, rb);
                    }
#pragma unroll
                    for (int k = 0; k < TILE_K; ++k) {
                        T av[4], bv[4];
                        load4(&As[k][4 * ty], av);
                        load4(&Bs[k][4 * tx], bv);
#pragma unroll
                        for (int i = 0; i < 4; ++i)
#pragma unroll
                            for (int j = 0; j < 4; ++j) acc[i][j] = mac(acc[i][j], av[i], bv[j]);
                    }
                    // The next iteration overwrites the tiles.
                    __syncthreads();
                }
#pragma unroll
                for (int i = 0; i < 4; ++i) {
                    const u64 row = m0 + 4 * ty + i;
#pragma unroll
                    for (int j = 0; j < 4; ++j) {
                        const u64 col = n0 + 4 * tx + j;
                        const u64 o = z * mn + row * N + col;
                        if (row < M && col < N && o < c_len) c[o] = acc[i][j];
                    }
                }
            }
        }
    }
}

// At least 2 blocks (16 warps) per SM: caps registers at 128 per thread, which the f32 and
// i32 kernels fit without spilling (the f64/i64 ones spill a few bytes to L1 instead of
// running one block per SM).
#define MATMUL(T, suffix)                                                                 \
    extern "C" __global__ void __launch_bounds__(THREADS, 2)                               \
        matmul_##suffix(const T* a, Layout4 la, const T* b, Layout4 lb, T* c, u64 c_len) { \
        matmul_impl(a, la, b, lb, c, c_len);                                                \
    }

MATMUL(float, f32)
MATMUL(double, f64)
MATMUL(int, i32)
MATMUL(i64, i64)
