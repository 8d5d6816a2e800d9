// Gathers and scatters by index, and concatenation: `IndexKernel::index_select`,
// `::index_add` and `::cat` (src/ops/index).
//
//   index_check(const i64* idx, Layout4 lidx, u64 size, u64* first_bad)
//     atomicMin(first_bad, j) for every position j (row-major in lidx) whose index is
//     outside 0..size. The launcher sets *first_bad = u64::MAX before, reads it after: MAX
//     means every index is valid, otherwise it reads idx at position j and returns the
//     CPU's `Error::IndexOutOfRange { index, size }` for the first offending entry.
//   index_select_<dtype>(const T* x, Layout4 lx, u32 axis, const i64* idx, Layout4 lidx,
//                        T* out, u64 out_len)
//     out has x's dims with dims[axis] replaced by numel(lidx); entry j along `axis` is
//     x's entry idx[j]. All five dtypes. An index out of range gives 0 (the launcher ran
//     index_check first and returned the error, so this only keeps a launcher bug in
//     bounds).
//   index_add_<dtype>(T* out, Layout4 lout, u32 axis, const i64* idx, Layout4 lidx,
//                     const T* src, Layout4 lsrc)
//     out[.., idx[j], ..] += src[.., j, ..] along `axis`. `out` must be zero-filled (fill_*
//     or a memset) and described by `lout` (its contiguous layout of `dims`, with len);
//     lsrc has lout's dims with dims[axis] = numel(lidx). f32, f64, i32, i64. Out-of-range
//     indices are skipped. Floats use atomicAdd, so the order in which duplicate indices
//     are summed varies: results can differ from the CPU's (and run to run) in the last
//     bits when an index repeats. Integers wrap, in any order exactly as on the CPU.
//   cat_<dtype>(const T* a, Layout4 la, const T* b, Layout4 lb, u32 axis, T* out,
//               u64 out_len)
//     a followed by b along `axis` (all other dims equal). All five dtypes.
//   gather_<dtype>(const T* x, Layout4 lx, u32 axis, const i64* idx, Layout4 lidx, T* out,
//                  u64 out_len)
//     out has idx's dims (x's rank, sizes at most x's outside `axis`): element c is x's
//     element at c with coordinate `axis` replaced by idx[c]. All five dtypes. An index out
//     of range gives 0 (the launcher ran index_check with size = x's dims[axis] first).
//   scatter_add_<dtype>(T* out, Layout4 lout, u32 axis, const i64* idx, Layout4 lidx,
//                       const T* src, Layout4 lsrc)
//     out[c with coordinate `axis` replaced by idx[c]] += src[c] for every c of idx (src has
//     idx's dims). `out` holds a dense copy of the input, described by `lout`. f32, f64, i32,
//     i64. Out-of-range indices are skipped; float adds are atomic (order varies, as
//     index_add's).
// Grid-stride over the elements of the output (index_add, scatter_add: of src; gather and
// index_check: of idx):
// any grid, any block. An `axis` >= rank makes the kernel do nothing.
#include "common.cuh"

extern "C" __global__ void index_check(const i64* idx, Layout4 lidx, u64 size, u64* first_bad) {
    const u64 n = numel(lidx);
    const bool contig = is_contiguous(lidx);
    const bool narrow = n <= 0xffffffffull;
    for (u64 j = grid_start(); j < n; j += grid_step()) {
        const u64 k = index_of(lidx, j, contig, narrow);
        // A slot past the buffer counts as bad too: the launcher's layout is wrong.
        if (k >= lidx.len || idx[k] < 0 || (u64)idx[k] >= size) atomicMin(first_bad, j);
    }
}

// The row index idx[j] if it lies in 0..size, else `size` (an impossible row).
__device__ __forceinline__ u64 row_at(const i64* idx, const Layout4& lidx, u64 j, bool contig,
                                      bool narrow, u64 size) {
    const u64 k = index_of(lidx, j, contig, narrow);
    if (k >= lidx.len) return size;
    const i64 r = idx[k];
    return (r < 0 || (u64)r >= size) ? size : (u64)r;
}

template <class T>
__device__ __forceinline__ void index_select_impl(const T* x, const Layout4& lx, u32 axis,
                                                  const i64* idx, const Layout4& lidx, T* out,
                                                  u64 out_len) {
    AxisSplit xs;
    if (!split_axis(lx, axis, xs)) return;
    const u64 nidx = numel(lidx);
    // Output element i is (o, j, k): outer index o, position j in idx, inner index k.
    const u64 outer_inner = numel(xs.rest);
    const u64 total = outer_inner * nidx;
    const u64 n = min_u64(total, out_len);
    const bool narrow = total <= 0xffffffffull;
    const bool idx_contig = is_contiguous(lidx);
    const bool idx_narrow = nidx <= 0xffffffffull;
    for (u64 i = grid_start(); i < n; i += grid_step()) {
        u64 t, k, o, j;
        divmod(i, xs.inner, narrow, t, k);
        divmod(t, nidx, narrow, o, j);
        const u64 r = row_at(idx, lidx, j, idx_contig, idx_narrow, xs.size);
        if (r == xs.size) {
            out[i] = T(0);
        } else {
            const u64 src = index_of(xs.rest, o * xs.inner + k, false, narrow) + r * xs.stride;
            out[i] = ld(x, src, lx.len);
        }
    }
}

// Wrapping atomic adds: integer atomics work on unsigned words, where overflow wraps, the
// same bits as Rust's wrapping_add on the signed value.
__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int* p, int v) { atomicAdd((u32*)p, (u32)v); }
__device__ __forceinline__ void atomic_add(i64* p, i64 v) { atomicAdd((u64*)p, (u64)v); }

template <class T>
__device__ __forceinline__ void index_add_impl(T* out, const Layout4& lout, u32 axis,
                                               const i64* idx, const Layout4& lidx,
                                               const T* src, const Layout4& lsrc) {
    AxisSplit os;
    if (!split_axis(lout, axis, os)) return;
    const u64 nidx = numel(lidx);
    // Source element i is (o, j, k) like index_select's output element i.
    const u64 total = numel(os.rest) * nidx;
    const u64 n = min_u64(total, numel(lsrc));
    const bool narrow = total <= 0xffffffffull;
    const bool src_contig = is_contiguous(lsrc);
    const bool idx_contig = is_contiguous(lidx);
    const bool idx_narrow = nidx <= 0xffffffffull;
    for (u64 i = grid_start(); i < n; i += grid_step()) {
        u64 t, k, o, j;
        divmod(i, os.inner, narrow, t, k);
        divmod(t, nidx, narrow, o, j);
        const u64 r = row_at(idx, lidx, j, idx_contig, idx_narrow, os.size);
        if (r == os.size) continue;
        const T v = ld(src, index_of(lsrc, i, src_contig, narrow), lsrc.len);
        const u64 dst = index_of(os.rest, o * os.inner + k, false, narrow) + r * os.stride;
        if (dst < lout.len) atomic_add(out + dst, v);
    }
}

template <class T>
__device__ __forceinline__ void cat_impl(const T* a, const Layout4& la, const T* b,
                                         const Layout4& lb, u32 axis, T* out, u64 out_len) {
    AxisSplit as, bs;
    if (!split_axis(la, axis, as) || !split_axis(lb, axis, bs)) return;
    // Output element i is (o, j, k) with j in 0..as.size + bs.size; the other dims of a
    // and b are equal, so (o, k) has the same rest index in both.
    const u64 width = as.size + bs.size;
    const u64 total = numel(as.rest) * width;
    const u64 n = min_u64(total, out_len);
    const bool narrow = total <= 0xffffffffull;
    for (u64 i = grid_start(); i < n; i += grid_step()) {
        u64 t, k, o, j;
        divmod(i, as.inner, narrow, t, k);
        divmod(t, width, narrow, o, j);
        const u64 rest = o * as.inner + k;
        if (j < as.size) {
            out[i] = ld(a, index_of(as.rest, rest, false, narrow) + j * as.stride, la.len);
        } else {
            out[i] = ld(b, index_of(bs.rest, rest, false, narrow) + (j - as.size) * bs.stride,
                        lb.len);
        }
    }
}

// Storage index in `l` of coordinates `c` with coordinate `axis` replaced by `row`.
__device__ __forceinline__ u64 at_row(const Layout4& l, const u64 c[MAX_RANK], u32 axis, u64 row) {
    u64 idx = l.offset;
#pragma unroll
    for (int d = 0; d < MAX_RANK; ++d)
        if (d < (int)l.rank) idx += (d == (int)axis ? row : c[d]) * l.strides[d];
    return idx;
}

// Whether idx's layout fits x's along `axis`: the same rank, sizes at most x's elsewhere.
__device__ __forceinline__ bool index_fits(const Layout4& lx, const Layout4& lidx, u32 axis) {
    if (lx.rank > MAX_RANK || lidx.rank != lx.rank || axis >= lx.rank) return false;
    for (u32 d = 0; d < lx.rank; ++d)
        if (d != axis && lidx.dims[d] > lx.dims[d]) return false;
    return true;
}

template <class T>
__device__ __forceinline__ void gather_impl(const T* x, const Layout4& lx, u32 axis,
                                            const i64* idx, const Layout4& lidx, T* out,
                                            u64 out_len) {
    if (!index_fits(lx, lidx, axis)) return;
    const u64 total = numel(lidx);
    const u64 n = min_u64(total, out_len);
    const bool narrow = total <= 0xffffffffull;
    u64 size = 0;
    for (u32 d = 0; d < lx.rank; ++d)
        if (d == axis) size = lx.dims[d];
    for (u64 i = grid_start(); i < n; i += grid_step()) {
        u64 c[MAX_RANK];
        unravel(lidx.dims, lidx.rank, i, narrow, c);
        const u64 k = at(lidx, c);
        const i64 r = k < lidx.len ? idx[k] : -1;
        out[i] = (r < 0 || (u64)r >= size) ? T(0) : ld(x, at_row(lx, c, axis, (u64)r), lx.len);
    }
}

template <class T>
__device__ __forceinline__ void scatter_add_impl(T* out, const Layout4& lout, u32 axis,
                                                 const i64* idx, const Layout4& lidx,
                                                 const T* src, const Layout4& lsrc) {
    if (!index_fits(lout, lidx, axis)) return;
    const u64 total = numel(lidx);
    const u64 n = min_u64(total, numel(lsrc));
    const bool narrow = total <= 0xffffffffull;
    u64 size = 0;
    for (u32 d = 0; d < lout.rank; ++d)
        if (d == axis) size = lout.dims[d];
    for (u64 i = grid_start(); i < n; i += grid_step()) {
        u64 c[MAX_RANK];
        unravel(lidx.dims, lidx.rank, i, narrow, c);
        const u64 k = at(lidx, c);
        const i64 r = k < lidx.len ? idx[k] : -1;
        if (r < 0 || (u64)r >= size) continue;
        const u64 dst = at_row(lout, c, axis, (u64)r);
        if (dst < lout.len) atomic_add(out + dst, ld(src, at(lsrc, c), lsrc.len));
    }
}

#define INDEX_ANY(T, suffix)                                                                  \
    extern "C" __global__ void index_select_##suffix(const T* x, Layout4 lx, u32 axis,         \
                                                     const i64* idx, Layout4 lidx, T* out,     \
                                                     u64 out_len) {                            \
        index_select_impl(x, lx, axis, idx, lidx, out, out_len);                               \
    }                                                                                          \
    extern "C" __global__ void cat_##suffix(const T* a, Layout4 la, const T* b, Layout4 lb,    \
                                            u32 axis, T* out, u64 out_len) {                   \
        cat_impl(a, la, b, lb, axis, out, out_len);                                            \
    }                                                                                          \
    extern "C" __global__ void gather_##suffix(const T* x, Layout4 lx, u32 axis,               \
                                               const i64* idx, Layout4 lidx, T* out,           \
                                               u64 out_len) {                                  \
        gather_impl(x, lx, axis, idx, lidx, out, out_len);                                     \
    }

#define INDEX_NUM(T, suffix)                                                                  \
    extern "C" __global__ void index_add_##suffix(T* out, Layout4 lout, u32 axis,              \
                                                  const i64* idx, Layout4 lidx, const T* src,  \
                                                  Layout4 lsrc) {                              \
        index_add_impl(out, lout, axis, idx, lidx, src, lsrc);                                 \
    }                                                                                          \
    extern "C" __global__ void scatter_add_##suffix(T* out, Layout4 lout, u32 axis,            \
                                                    const i64* idx, Layout4 lidx,              \
                                                    const T* src, Layout4 lsrc) {              \
        scatter_add_impl(out, lout, axis, idx, lidx, src, lsrc);                               \
    }

INDEX_ANY(float, f32)
INDEX_ANY(double, f64)
INDEX_ANY(int, i32)
INDEX_ANY(i64, i64)
INDEX_ANY(u8, bool)
INDEX_NUM(float, f32)
INDEX_NUM(double, f64)
INDEX_NUM(int, i32)
INDEX_NUM(i64, i64)
