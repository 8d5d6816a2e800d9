// Tests of the kernels' logic under the host emulation (emu.h), against plain reference
// loops written from the Rust CPU kernels' semantics. Run by scripts/cuda/emu_test.sh.
//
// Values are chosen so that float results are exact (small integers, or special values
// whose results are exact), so most checks compare bits: the kernels must reproduce the
// CPU's NaN propagation, signs of zero, tie rules and integer wrapping exactly.
#include "emu.h"
#include "../common.cuh"
#include "../window.cuh"

#include <cinttypes>
#include <limits>
#include <random>
#include <string>
#include <type_traits>

// ---- kernel declarations (the extern "C" entry points of kernels/*.cu)
#define DECL_BINARY(op, T, s) extern "C" void binary_##op##_##s(const T*, Layout4, const T*, Layout4, T*, u64);
#define DECL_UNARY(op, T, s) extern "C" void unary_##op##_##s(const T*, Layout4, T*, u64, T, T, u32);
#define DECL_COMPARE(op, T, s) extern "C" void compare_##op##_##s(const T*, Layout4, const T*, Layout4, u8*, u64);
#define DECL_FOR_NUM(M, op) M(op, float, f32) M(op, double, f64) M(op, int, i32) M(op, i64, i64)
DECL_FOR_NUM(DECL_BINARY, add) DECL_FOR_NUM(DECL_BINARY, sub) DECL_FOR_NUM(DECL_BINARY, mul)
DECL_FOR_NUM(DECL_BINARY, maximum) DECL_FOR_NUM(DECL_BINARY, minimum)
DECL_BINARY(div, float, f32) DECL_BINARY(div, double, f64)
DECL_FOR_NUM(DECL_UNARY, neg) DECL_FOR_NUM(DECL_UNARY, abs) DECL_FOR_NUM(DECL_UNARY, relu)
DECL_FOR_NUM(DECL_UNARY, clamp) DECL_FOR_NUM(DECL_UNARY, add_scalar)
DECL_FOR_NUM(DECL_UNARY, sub_scalar) DECL_FOR_NUM(DECL_UNARY, scalar_sub)
DECL_FOR_NUM(DECL_UNARY, mul_scalar)
DECL_UNARY(exp, float, f32) DECL_UNARY(log, float, f32) DECL_UNARY(sqrt, float, f32)
DECL_UNARY(pow, float, f32) DECL_UNARY(sigmoid, float, f32) DECL_UNARY(tanh, float, f32)
DECL_UNARY(div_scalar, float, f32) DECL_UNARY(scalar_div, float, f32)
DECL_UNARY(pow, double, f64) DECL_UNARY(sigmoid, double, f64)
#define DECL_UNARY_FLOAT(op) DECL_UNARY(op, float, f32) DECL_UNARY(op, double, f64)
DECL_UNARY_FLOAT(sin) DECL_UNARY_FLOAT(cos) DECL_UNARY_FLOAT(exp2) DECL_UNARY_FLOAT(log1p)
DECL_UNARY_FLOAT(expm1) DECL_UNARY_FLOAT(rsqrt) DECL_UNARY_FLOAT(sign) DECL_UNARY_FLOAT(floor)
DECL_UNARY_FLOAT(round) DECL_UNARY_FLOAT(gelu) DECL_UNARY_FLOAT(gelu_tanh) DECL_UNARY_FLOAT(leaky_relu)
#define DECL_UNARY_BWD(op, T, s) extern "C" void unary_##op##_backward_##s(const T*, Layout4, const T*, Layout4, T*, u64, T, T, u32);
#define DECL_UNARY_BWD_FLOAT(op) DECL_UNARY_BWD(op, float, f32) DECL_UNARY_BWD(op, double, f64)
DECL_UNARY_BWD_FLOAT(exp) DECL_UNARY_BWD_FLOAT(log) DECL_UNARY_BWD_FLOAT(sqrt) DECL_UNARY_BWD_FLOAT(pow)
DECL_UNARY_BWD_FLOAT(sigmoid) DECL_UNARY_BWD_FLOAT(tanh) DECL_UNARY_BWD_FLOAT(div_scalar)
DECL_UNARY_BWD_FLOAT(scalar_div) DECL_UNARY_BWD_FLOAT(sin) DECL_UNARY_BWD_FLOAT(cos)
DECL_UNARY_BWD_FLOAT(exp2) DECL_UNARY_BWD_FLOAT(log1p) DECL_UNARY_BWD_FLOAT(expm1)
DECL_UNARY_BWD_FLOAT(rsqrt) DECL_UNARY_BWD_FLOAT(sign) DECL_UNARY_BWD_FLOAT(floor)
DECL_UNARY_BWD_FLOAT(round) DECL_UNARY_BWD_FLOAT(gelu) DECL_UNARY_BWD_FLOAT(gelu_tanh)
DECL_UNARY_BWD_FLOAT(leaky_relu)
DECL_FOR_NUM(DECL_COMPARE, eq) DECL_FOR_NUM(DECL_COMPARE, ne) DECL_FOR_NUM(DECL_COMPARE, lt)
DECL_FOR_NUM(DECL_COMPARE, le) DECL_FOR_NUM(DECL_COMPARE, gt) DECL_FOR_NUM(DECL_COMPARE, ge)
DECL_COMPARE(lt, u8, bool) DECL_COMPARE(eq, u8, bool)
extern "C" void select_f32(const u8*, Layout4, const float*, Layout4, const float*, Layout4, float*, u64);
extern "C" void select_bool(const u8*, Layout4, const u8*, Layout4, const u8*, Layout4, u8*, u64);
#define DECL_CAST(F, fs, T, ts) extern "C" void cast_##fs##_##ts(const F*, Layout4, T*, u64);
#define DECL_CAST_FROM(F, fs) DECL_CAST(F, fs, float, f32) DECL_CAST(F, fs, double, f64) \
    DECL_CAST(F, fs, int, i32) DECL_CAST(F, fs, i64, i64) DECL_CAST(F, fs, u8, bool)
DECL_CAST_FROM(float, f32) DECL_CAST_FROM(double, f64) DECL_CAST_FROM(int, i32)
DECL_CAST_FROM(i64, i64) DECL_CAST_FROM(u8, bool)
extern "C" void copy_f32(const float*, Layout4, float*, u64);
extern "C" void copy_bool(const u8*, Layout4, u8*, u64);
extern "C" void fill_f64(double*, u64, double);
extern "C" void fill_i64(i64*, u64, i64);
extern "C" void index_check(const i64*, Layout4, u64, u64*);
extern "C" void index_select_f32(const float*, Layout4, u32, const i64*, Layout4, float*, u64);
extern "C" void index_select_bool(const u8*, Layout4, u32, const i64*, Layout4, u8*, u64);
extern "C" void index_add_f32(float*, Layout4, u32, const i64*, Layout4, const float*, Layout4);
extern "C" void index_add_i32(int*, Layout4, u32, const i64*, Layout4, const int*, Layout4);
extern "C" void gather_f32(const float*, Layout4, u32, const i64*, Layout4, float*, u64);
extern "C" void gather_bool(const u8*, Layout4, u32, const i64*, Layout4, u8*, u64);
extern "C" void scatter_add_f32(float*, Layout4, u32, const i64*, Layout4, const float*, Layout4);
extern "C" void scatter_add_i64(i64*, Layout4, u32, const i64*, Layout4, const i64*, Layout4);
extern "C" void cat_f32(const float*, Layout4, const float*, Layout4, u32, float*, u64);
extern "C" void cat_i64(const i64*, Layout4, const i64*, Layout4, u32, i64*, u64);
extern "C" void matmul_f32(const float*, Layout4, const float*, Layout4, float*, u64);
extern "C" void matmul_f64(const double*, Layout4, const double*, Layout4, double*, u64);
extern "C" void matmul_i32(const int*, Layout4, const int*, Layout4, int*, u64);
extern "C" void matmul_i64(const i64*, Layout4, const i64*, Layout4, i64*, u64);
#define DECL_REDUCE(op, T, s, O)                                                        \
    extern "C" void reduce_##op##_##s(const T*, Layout4, u32, O*, u64);                 \
    extern "C" void reduce_all_##op##_##s(const T*, Layout4, T*, i64*, u64);            \
    extern "C" void reduce_all_##op##_##s##_final(const T*, const i64*, u64, O*, u64);
#define DECL_REDUCE_T(T, s) DECL_REDUCE(sum, T, s, T) DECL_REDUCE(max, T, s, T) \
    DECL_REDUCE(min, T, s, T) DECL_REDUCE(argmax, T, s, i64) DECL_REDUCE(argmin, T, s, i64)
DECL_REDUCE_T(float, f32) DECL_REDUCE_T(double, f64) DECL_REDUCE_T(int, i32) DECL_REDUCE_T(i64, i64)
#define DECL_SUM64(T, s)                                                                \
    extern "C" void reduce_sum64_##s(const T*, Layout4, u32, i64*, u64);                \
    extern "C" void reduce_all_sum64_##s(const T*, Layout4, i64*, i64*, u64);           \
    extern "C" void reduce_all_sum64_##s##_final(const i64*, const i64*, u64, i64*, u64);
DECL_SUM64(int, i32) DECL_SUM64(u8, bool)

#define DECL_SOFTMAX(T, s)                                                                  \
    extern "C" void softmax_softmax_##s(const T*, Layout4, u32, T*, u64);                  \
    extern "C" void softmax_log_softmax_##s(const T*, Layout4, u32, T*, u64);              \
    extern "C" void softmax_logsumexp_##s(const T*, Layout4, u32, T*, u64);                \
    extern "C" void softmax_softmax_backward_##s(const T*, Layout4, const T*, Layout4, u32, T*, u64); \
    extern "C" void softmax_log_softmax_backward_##s(const T*, Layout4, const T*, Layout4, u32, T*, u64);
DECL_SOFTMAX(float, f32) DECL_SOFTMAX(double, f64)

template <class T> struct SgdParams { T neg_lr, weight_decay, momentum, one_minus_dampening; u32 flags; };
template <class T> struct AdamParams { T weight_decay, one_minus_beta1, beta2, one_minus_beta2, bias_correction2_sqrt, neg_step_size, eps; u32 flags; };
template <class T> struct RmspropParams { T neg_lr, alpha, one_minus_alpha, eps, weight_decay, momentum; u32 flags; };
extern "C" void sgd_f32(float*, const float*, float*, u64, SgdParams<float>);
extern "C" void adam_f32(float*, const float*, float*, float*, float*, u64, AdamParams<float>);
extern "C" void rmsprop_f32(float*, const float*, float*, float*, float*, u64, RmspropParams<float>);
extern "C" void sgd_f64(double*, const double*, double*, u64, SgdParams<double>);
extern "C" void adam_f64(double*, const double*, double*, double*, double*, u64, AdamParams<double>);
extern "C" void rmsprop_f64(double*, const double*, double*, double*, double*, u64, RmspropParams<double>);
#define DECL_WINDOW(T, s)                                                                      \
    extern "C" void conv_unfold_##s(const T*, Layout4, Win2d, T*, u64);                       \
    extern "C" void conv_fold_##s(const T*, Layout4, Win2d, T*, u64);                         \
    extern "C" void conv_output_##s(const T*, Layout4, const T*, Layout4, T*, u64);           \
    extern "C" void pool_max_##s(const T*, Layout4, Win2d, T*, i64*, u64);                    \
    extern "C" void pool_max_backward_##s(const T*, Layout4, const i64*, Layout4, Win2d, T*, u64); \
    extern "C" void pool_avg_##s(const T*, Layout4, Win2d, u32, T*, u64);                     \
    extern "C" void pool_avg_backward_##s(const T*, Layout4, Win2d, u32, T*, u64);
DECL_WINDOW(float, f32) DECL_WINDOW(double, f64)

// ---- test plumbing

static int failures = 0, checks = 0;
#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        ++checks;                                                           \
        if (!(cond)) {                                                      \
            if (++failures <= 30) {                                         \
                std::fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);   \
                std::fprintf(stderr, __VA_ARGS__);                          \
                std::fprintf(stderr, "\n");                                 \
            }                                                               \
        }                                                                   \
    } while (0)

// Bit equality for floats (NaN equals NaN, whatever its payload; -0.0 differs from 0.0).
template <class T> bool same(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
        if (a != a && b != b) return true;
        return std::memcmp(&a, &b, sizeof(T)) == 0;
    } else {
        return a == b;
    }
}
template <class T> double dbl(T v) { return (double)v; }

// A host-side layout: dims, strides, offset, over a buffer of `len` elements.
struct HL {
    std::vector<u64> dims, strides;
    u64 offset = 0;
    u64 numel() const { u64 n = 1; for (u64 d : dims) n *= d; return n; }
    // Storage index of row-major element i, by an odometer (independent of the kernels'
    // divisions).
    std::vector<u64> indices() const {
        std::vector<u64> out;
        const u64 n = numel();
        std::vector<u64> c(dims.size(), 0);
        for (u64 i = 0; i < n; ++i) {
            u64 idx = offset;
            for (size_t d = 0; d < dims.size(); ++d) idx += c[d] * strides[d];
            out.push_back(idx);
            for (int d = (int)dims.size() - 1; d >= 0; --d) {
                if (++c[d] < dims[d]) break;
                c[d] = 0;
            }
        }
        return out;
    }
    u64 span() const {  // buffer length that holds every element
        u64 m = offset;
        for (size_t d = 0; d < dims.size(); ++d)
            if (dims[d] == 0) return offset;
            else m += (dims[d] - 1) * strides[d];
        return m + 1;
    }
    Layout4 l4(u64 len) const {
        Layout4 l{};
        for (size_t d = 0; d < dims.size(); ++d) { l.dims[d] = dims[d]; l.strides[d] = strides[d]; }
        // Garbage past the rank: kernels must ignore it.
        for (size_t d = dims.size(); d < 4; ++d) { l.dims[d] = 7777; l.strides[d] = 9999; }
        l.offset = offset;
        l.len = len;
        l.rank = (u32)dims.size();
        return l;
    }
    Layout4 l4() const { return l4(span()); }
};
static HL contig(std::vector<u64> dims, u64 offset = 0) {
    HL l;
    l.dims = dims;
    l.strides.assign(dims.size(), 0);
    u64 acc = 1;
    for (int d = (int)dims.size() - 1; d >= 0; --d) { l.strides[d] = acc; acc *= dims[d]; }
    l.offset = offset;
    return l;
}
static HL permute(const HL& l, std::vector<int> perm) {
    HL r = l;
    for (size_t i = 0; i < perm.size(); ++i) { r.dims[i] = l.dims[perm[i]]; r.strides[i] = l.strides[perm[i]]; }
    return r;
}

static std::mt19937_64 rng(12345);
template <class T> std::vector<T> random_vec(size_t n, const std::vector<T>& pool) {
    std::vector<T> v(n);
    for (auto& x : v) x = pool[rng() % pool.size()];
    return v;
}
template <class T> std::vector<T> small_ints(size_t n, int lo, int hi) {
    std::vector<T> v(n);
    for (auto& x : v) x = (T)(lo + (int)(rng() % (u64)(hi - lo + 1)));
    return v;
}
static const float NaNf = std::numeric_limits<float>::quiet_NaN();
static const float INFf = std::numeric_limits<float>::infinity();
static const std::vector<float> specials_f = {0.0f, -0.0f, 1.0f, -1.0f, 2.5f, -3.75f, NaNf, INFf, -INFf, 1e30f, -7.0f, 0.0f, 1.0f};
static const std::vector<double> specials_d = {0.0, -0.0, 1.0, -1.0, 2.5, -3.75, (double)NaNf, (double)INFf, -(double)INFf, 1e300, -7.0};
static const std::vector<int> specials_i = {0, 1, -1, 7, -9, 2147483647, -2147483647 - 1, 123456789};
static const std::vector<i64> specials_l = {0, 1, -1, 7, -9, INT64_MAX, INT64_MIN, 1ll << 40, -(1ll << 33) + 5};

template <class T> const std::vector<T>& specials();
template <> const std::vector<float>& specials<float>() { return specials_f; }
template <> const std::vector<double>& specials<double>() { return specials_d; }
template <> const std::vector<int>& specials<int>() { return specials_i; }
template <> const std::vector<i64>& specials<i64>() { return specials_l; }

// Launches a grid-stride kernel over n elements with a deliberately small grid, so that
// threads loop, and with an odd block size where the kernel allows any.
static void launch1(u64 n, unsigned block, const std::function<void()>& k) {
    unsigned grid = (unsigned)std::max<u64>(1, std::min<u64>(3, (n + block - 1) / block));
    emu::launch(dim3(grid), dim3(block), k);
}

// Reference semantics (written from src/ops/*/cpu.rs, src/dtype.rs).
template <class T> T r_wadd(T a, T b) { if constexpr (std::is_integral_v<T>) return (T)((std::make_unsigned_t<T>)a + (std::make_unsigned_t<T>)b); else return a + b; }
template <class T> T r_wsub(T a, T b) { if constexpr (std::is_integral_v<T>) return (T)((std::make_unsigned_t<T>)a - (std::make_unsigned_t<T>)b); else return a - b; }
template <class T> T r_wmul(T a, T b) { if constexpr (std::is_integral_v<T>) return (T)((std::make_unsigned_t<T>)a * (std::make_unsigned_t<T>)b); else return a * b; }
template <class T> T r_max(T a, T b) { return (a != a || a > b) ? a : b; }
template <class T> T r_min(T a, T b) { return (a != a || a < b) ? a : b; }

// A few layout pairs of equal dims: contiguous, transposed, broadcast, offset, rank 0/4.
struct Case { HL a, b; };
static std::vector<Case> binary_cases() {
    std::vector<Case> cs;
    cs.push_back({contig({5, 7}), contig({5, 7}, 3)});
    cs.push_back({permute(contig({7, 5}), {1, 0}), contig({5, 7})});
    HL bias = contig({7}); HL bb; bb.dims = {5, 7}; bb.strides = {0, 1}; bb.offset = 0;
    cs.push_back({contig({5, 7}), bb});
    HL scalar; scalar.dims = {5, 7}; scalar.strides = {0, 0}; scalar.offset = 2;
    cs.push_back({permute(contig({7, 5}, 1), {1, 0}), scalar});
    cs.push_back({contig({}), contig({}, 4)});
    HL r4 = contig({2, 3, 1, 4}); HL r4b = contig({3, 1, 4}); HL r4bb; r4bb.dims = {2, 3, 1, 4}; r4bb.strides = {0, 4, 4, 1};
    cs.push_back({permute(contig({4, 3, 1, 2}), {3, 1, 2, 0}), r4bb});
    cs.push_back({contig({0, 3}), contig({0, 3})});
    return cs;
}

template <class T, class K, class R>
static void check_binary(const char* name, K kernel, R ref) {
    for (auto& c : binary_cases()) {
        auto A = random_vec<T>(c.a.span() + 2, specials<T>());
        auto B = random_vec<T>(c.b.span() + 2, specials<T>());
        const u64 n = c.a.numel();
        std::vector<T> out(n + 1, T(99));
        Layout4 la = c.a.l4(A.size()), lb = c.b.l4(B.size());
        launch1(n, 64, [&] { kernel(A.data(), la, B.data(), lb, out.data(), n); });
        auto ia = c.a.indices(), ib = c.b.indices();
        for (u64 i = 0; i < n; ++i) {
            T want = ref(A[ia[i]], B[ib[i]]);
            CHECK(same(out[i], want), "%s elem %llu: got %g want %g", name, (unsigned long long)i, dbl(out[i]), dbl(want));
        }
        CHECK(same(out[n], T(99)), "%s wrote past out_len", name);
    }
}

static void test_binary() {
#define BIN_ALL(op, fn)                                                              \
    check_binary<float>("binary_" #op "_f32", binary_##op##_f32, fn<float>);         \
    check_binary<double>("binary_" #op "_f64", binary_##op##_f64, fn<double>);       \
    check_binary<int>("binary_" #op "_i32", binary_##op##_i32, fn<int>);             \
    check_binary<i64>("binary_" #op "_i64", binary_##op##_i64, fn<i64>);
    BIN_ALL(add, r_wadd) BIN_ALL(sub, r_wsub) BIN_ALL(mul, r_wmul)
    BIN_ALL(maximum, r_max) BIN_ALL(minimum, r_min)
    check_binary<float>("binary_div_f32", binary_div_f32, [](float a, float b) { return a / b; });
    check_binary<double>("binary_div_f64", binary_div_f64, [](double a, double b) { return a / b; });
    // A layout that claims more than its buffer holds reads zeros, never past the end.
    std::vector<float> a = {1, 2, 3}, b = {10, 20, 30}, out(3, -1);
    HL l = contig({3});
    binary_add_f32(nullptr, l.l4(3), nullptr, l.l4(3), nullptr, 0);  // never launched: n = 0
    launch1(3, 32, [&] { binary_add_f32(a.data(), l.l4(2), b.data(), l.l4(3), out.data(), 3); });
    CHECK(out[2] == 30.0f, "guarded read: got %g", out[2]);
}

template <class T, class K, class R>
static void check_unary(const char* name, K kernel, T s0, T s1, u32 flags, R ref) {
    HL l = permute(contig({4, 6}, 2), {1, 0});
    auto X = random_vec<T>(l.span(), specials<T>());
    const u64 n = l.numel();
    std::vector<T> out(n);
    launch1(n, 32, [&] { kernel(X.data(), l.l4(), out.data(), n, s0, s1, flags); });
    auto ix = l.indices();
    for (u64 i = 0; i < n; ++i) {
        T want = ref(X[ix[i]]);
        CHECK(same(out[i], want), "%s(%g): got %g want %g", name, dbl(X[ix[i]]), dbl(out[i]), dbl(want));
    }
}

template <class T> T r_clamp(T v, bool has_lo, T lo, bool has_hi, T hi) {
    if (v != v) return v;
    if (has_lo && v < lo) v = lo;
    if (has_hi && v > hi) v = hi;
    return v;
}

template <class T> static void test_unary_num(
    void (*neg)(const T*, Layout4, T*, u64, T, T, u32), void (*abs_)(const T*, Layout4, T*, u64, T, T, u32),
    void (*relu)(const T*, Layout4, T*, u64, T, T, u32), void (*clamp)(const T*, Layout4, T*, u64, T, T, u32),
    void (*adds)(const T*, Layout4, T*, u64, T, T, u32), void (*subs)(const T*, Layout4, T*, u64, T, T, u32),
    void (*ssub)(const T*, Layout4, T*, u64, T, T, u32), void (*muls)(const T*, Layout4, T*, u64, T, T, u32)) {
    check_unary<T>("neg", neg, T(0), T(0), 0, [](T v) {
        if constexpr (std::is_integral_v<T>) return r_wsub(T(0), v); else return -v; });
    check_unary<T>("abs", abs_, T(0), T(0), 0, [](T v) { return v <= T(0) ? r_wsub(T(0), v) : v; });
    check_unary<T>("relu", relu, T(5), T(5), 3, [](T v) { return r_clamp(v, true, T(0), false, T(0)); });
    for (u32 f = 0; f < 4; ++f) {
        check_unary<T>("clamp", clamp, T(-1), T(2), f, [f](T v) { return r_clamp(v, f & 1, T(-1), f & 2, T(2)); });
        check_unary<T>("clamp lo>hi", clamp, T(3), T(-2), f, [f](T v) { return r_clamp(v, f & 1, T(3), f & 2, T(-2)); });
    }
    const T s = specials<T>()[5];
    check_unary<T>("add_scalar", adds, s, T(0), 0, [s](T v) { return r_wadd(v, s); });
    check_unary<T>("sub_scalar", subs, s, T(0), 0, [s](T v) { return r_wsub(v, s); });
    check_unary<T>("scalar_sub", ssub, s, T(0), 0, [s](T v) { return r_wsub(s, v); });
    check_unary<T>("mul_scalar", muls, s, T(0), 0, [s](T v) { return r_wmul(v, s); });
}

// The float functions of src/ops/unary/cpu.rs (and their derivatives), written again from
// its formulas with the host's libm, which the emulated kernels call too: bit for bit.
template <class T> T r_sign(T v) { return v > T(0) ? T(1) : v < T(0) ? T(-1) : T(0); }
template <class T> T r_gelu(T v) { return v * T(0.5) * (T(1) + std::erf(v * T(0.70710678118654752440))); }
template <class T> T r_gelu_tanh(T v) {
    const T inner = T(0.79788456080286535588) * (v + T(0.044715) * v * v * v);
    return T(0.5) * v * (T(1) + std::tanh(inner));
}
template <class T> T r_dgelu(T v) {
    const T cdf = T(0.5) * (T(1) + std::erf(v * T(0.70710678118654752440)));
    return cdf + v * (T(0.39894228040143267794) * std::exp(-T(0.5) * v * v));
}
template <class T> T r_dgelu_tanh(T v) {
    const T beta = T(0.79788456080286535588), kappa = T(0.044715), x_sq = v * v;
    const T t = std::tanh(beta * (v + kappa * x_sq * v));
    return T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * (beta * (T(1) + T(3) * kappa * x_sq));
}

// out = g * D(x) over a transposed g and an offset, broadcast x.
template <class T, class K, class D>
static void check_unary_backward(const char* name, K kernel, T s0, D deriv) {
    HL lg = permute(contig({4, 6}, 1), {1, 0});
    HL lx; lx.dims = {6, 4}; lx.strides = {1, 0}; lx.offset = 2;  // a column broadcast
    auto G = random_vec<T>(lg.span(), specials<T>());
    auto X = random_vec<T>(lx.span(), specials<T>());
    const u64 n = lg.numel();
    std::vector<T> out(n + 1, T(77));
    launch1(n, 64, [&] { kernel(G.data(), lg.l4(), X.data(), lx.l4(), out.data(), n, s0, T(0), 0); });
    auto ig = lg.indices(), ix = lx.indices();
    for (u64 i = 0; i < n; ++i) {
        T want = G[ig[i]] * deriv(X[ix[i]]);
        CHECK(same(out[i], want), "%s(g %g, x %g): got %g want %g", name, dbl(G[ig[i]]), dbl(X[ix[i]]), dbl(out[i]), dbl(want));
    }
    CHECK(same(out[n], T(77)), "%s wrote past out_len", name);
}

template <class T> static void test_unary_float_fns() {
    const bool f = std::is_same_v<T, float>;
#define UF(op) (f ? (void*)unary_##op##_f32 : (void*)unary_##op##_f64)
#define UB(op) (f ? (void*)unary_##op##_backward_f32 : (void*)unary_##op##_backward_f64)
    typedef void (*Fwd)(const T*, Layout4, T*, u64, T, T, u32);
    typedef void (*Bwd)(const T*, Layout4, const T*, Layout4, T*, u64, T, T, u32);
    check_unary<T>("sin", (Fwd)UF(sin), T(0), T(0), 0, [](T v) { return std::sin(v); });
    check_unary<T>("cos", (Fwd)UF(cos), T(0), T(0), 0, [](T v) { return std::cos(v); });
    check_unary<T>("exp2", (Fwd)UF(exp2), T(0), T(0), 0, [](T v) { return std::exp2(v); });
    check_unary<T>("log1p", (Fwd)UF(log1p), T(0), T(0), 0, [](T v) { return std::log1p(v); });
    check_unary<T>("expm1", (Fwd)UF(expm1), T(0), T(0), 0, [](T v) { return std::expm1(v); });
    check_unary<T>("rsqrt", (Fwd)UF(rsqrt), T(0), T(0), 0, [](T v) { return T(1) / std::sqrt(v); });
    check_unary<T>("sign", (Fwd)UF(sign), T(0), T(0), 0, r_sign<T>);
    check_unary<T>("floor", (Fwd)UF(floor), T(0), T(0), 0, [](T v) { return std::floor(v); });
    check_unary<T>("round", (Fwd)UF(round), T(0), T(0), 0, [](T v) { return std::nearbyint(v); });
    check_unary<T>("gelu", (Fwd)UF(gelu), T(0), T(0), 0, r_gelu<T>);
    check_unary<T>("gelu_tanh", (Fwd)UF(gelu_tanh), T(0), T(0), 0, r_gelu_tanh<T>);
    check_unary<T>("leaky_relu", (Fwd)UF(leaky_relu), T(0.25), T(0), 0, [](T v) { return v > T(0) ? v : v * T(0.25); });
    // round: ties to even, whatever the sign.
    {
        std::vector<T> x = {T(0.5), T(1.5), T(2.5), T(-0.5), T(-2.5)}, o(5);
        HL l = contig({5});
        launch1(5, 32, [&] { ((Fwd)UF(round))(x.data(), l.l4(), o.data(), 5, T(0), T(0), 0); });
        CHECK(o[0] == T(0) && o[1] == T(2) && o[2] == T(2) && o[3] == T(0) && std::signbit(o[3]) && o[4] == T(-2),
              "round half to even");
    }
    check_unary_backward<T>("exp'", (Bwd)UB(exp), T(0), [](T v) { return std::exp(v); });
    check_unary_backward<T>("log'", (Bwd)UB(log), T(0), [](T v) { return T(1) / v; });
    check_unary_backward<T>("sqrt'", (Bwd)UB(sqrt), T(0), [](T v) { return T(0.5) / std::sqrt(v); });
    check_unary_backward<T>("pow'", (Bwd)UB(pow), T(3), [](T v) { return T(3) * std::pow(v, T(2)); });
    check_unary_backward<T>("sigmoid'", (Bwd)UB(sigmoid), T(0), [](T v) { const T s = T(1) / (T(1) + std::exp(-v)); return s * (T(1) - s); });
    check_unary_backward<T>("tanh'", (Bwd)UB(tanh), T(0), [](T v) { const T t = std::tanh(v); return T(1) - t * t; });
    check_unary_backward<T>("div_scalar'", (Bwd)UB(div_scalar), T(-4), [](T) { return T(1) / T(-4); });
    check_unary_backward<T>("scalar_div'", (Bwd)UB(scalar_div), T(-4), [](T v) { return T(4) / (v * v); });
    check_unary_backward<T>("sin'", (Bwd)UB(sin), T(0), [](T v) { return std::cos(v); });
    check_unary_backward<T>("cos'", (Bwd)UB(cos), T(0), [](T v) { return -std::sin(v); });
    check_unary_backward<T>("exp2'", (Bwd)UB(exp2), T(0), [](T v) { return std::exp2(v) * T(0.69314718055994530942); });
    check_unary_backward<T>("log1p'", (Bwd)UB(log1p), T(0), [](T v) { return T(1) / (T(1) + v); });
    check_unary_backward<T>("expm1'", (Bwd)UB(expm1), T(0), [](T v) { return std::exp(v); });
    check_unary_backward<T>("rsqrt'", (Bwd)UB(rsqrt), T(0), [](T v) { const T r = T(1) / std::sqrt(v); return -T(0.5) * r * r * r; });
    check_unary_backward<T>("sign'", (Bwd)UB(sign), T(0), [](T) { return T(0); });
    check_unary_backward<T>("floor'", (Bwd)UB(floor), T(0), [](T) { return T(0); });
    check_unary_backward<T>("round'", (Bwd)UB(round), T(0), [](T) { return T(0); });
    check_unary_backward<T>("gelu'", (Bwd)UB(gelu), T(0), r_dgelu<T>);
    check_unary_backward<T>("gelu_tanh'", (Bwd)UB(gelu_tanh), T(0), r_dgelu_tanh<T>);
    check_unary_backward<T>("leaky_relu'", (Bwd)UB(leaky_relu), T(0.25), [](T v) { return v > T(0) ? T(1) : T(0.25); });
#undef UF
#undef UB
}

static void test_unary() {
#define UN_ARGS(s) unary_neg_##s, unary_abs_##s, unary_relu_##s, unary_clamp_##s, unary_add_scalar_##s, \
    unary_sub_scalar_##s, unary_scalar_sub_##s, unary_mul_scalar_##s
    test_unary_num<float>(UN_ARGS(f32));
    test_unary_num<double>(UN_ARGS(f64));
    test_unary_num<int>(UN_ARGS(i32));
    test_unary_num<i64>(UN_ARGS(i64));
    // abs(-0.0) is +0.0; neg(0.0) is -0.0; abs(i32::MIN) wraps to itself.
    {
        std::vector<float> x = {-0.0f, 0.0f}, o(2);
        HL l = contig({2});
        launch1(2, 32, [&] { unary_abs_f32(x.data(), l.l4(), o.data(), 2, 0, 0, 0); });
        CHECK(!std::signbit(o[0]) && !std::signbit(o[1]), "abs(-0.0) must be +0.0");
        launch1(2, 32, [&] { unary_neg_f32(x.data(), l.l4(), o.data(), 2, 0, 0, 0); });
        CHECK(!std::signbit(o[0]) && std::signbit(o[1]), "neg flips the sign of zero");
    }
    check_unary<float>("exp", unary_exp_f32, 0.f, 0.f, 0, [](float v) { return std::exp(v); });
    check_unary<float>("log", unary_log_f32, 0.f, 0.f, 0, [](float v) { return std::log(v); });
    check_unary<float>("sqrt", unary_sqrt_f32, 0.f, 0.f, 0, [](float v) { return std::sqrt(v); });
    check_unary<float>("tanh", unary_tanh_f32, 0.f, 0.f, 0, [](float v) { return std::tanh(v); });
    check_unary<float>("pow2", unary_pow_f32, 2.f, 0.f, 0, [](float v) { return v * v; });
    check_unary<float>("pow3", unary_pow_f32, 3.f, 0.f, 0, [](float v) { return std::pow(v, 3.f); });
    check_unary<double>("pow2", unary_pow_f64, 2.0, 0.0, 0, [](double v) { return v * v; });
    check_unary<float>("sigmoid", unary_sigmoid_f32, 0.f, 0.f, 0, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
    check_unary<double>("sigmoid", unary_sigmoid_f64, 0.0, 0.0, 0, [](double v) { return 1.0 / (1.0 + std::exp(-v)); });
    check_unary<float>("div_scalar", unary_div_scalar_f32, -2.5f, 0.f, 0, [](float v) { return v / -2.5f; });
    check_unary<float>("scalar_div", unary_scalar_div_f32, -2.5f, 0.f, 0, [](float v) { return -2.5f / v; });
    test_unary_float_fns<float>();
    test_unary_float_fns<double>();
}

template <class T, class K, class R>
static void check_compare(const char* name, K kernel, R ref) {
    for (auto& c : binary_cases()) {
        auto A = random_vec<T>(c.a.span(), specials<T>());
        auto B = random_vec<T>(c.b.span(), specials<T>());
        const u64 n = c.a.numel();
        std::vector<u8> out(n, 7);
        launch1(n, 96, [&] { kernel(A.data(), c.a.l4(), B.data(), c.b.l4(), out.data(), n); });
        auto ia = c.a.indices(), ib = c.b.indices();
        for (u64 i = 0; i < n; ++i)
            CHECK(out[i] == (u8)ref(A[ia[i]], B[ib[i]]), "%s(%g, %g) = %d", name, dbl(A[ia[i]]), dbl(B[ib[i]]), out[i]);
    }
}

static void test_compare() {
#define CMP_ALL(op, expr)                                                                              \
    check_compare<float>("compare_" #op "_f32", compare_##op##_f32, [](float a, float b) { return expr; });     \
    check_compare<double>("compare_" #op "_f64", compare_##op##_f64, [](double a, double b) { return expr; });  \
    check_compare<int>("compare_" #op "_i32", compare_##op##_i32, [](int a, int b) { return expr; });          \
    check_compare<i64>("compare_" #op "_i64", compare_##op##_i64, [](i64 a, i64 b) { return expr; });
    CMP_ALL(eq, a == b) CMP_ALL(ne, a != b) CMP_ALL(lt, a < b) CMP_ALL(le, a <= b)
    CMP_ALL(gt, a > b) CMP_ALL(ge, a >= b)
    std::vector<u8> bools = {0, 1};
    for (auto& c : binary_cases()) {
        auto A = random_vec<u8>(c.a.span(), bools), B = random_vec<u8>(c.b.span(), bools);
        const u64 n = c.a.numel();
        std::vector<u8> lt(n), eq(n);
        launch1(n, 32, [&] { compare_lt_bool(A.data(), c.a.l4(), B.data(), c.b.l4(), lt.data(), n); });
        launch1(n, 32, [&] { compare_eq_bool(A.data(), c.a.l4(), B.data(), c.b.l4(), eq.data(), n); });
        auto ia = c.a.indices(), ib = c.b.indices();
        for (u64 i = 0; i < n; ++i) {
            CHECK(lt[i] == (A[ia[i]] < B[ib[i]]), "bool lt");
            CHECK(eq[i] == (A[ia[i]] == B[ib[i]]), "bool eq");
        }
        // select(cond = a, x = b, y = a) on floats and bools
        auto X = random_vec<float>(c.b.span(), specials_f), Y = random_vec<float>(c.a.span(), specials_f);
        std::vector<float> o(n);
        launch1(n, 64, [&] { select_f32(A.data(), c.a.l4(), X.data(), c.b.l4(), Y.data(), c.a.l4(), o.data(), n); });
        for (u64 i = 0; i < n; ++i) CHECK(same(o[i], A[ia[i]] ? X[ib[i]] : Y[ia[i]]), "select_f32");
        std::vector<u8> ob(n);
        launch1(n, 64, [&] { select_bool(A.data(), c.a.l4(), B.data(), c.b.l4(), A.data(), c.a.l4(), ob.data(), n); });
        for (u64 i = 0; i < n; ++i) CHECK(ob[i] == (A[ia[i]] ? B[ib[i]] : A[ia[i]]), "select_bool");
    }
}

// Rust `as` semantics.
template <class To, class From> To r_cast(From v) {
    if constexpr (std::is_same_v<To, u8>) return v != From(0);
    else if constexpr (std::is_same_v<From, u8>) return v ? To(1) : To(0);
    else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
        if (v != v) return 0;
        const long double x = std::trunc((long double)v);
        if (x >= (long double)std::numeric_limits<To>::max()) return std::numeric_limits<To>::max();
        if (x <= (long double)std::numeric_limits<To>::min()) return std::numeric_limits<To>::min();
        return (To)x;
    } else if constexpr (std::is_integral_v<To> && std::is_integral_v<From>) {
        if constexpr (sizeof(To) >= sizeof(From)) return (To)v;  // sign-extends
        else return (To)(std::make_unsigned_t<To>)(std::make_unsigned_t<From>)v;  // low bits
    } else {
        return (To)v;
    }
}

template <class F, class T>
static void check_cast(const char* name, void (*k)(const F*, Layout4, T*, u64), std::vector<F> x) {
    HL l = contig({(u64)x.size()});
    std::vector<T> out(x.size());
    launch1(x.size(), 32, [&] { k(x.data(), l.l4(), out.data(), x.size()); });
    for (size_t i = 0; i < x.size(); ++i)
        CHECK(same(out[i], r_cast<T, F>(x[i])), "%s(%.17g) = %.17g, want %.17g", name, dbl(x[i]), dbl(out[i]), dbl(r_cast<T, F>(x[i])));
}

static void test_copy() {
    std::vector<float> xf = {3.9f, -3.9f, 0.5f, -0.0f, NaNf, INFf, -INFf, 1e10f, -1e10f, 2147483520.0f,
                             2147483648.0f, -2147483648.0f, 9.3e18f, -9.3e18f, 9223371487098961920.0f, 16777217.0f};
    std::vector<double> xd = {3.9, -3.9, -0.0, (double)NaNf, (double)INFf, 2147483647.9, 2147483648.0,
                              -2147483648.9, -2147483649.0, 9223372036854775807.0, -9223372036854775808.0,
                              9223372036854774784.0, 1e300, 3.4028235677973366e38, 1e-320};
    std::vector<int> xi = {0, 1, -1, 16777217, -2147483647 - 1, 2147483647};
    std::vector<i64> xl = {0, 1, -1, (1ll << 32) + 5, (1ll << 53) + 1, INT64_MIN, INT64_MAX, -(1ll << 31) - 1};
    std::vector<u8> xb = {0, 1, 2};
#define CAST_TO_ALL(F, fs, xs)                                            \
    check_cast<F, float>("cast_" #fs "_f32", cast_##fs##_f32, xs);        \
    check_cast<F, double>("cast_" #fs "_f64", cast_##fs##_f64, xs);       \
    check_cast<F, int>("cast_" #fs "_i32", cast_##fs##_i32, xs);          \
    check_cast<F, i64>("cast_" #fs "_i64", cast_##fs##_i64, xs);          \
    check_cast<F, u8>("cast_" #fs "_bool", cast_##fs##_bool, xs);
    CAST_TO_ALL(float, f32, xf) CAST_TO_ALL(double, f64, xd) CAST_TO_ALL(int, i32, xi)
    CAST_TO_ALL(i64, i64, xl) CAST_TO_ALL(u8, bool, xb)
    // A few values spelled out, in case the reference shares a mistake.
    {
        HL l = contig({4});
        std::vector<float> x = {1e10f, -3.9f, NaNf, -1e10f};
        std::vector<int> o(4);
        launch1(4, 32, [&] { cast_f32_i32(x.data(), l.l4(), o.data(), 4); });
        CHECK(o[0] == 2147483647 && o[1] == -3 && o[2] == 0 && o[3] == -2147483647 - 1, "cast_f32_i32 literals");
    }
    // copy of a strided view, and bool copy
    HL l = permute(contig({3, 4, 5}, 1), {2, 0, 1});
    auto x = small_ints<float>(l.span(), -50, 50);
    std::vector<float> o(l.numel());
    launch1(l.numel(), 64, [&] { copy_f32(x.data(), l.l4(), o.data(), o.size()); });
    auto ix = l.indices();
    for (size_t i = 0; i < o.size(); ++i) CHECK(o[i] == x[ix[i]], "copy_f32");
    std::vector<double> fd(100, 0);
    launch1(100, 64, [&] { fill_f64(fd.data(), 99, -2.5); });
    for (int i = 0; i < 99; ++i) CHECK(fd[i] == -2.5, "fill_f64");
    CHECK(fd[99] == 0, "fill wrote past its length");
    std::vector<i64> fl(10);
    launch1(10, 32, [&] { fill_i64(fl.data(), 10, INT64_MIN + 3); });
    for (auto v : fl) CHECK(v == INT64_MIN + 3, "fill_i64");
}

static void test_index() {
    // x: [3, 4, 5] viewed permuted, select along each axis.
    HL x = permute(contig({4, 5, 3}, 2), {2, 0, 1});  // dims [3, 4, 5]
    auto X = small_ints<float>(x.span(), -100, 100);
    for (u32 axis = 0; axis < 3; ++axis) {
        const u64 size = x.dims[axis];
        std::vector<i64> idx = {(i64)size - 1, 0, 1, (i64)size - 1, 0};
        // idx stored reversed with stride -1 is not expressible (strides are unsigned); use
        // stride 2 with an offset instead.
        std::vector<i64> store(2 * idx.size() + 1, 99);
        for (size_t j = 0; j < idx.size(); ++j) store[1 + 2 * j] = idx[j];
        HL li; li.dims = {idx.size()}; li.strides = {2}; li.offset = 1;
        std::vector<u64> od = x.dims; od[axis] = idx.size();
        HL lo = contig(od);
        std::vector<float> out(lo.numel(), -1);
        launch1(out.size(), 64, [&] { index_select_f32(X.data(), x.l4(), axis, store.data(), li.l4(), out.data(), out.size()); });
        auto xi = x.indices();
        // Reference: out[c] = x[c with c[axis] = idx[c[axis]]].
        std::vector<u64> c(3, 0);
        for (u64 i = 0; i < out.size(); ++i) {
            std::vector<u64> s = c; s[axis] = (u64)idx[c[axis]];
            u64 lin = (s[0] * x.dims[1] + s[1]) * x.dims[2] + s[2];
            CHECK(out[i] == X[xi[lin]], "index_select axis %u elem %llu", axis, (unsigned long long)i);
            for (int d = 2; d >= 0; --d) { if (++c[d] < od[d]) break; c[d] = 0; }
        }
        // index_add is its adjoint: out = zeros(x.dims); out[.., idx[j], ..] += src[.., j, ..]
        HL ls = contig(od);
        auto S = small_ints<float>(ls.numel(), -10, 10);
        HL lout = contig(x.dims);
        std::vector<float> acc(lout.numel(), 0.0f);
        launch1(S.size(), 64, [&] { index_add_f32(acc.data(), lout.l4(), axis, store.data(), li.l4(), S.data(), ls.l4()); });
        std::vector<float> want(lout.numel(), 0.0f);
        c.assign(3, 0);
        for (u64 i = 0; i < S.size(); ++i) {
            std::vector<u64> s = c; s[axis] = (u64)idx[c[axis]];
            want[(s[0] * x.dims[1] + s[1]) * x.dims[2] + s[2]] += S[i];
            for (int d = 2; d >= 0; --d) { if (++c[d] < od[d]) break; c[d] = 0; }
        }
        for (size_t i = 0; i < want.size(); ++i) CHECK(acc[i] == want[i], "index_add axis %u elem %zu: %g vs %g", axis, i, acc[i], want[i]);
    }
    // index_check: first bad position; index_select writes 0 for a bad index.
    {
        std::vector<i64> idx = {0, 2, -1, 3, 5, 1};
        HL li = contig({6});
        u64 first = ~0ull;
        launch1(6, 32, [&] { index_check(idx.data(), li.l4(), 3, &first); });
        CHECK(first == 2, "index_check first bad = %llu", (unsigned long long)first);
        std::vector<i64> ok = {0, 2, 1};
        first = ~0ull;
        launch1(3, 32, [&] { index_check(ok.data(), contig({3}).l4(), 3, &first); });
        CHECK(first == ~0ull, "index_check all valid");
        std::vector<u8> xb = {1, 0, 1}, ob(6, 9);
        launch1(6, 32, [&] { index_select_bool(xb.data(), contig({3}).l4(), 0, idx.data(), li.l4(), ob.data(), 6); });
        CHECK(ob[0] == 1 && ob[1] == 1 && ob[2] == 0 && ob[3] == 0 && ob[4] == 0 && ob[5] == 0, "index_select_bool with bad indices");
    }
    // index_add on i32 wraps.
    {
        std::vector<i64> idx = {1, 1};
        std::vector<int> src = {2147483647, 5}, out(2, 0);
        launch1(2, 32, [&] { index_add_i32(out.data(), contig({2}).l4(), 0, idx.data(), contig({2}).l4(), src.data(), contig({2}).l4()); });
        CHECK(out[0] == 0 && out[1] == -2147483647 - 1 + 4, "index_add_i32 wraps: %d", out[1]);
    }
    // cat along each axis of strided inputs.
    for (u32 axis = 0; axis < 3; ++axis) {
        std::vector<u64> da = {2, 3, 4}, db = da;
        db[axis] = 3;
        HL a = permute(contig({da[1], da[2], da[0]}, 1), {2, 0, 1});
        HL b = contig(db, 5);
        auto A = small_ints<float>(a.span(), -9, 9), B = small_ints<float>(b.span(), 10, 30);
        std::vector<u64> dout = da; dout[axis] += db[axis];
        HL lo = contig(dout);
        std::vector<float> out(lo.numel());
        launch1(out.size(), 64, [&] { cat_f32(A.data(), a.l4(), B.data(), b.l4(), axis, out.data(), out.size()); });
        auto ia = a.indices(), ib = b.indices();
        std::vector<u64> c(3, 0);
        for (u64 i = 0; i < out.size(); ++i) {
            float want;
            if (c[axis] < da[axis]) want = A[ia[(c[0] * da[1] + c[1]) * da[2] + c[2]]];
            else { auto s = c; s[axis] -= da[axis]; want = B[ib[(s[0] * db[1] + s[1]) * db[2] + s[2]]]; }
            CHECK(out[i] == want, "cat axis %u elem %llu", axis, (unsigned long long)i);
            for (int d = 2; d >= 0; --d) { if (++c[d] < dout[d]) break; c[d] = 0; }
        }
    }
    {
        std::vector<i64> a = {1, 2}, b = {3}, o(3);
        launch1(3, 32, [&] { cat_i64(a.data(), contig({2}).l4(), b.data(), contig({1}).l4(), 0, o.data(), 3); });
        CHECK(o[0] == 1 && o[1] == 2 && o[2] == 3, "cat_i64 1-d");
    }
}

// Reference matmul on layouts, wrapping for integers; floats in double (the test values
// keep every partial sum an exactly representable integer).
template <class T>
static std::vector<T> ref_matmul(const std::vector<T>& A, const HL& la, const std::vector<T>& B, const HL& lb) {
    const size_t r = la.dims.size();
    const u64 M = la.dims[r - 2], K = la.dims[r - 1], N = lb.dims[r - 1];
    u64 batch = 1;
    for (size_t d = 0; d + 2 < r; ++d) batch *= la.dims[d];
    std::vector<T> C(batch * M * N);
    for (u64 z = 0; z < batch; ++z) {
        u64 oa = la.offset, ob = lb.offset, rem = z;
        for (int d = (int)r - 3; d >= 0; --d) {
            u64 cz = rem % la.dims[d];
            rem /= la.dims[d];
            oa += cz * la.strides[d];
            ob += cz * lb.strides[d];
        }
        for (u64 i = 0; i < M; ++i)
            for (u64 j = 0; j < N; ++j) {
                T acc = 0;
                for (u64 k = 0; k < K; ++k)
                    acc = r_wadd(acc, r_wmul(A[oa + i * la.strides[r - 2] + k * la.strides[r - 1]],
                                             B[ob + k * lb.strides[r - 2] + j * lb.strides[r - 1]]));
                C[z * M * N + i * N + j] = acc;
            }
    }
    return C;
}

template <class T>
static void check_matmul(const char* name, void (*k)(const T*, Layout4, const T*, Layout4, T*, u64),
                         const HL& la, const HL& lb, bool small_grid, int lo, int hi) {
    auto A = small_ints<T>(la.span(), lo, hi), B = small_ints<T>(lb.span(), lo, hi);
    auto want = ref_matmul(A, la, B, lb);
    std::vector<T> C(want.size() + 1, T(77));
    const size_t r = la.dims.size();
    const u64 M = la.dims[r - 2], N = lb.dims[r - 1];
    u64 batch = 1;
    for (size_t d = 0; d + 2 < r; ++d) batch *= la.dims[d];
    dim3 grid = small_grid ? dim3(1, 1, 1)
                           : dim3((unsigned)((N + 63) / 64), (unsigned)((M + 63) / 64), (unsigned)batch);
    if (want.empty()) return;
    emu::launch(grid, dim3(256), [&] { k(A.data(), la.l4(), B.data(), lb.l4(), C.data(), want.size()); });
    for (size_t i = 0; i < want.size(); ++i)
        CHECK(same(C[i], want[i]), "%s M=%llu N=%llu elem %zu: got %g want %g", name,
              (unsigned long long)M, (unsigned long long)N, i, dbl(C[i]), dbl(want[i]));
    CHECK(same(C[want.size()], T(77)), "%s wrote past c_len", name);
}

static void test_matmul() {
    struct Shape { u64 m, k, n; };
    const Shape shapes[] = {{1, 1, 1}, {64, 16, 64}, {65, 17, 63}, {70, 33, 129}, {3, 0, 5}, {2, 40, 1}};
    for (auto s : shapes) {
        for (int variant = 0; variant < 4; ++variant) {
            // A row-major or transposed storage; B likewise.
            HL la = (variant & 1) ? permute(contig({s.k, s.m}, 3), {1, 0}) : contig({s.m, s.k}, 3);
            HL lb = (variant & 2) ? permute(contig({s.n, s.k}), {1, 0}) : contig({s.k, s.n}, 1);
            const bool small = (s.m > 64 && variant == 3);
            check_matmul<float>("matmul_f32", matmul_f32, la, lb, small, -8, 8);
            if (variant == 1) {
                check_matmul<double>("matmul_f64", matmul_f64, la, lb, small, -8, 8);
                check_matmul<int>("matmul_i32", matmul_i32, la, lb, false, -2000000000, 2000000000);
                check_matmul<i64>("matmul_i64", matmul_i64, la, lb, false, -2000000000, 2000000000);
            }
        }
    }
    // Batched: rank 3 with a broadcast (stride 0) batch dim on B, and rank 4 with a column
    // stride that is not 1 (a narrowed view), offsets everywhere.
    {
        HL a = contig({3, 20, 9}, 2);
        HL b; b.dims = {3, 9, 70}; b.strides = {0, 70, 1}; b.offset = 4;
        check_matmul<float>("matmul_f32 batch3", matmul_f32, a, b, false, -5, 5);
        check_matmul<float>("matmul_f32 batch3 small grid", matmul_f32, a, b, true, -5, 5);
        HL a4 = permute(contig({2, 3, 7, 66}, 1), {0, 1, 3, 2});  // [2, 3, 66, 7], A^T inside
        HL b4; b4.dims = {2, 3, 7, 5}; b4.strides = {0, 7 * 10, 10, 2}; b4.offset = 3;
        check_matmul<float>("matmul_f32 batch4", matmul_f32, a4, b4, false, -5, 5);
        check_matmul<i64>("matmul_i64 batch4", matmul_i64, a4, b4, true, -1000, 1000);
    }
    // A wrong block size writes nothing (rather than computing garbage).
    {
        HL a = contig({2, 2}), b = contig({2, 2});
        std::vector<float> A = {1, 2, 3, 4}, B = A, C(4, -1);
        emu::launch(dim3(1), dim3(128), [&] { matmul_f32(A.data(), a.l4(), B.data(), b.l4(), C.data(), 4); });
        CHECK(C[0] == -1, "matmul with a wrong block size must not write");
    }
}

// The CPU's sequential fold of nan_max/nan_min (ties keep the later element), and its
// arg_slice (first extreme, first NaN).
template <class T> T fold_max(const std::vector<T>& v) { T a = v[0]; for (size_t i = 1; i < v.size(); ++i) a = r_max(a, v[i]); return a; }
template <class T> T fold_min(const std::vector<T>& v) { T a = v[0]; for (size_t i = 1; i < v.size(); ++i) a = r_min(a, v[i]); return a; }
template <class T> i64 arg_ref(const std::vector<T>& v, bool max) {
    size_t best = 0;
    for (size_t i = 0; i < v.size(); ++i) {
        T b = v[best];
        if (b != b) break;
        T x = v[i];
        bool better = max ? (x > b || x != x) : (x < b || x != x);
        if (better) best = i;
    }
    return (i64)best;
}
template <class T> T sum_ref(const std::vector<T>& v) { T a = 0; for (T x : v) a = r_wadd(a, x); return a; }

// P: the partials' type (T, except i64 for the widening sum64).
template <class T, class O, class P = T>
struct ReduceKernels {
    void (*axis)(const T*, Layout4, u32, O*, u64);
    void (*all)(const T*, Layout4, P*, i64*, u64);
    void (*fin)(const P*, const i64*, u64, O*, u64);
};

template <class T, class O, class P, class R>
static void check_reduce(const char* name, ReduceKernels<T, O, P> k, const std::vector<T>& pool, R ref) {
    HL shapes[] = {permute(contig({6, 4, 5}, 1), {1, 2, 0}), contig({3, 70}), contig({40}), contig({2, 0, 3})};
    for (auto& l : shapes) {
        auto X = random_vec<T>(l.span(), pool);
        auto ix = l.indices();
        const size_t r = l.dims.size();
        for (u32 axis = 0; axis < r; ++axis) {
            // Reference: for each output (other dims row-major), the slice along axis.
            std::vector<u64> od;
            for (size_t d = 0; d < r; ++d) if (d != axis) od.push_back(l.dims[d]);
            u64 nout = 1;
            for (u64 d : od) nout *= d;
            for (unsigned block : {32u, 64u, 256u}) {
                std::vector<O> out(nout + 1, O(55));
                if (nout > 0) {
                    unsigned grid = (unsigned)std::min<u64>(nout, 5);
                    emu::launch(dim3(grid), dim3(block), [&] { k.axis(X.data(), l.l4(), axis, out.data(), nout); });
                }
                std::vector<u64> c(r, 0);
                // iterate outputs
                for (u64 o = 0; o < nout; ++o) {
                    u64 rem = o;
                    for (int d = (int)r - 1; d >= 0; --d) {
                        if ((u32)d == axis) continue;
                        c[d] = rem % l.dims[d];
                        rem /= l.dims[d];
                    }
                    std::vector<T> slice;
                    for (u64 j = 0; j < l.dims[axis]; ++j) {
                        c[axis] = j;
                        u64 lin = 0;
                        for (size_t d = 0; d < r; ++d) lin = lin * l.dims[d] + c[d];
                        slice.push_back(X[ix[lin]]);
                    }
                    O want = slice.empty() ? O(0) : ref(slice);
                    CHECK(same(out[o], want), "%s axis %u block %u out %llu: got %g want %g", name, axis, block,
                          (unsigned long long)o, dbl(out[o]), dbl(want));
                }
                CHECK(same(out[nout], O(55)), "%s wrote past out_len", name);
            }
        }
        // Everything, two passes, several partial counts and block sizes.
        std::vector<T> all;
        for (u64 i : ix) all.push_back(X[i]);
        for (u64 nparts : {1ull, 3ull, 7ull}) {
            for (unsigned block : {32u, 256u}) {
                std::vector<P> pv(nparts);
                std::vector<i64> pi(nparts);
                O out = O(55);
                // Fewer blocks than partials for nparts 7: blocks loop over partials.
                const unsigned grid = nparts == 7 ? 2 : (unsigned)nparts;
                emu::launch(dim3(grid), dim3(block), [&] { k.all(X.data(), l.l4(), pv.data(), pi.data(), nparts); });
                emu::launch(dim3(1), dim3(block), [&] { k.fin(pv.data(), pi.data(), nparts, &out, 1); });
                O want = all.empty() ? O(0) : ref(all);
                CHECK(same(out, want), "%s all nparts %llu block %u: got %g want %g", name, (unsigned long long)nparts,
                      block, dbl(out), dbl(want));
            }
        }
    }
}

static void test_reduce() {
    // Pools with many ties (including +0.0 and -0.0) and NaNs, so tie rules are exercised.
    const std::vector<float> fpool = {0.0f, -0.0f, 1.0f, -1.0f, 3.0f, 3.0f, -5.0f, 2.0f};
    const std::vector<float> fpool_nan = {0.0f, -0.0f, 1.0f, 3.0f, NaNf, -5.0f, 2.0f, 3.0f, 3.0f, -5.0f, 1.0f, 0.0f, -0.0f};
    const std::vector<int> ipool = {2147483647, -2147483647 - 1, 5, 5, -3, 0, 1000000000};
    const std::vector<i64> lpool = {INT64_MAX, INT64_MIN, 5, 5, -3, 0};
    ReduceKernels<float, float> sum_f{reduce_sum_f32, reduce_all_sum_f32, reduce_all_sum_f32_final};
    ReduceKernels<float, float> max_f{reduce_max_f32, reduce_all_max_f32, reduce_all_max_f32_final};
    ReduceKernels<float, float> min_f{reduce_min_f32, reduce_all_min_f32, reduce_all_min_f32_final};
    ReduceKernels<float, i64> amax_f{reduce_argmax_f32, reduce_all_argmax_f32, reduce_all_argmax_f32_final};
    ReduceKernels<float, i64> amin_f{reduce_argmin_f32, reduce_all_argmin_f32, reduce_all_argmin_f32_final};
    check_reduce<float, float>("sum_f32", sum_f, fpool, sum_ref<float>);
    for (auto* pool : {&fpool, &fpool_nan}) {
        check_reduce<float, float>("max_f32", max_f, *pool, fold_max<float>);
        check_reduce<float, float>("min_f32", min_f, *pool, fold_min<float>);
        check_reduce<float, i64>("argmax_f32", amax_f, *pool, [](const std::vector<float>& v) { return arg_ref(v, true); });
        check_reduce<float, i64>("argmin_f32", amin_f, *pool, [](const std::vector<float>& v) { return arg_ref(v, false); });
    }
    ReduceKernels<double, double> max_d{reduce_max_f64, reduce_all_max_f64, reduce_all_max_f64_final};
    std::vector<double> dpool(fpool_nan.begin(), fpool_nan.end());
    check_reduce<double, double>("max_f64", max_d, dpool, fold_max<double>);
    ReduceKernels<double, i64> amin_d{reduce_argmin_f64, reduce_all_argmin_f64, reduce_all_argmin_f64_final};
    check_reduce<double, i64>("argmin_f64", amin_d, dpool, [](const std::vector<double>& v) { return arg_ref(v, false); });
    ReduceKernels<int, int> sum_i{reduce_sum_i32, reduce_all_sum_i32, reduce_all_sum_i32_final};
    ReduceKernels<int, int> min_i{reduce_min_i32, reduce_all_min_i32, reduce_all_min_i32_final};
    ReduceKernels<int, i64> amax_i{reduce_argmax_i32, reduce_all_argmax_i32, reduce_all_argmax_i32_final};
    check_reduce<int, int>("sum_i32", sum_i, ipool, sum_ref<int>);
    check_reduce<int, int>("min_i32", min_i, ipool, fold_min<int>);
    check_reduce<int, i64>("argmax_i32", amax_i, ipool, [](const std::vector<int>& v) { return arg_ref(v, true); });
    ReduceKernels<i64, i64> sum_l{reduce_sum_i64, reduce_all_sum_i64, reduce_all_sum_i64_final};
    ReduceKernels<i64, i64> max_l{reduce_max_i64, reduce_all_max_i64, reduce_all_max_i64_final};
    check_reduce<i64, i64>("sum_i64", sum_l, lpool, sum_ref<i64>);
    check_reduce<i64, i64>("max_i64", max_l, lpool, fold_max<i64>);
    // PyTorch's promotion: i32 and bool sums are i64, so i32 extremes do not wrap.
    ReduceKernels<int, i64, i64> sum64_i{reduce_sum64_i32, reduce_all_sum64_i32, reduce_all_sum64_i32_final};
    check_reduce<int, i64>("sum64_i32", sum64_i, ipool, [](const std::vector<int>& v) {
        u64 a = 0;
        for (int x : v) a += (u64)(i64)x;
        return (i64)a;
    });
    ReduceKernels<u8, i64, i64> sum64_b{reduce_sum64_bool, reduce_all_sum64_bool, reduce_all_sum64_bool_final};
    check_reduce<u8, i64>("sum64_bool", sum64_b, std::vector<u8>{0, 1, 1, 0, 1}, [](const std::vector<u8>& v) {
        i64 a = 0;
        for (u8 x : v) a += x != 0;
        return a;
    });
    ReduceKernels<double, double> sum_d{reduce_sum_f64, reduce_all_sum_f64, reduce_all_sum_f64_final};
    check_reduce<double, double>("sum_f64", sum_d, std::vector<double>{1, 2, -3, 0.5, -0.25}, sum_ref<double>);
    // The sum of an empty tensor is +0.0; a partial-index buffer may be omitted for sums.
    {
        std::vector<float> pv(2, 9);
        float out = 9;
        HL e = contig({0, 4});
        emu::launch(dim3(2), dim3(32), [&] { reduce_all_sum_f32(nullptr, e.l4(0), pv.data(), nullptr, 2); });
        emu::launch(dim3(1), dim3(64), [&] { reduce_all_sum_f32_final(pv.data(), nullptr, 2, &out, 1); });
        CHECK(same(out, 0.0f), "empty sum = %g", out);
    }
}

// The optimizer updates, transcribed independently from src/optim/cpu.rs.
template <class T> T lerp_ref(T s, T e, T w) {
    T d = e - s;
    return std::fabs(w) < T(0.5) ? std::fma(w, d, s) : std::fma(w - T(1), d, e);
}

template <class T>
static void test_optim_t(void (*sgd)(T*, const T*, T*, u64, SgdParams<T>),
                         void (*adam)(T*, const T*, T*, T*, T*, u64, AdamParams<T>),
                         void (*rms)(T*, const T*, T*, T*, T*, u64, RmspropParams<T>)) {
    const u64 n = 300;
    std::uniform_real_distribution<double> U(-1.0, 1.0);
    auto rv = [&](double scale) { std::vector<T> v(n); for (auto& x : v) x = (T)(U(rng) * scale); return v; };
    for (u32 flags = 0; flags < 16; ++flags) {
        for (int mom = 0; mom < 2; ++mom) {
            auto p = rv(1), g = rv(1), buf = rv(1);
            auto p2 = p, buf2 = buf;
            SgdParams<T> s{(T)-0.01, (T)0.001, (T)0.9, (T)0.75, flags};
            launch1(n, 128, [&] { sgd(p.data(), g.data(), mom ? buf.data() : nullptr, n, s); });
            for (u64 i = 0; i < n; ++i) {
                T gi = (flags & 2) ? -g[i] : g[i];
                if (flags & 1) gi = std::fma(s.weight_decay, p2[i], gi);
                if (mom) {
                    T b = (flags & 8) ? gi : std::fma(s.one_minus_dampening, gi, buf2[i] * s.momentum);
                    buf2[i] = b;
                    gi = (flags & 4) ? std::fma(s.momentum, b, gi) : b;
                }
                p2[i] = std::fma(s.neg_lr, gi, p2[i]);
                CHECK(same(p[i], p2[i]), "sgd flags %u mom %d elem %llu", flags, mom, (unsigned long long)i);
                if (mom) CHECK(same(buf[i], buf2[i]), "sgd buffer");
            }
        }
    }
    for (u32 flags = 0; flags < 4; ++flags) {
        for (int ams = 0; ams < 2; ++ams) {
            for (T b1 : {(T)0.1, (T)0.7}) {  // 1 - beta1 below and above 0.5: both lerp forms
                auto p = rv(1), g = rv(1), m = rv(0.1), v = rv(0.01), vm = rv(0.01);
                for (auto& x : v) x = std::fabs(x);
                for (auto& x : vm) x = std::fabs(x);
                auto p2 = p, m2 = m, v2 = v, vm2 = vm;
                AdamParams<T> s{(T)0.01, b1, (T)0.999, (T)0.001, (T)0.0316, (T)-0.0123, (T)1e-8, flags};
                launch1(n, 64, [&] { adam(p.data(), g.data(), m.data(), v.data(), ams ? vm.data() : nullptr, n, s); });
                for (u64 i = 0; i < n; ++i) {
                    T gi = (flags & 2) ? -g[i] : g[i];
                    if (flags & 1) gi = std::fma(s.weight_decay, p2[i], gi);
                    m2[i] = lerp_ref(m2[i], gi, s.one_minus_beta1);
                    v2[i] = std::fma(s.one_minus_beta2 * gi, gi, v2[i] * s.beta2);
                    T second = v2[i];
                    if (ams) { vm2[i] = r_max(vm2[i], v2[i]); second = vm2[i]; }
                    T denom = std::sqrt(second) / s.bias_correction2_sqrt + s.eps;
                    p2[i] = p2[i] + s.neg_step_size * m2[i] / denom;
                    CHECK(same(p[i], p2[i]) && same(m[i], m2[i]) && same(v[i], v2[i]) && (!ams || same(vm[i], vm2[i])),
                          "adam flags %u ams %d elem %llu", flags, ams, (unsigned long long)i);
                }
            }
        }
    }
    for (u32 flags = 0; flags < 4; ++flags) {
        for (int variant = 0; variant < 4; ++variant) {
            const bool centered = variant & 1, mom = variant & 2;
            for (T alpha : {(T)0.99, (T)0.2}) {
                auto p = rv(1), g = rv(1), sq = rv(0.01), ga = rv(0.01), buf = rv(0.1);
                for (auto& x : sq) x = std::fabs(x) + (T)0.01;
                auto p2 = p, sq2 = sq, ga2 = ga, buf2 = buf;
                RmspropParams<T> s{(T)-0.01, alpha, (T)1 - alpha, (T)1e-8, (T)0.01, (T)0.9, flags};
                launch1(n, 256, [&] { rms(p.data(), g.data(), sq.data(), centered ? ga.data() : nullptr, mom ? buf.data() : nullptr, n, s); });
                for (u64 i = 0; i < n; ++i) {
                    T gi = (flags & 2) ? -g[i] : g[i];
                    if (flags & 1) gi = std::fma(s.weight_decay, p2[i], gi);
                    sq2[i] = std::fma(s.one_minus_alpha * gi, gi, sq2[i] * s.alpha);
                    T avg;
                    if (centered) {
                        ga2[i] = lerp_ref(ga2[i], gi, s.one_minus_alpha);
                        avg = std::sqrt(std::fma(-ga2[i], ga2[i], sq2[i]));
                    } else {
                        avg = std::sqrt(sq2[i]);
                    }
                    avg = avg + s.eps;
                    if (mom) {
                        buf2[i] = buf2[i] * s.momentum + gi / avg;
                        p2[i] = std::fma(s.neg_lr, buf2[i], p2[i]);
                    } else {
                        p2[i] = p2[i] + s.neg_lr * gi / avg;
                    }
                    CHECK(same(p[i], p2[i]) && same(sq[i], sq2[i]) && (!centered || same(ga[i], ga2[i])) &&
                              (!mom || same(buf[i], buf2[i])),
                          "rmsprop flags %u variant %d elem %llu", flags, variant, (unsigned long long)i);
                }
            }
        }
    }
}

static void test_optim() {
    test_optim_t<float>(sgd_f32, adam_f32, rmsprop_f32);
    test_optim_t<double>(sgd_f64, adam_f64, rmsprop_f64);
}

// Softmax along each axis of a permuted rank-3 layout with lines shorter and longer than a
// block, against double references (the kernels' sums are trees: within rounding).
template <class T>
static void test_softmax_t(void (*sm)(const T*, Layout4, u32, T*, u64),
                           void (*lsm)(const T*, Layout4, u32, T*, u64),
                           void (*lse)(const T*, Layout4, u32, T*, u64),
                           void (*smb)(const T*, Layout4, const T*, Layout4, u32, T*, u64),
                           void (*lsmb)(const T*, Layout4, const T*, Layout4, u32, T*, u64)) {
    const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
    HL l = permute(contig({3, 70, 2}, 1), {1, 0, 2});  // dims {70, 3, 2}
    std::normal_distribution<double> normal;
    std::vector<T> X(l.span()), G(l.span());
    for (auto& v : X) v = (T)(normal(rng) * 20.0);
    for (auto& v : G) v = (T)normal(rng);
    const u64 n = l.numel();
    auto ix = l.indices();
    for (u32 axis = 0; axis < 3; ++axis) {
        const u64 size = l.dims[axis];
        u64 inner = 1;
        for (u32 d = axis + 1; d < 3; ++d) inner *= l.dims[d];
        const u64 lines = n / size;
        std::vector<T> o_sm(n), o_lsm(n), o_lse(lines + 1, T(5)), b_sm(n), b_lsm(n);
        // A block of 64 threads: the 70-long axis loops; a grid of 2 blocks loops over lines.
        auto run = [&](auto f) { emu::launch(dim3(2), dim3(64), f); };
        run([&] { sm(X.data(), l.l4(), axis, o_sm.data(), n); });
        run([&] { lsm(X.data(), l.l4(), axis, o_lsm.data(), n); });
        run([&] { lse(X.data(), l.l4(), axis, o_lse.data(), lines); });
        run([&] { smb(G.data(), l.l4(), o_sm.data(), contig(l.dims).l4(), axis, b_sm.data(), n); });
        run([&] { lsmb(G.data(), l.l4(), o_lsm.data(), contig(l.dims).l4(), axis, b_lsm.data(), n); });
        CHECK(o_lse[lines] == T(5), "logsumexp wrote past out_len");
        for (u64 r = 0; r < lines; ++r) {
            const u64 base = (r / inner) * size * inner + r % inner;
            double m = -INFINITY, sum = 0, gsum = 0, gy = 0;
            for (u64 j = 0; j < size; ++j) m = std::max(m, (double)X[ix[base + j * inner]]);
            for (u64 j = 0; j < size; ++j) sum += std::exp((double)X[ix[base + j * inner]] - m);
            for (u64 j = 0; j < size; ++j) {
                const u64 e = base + j * inner;
                gsum += (double)G[ix[e]];
                gy += (double)G[ix[e]] * std::exp((double)X[ix[e]] - m) / sum;
            }
            CHECK(std::abs(o_lse[r] - (std::log(sum) + m)) <= tol * (1 + std::abs(m)), "logsumexp axis %u line %llu", axis, (unsigned long long)r);
            for (u64 j = 0; j < size; ++j) {
                const u64 e = base + j * inner;
                const double x = X[ix[e]], p = std::exp(x - m) / sum, lp = x - m - std::log(sum);
                CHECK(std::abs(o_sm[e] - p) <= tol, "softmax axis %u elem %llu: %g vs %g", axis, (unsigned long long)e, dbl(o_sm[e]), p);
                CHECK(std::abs(o_lsm[e] - lp) <= tol * (1 + std::abs(lp)), "log_softmax axis %u elem %llu", axis, (unsigned long long)e);
                const double g = G[ix[e]];
                CHECK(std::abs(b_sm[e] - p * (g - gy)) <= 10 * tol, "softmax backward axis %u elem %llu", axis, (unsigned long long)e);
                CHECK(std::abs(b_lsm[e] - (g - p * gsum)) <= 10 * tol * (1 + std::abs(gsum)), "log_softmax backward axis %u", axis);
            }
        }
    }
    // NaN spreads over its line; all -inf gives logsumexp -inf; +inf gives +inf.
    const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
    std::vector<T> x = {nan, 1, -inf, -inf, inf, 0}, o(6), s(3);
    HL l2 = contig({3, 2});
    emu::launch(dim3(1), dim3(32), [&] { sm(x.data(), l2.l4(), 1, o.data(), 6); });
    emu::launch(dim3(1), dim3(32), [&] { lse(x.data(), l2.l4(), 1, s.data(), 3); });
    CHECK(o[0] != o[0] && o[1] != o[1], "softmax: NaN line");
    CHECK(s[0] != s[0] && s[1] == -inf && s[2] == inf, "logsumexp specials: %g %g %g", dbl(s[0]), dbl(s[1]), dbl(s[2]));
}

// gather/scatter_add along each axis of a transposed rank-3 input, with an index smaller
// than the input outside the axis (the kernel's general rule), against the definition.
static void test_gather_scatter() {
    HL lx = permute(contig({4, 3, 5}), {2, 1, 0});  // dims {5, 3, 4}
    auto X = small_ints<float>(lx.span(), -50, 50);
    auto ixs = lx.indices();
    for (u32 axis = 0; axis < 3; ++axis) {
        std::vector<u64> id = {4, 2, 3};
        id[axis] = 6;
        HL li = contig(id);
        const u64 n = li.numel();
        auto I = small_ints<i64>(n, 0, (int)lx.dims[axis] - 1);
        auto S = small_ints<float>(n, -9, 9);
        std::vector<float> out(n + 1, 99.f), acc(lx.numel(), 0.f), want(lx.numel());
        launch1(n, 64, [&] { gather_f32(X.data(), lx.l4(), axis, I.data(), li.l4(), out.data(), n); });
        for (u64 d = 0; d < lx.numel(); ++d) { acc[d] = X[ixs[d]]; want[d] = acc[d]; }
        HL lo = contig(lx.dims);
        launch1(n, 64, [&] { scatter_add_f32(acc.data(), lo.l4(), axis, I.data(), li.l4(), S.data(), li.l4()); });
        for (u64 i = 0; i < n; ++i) {
            u64 c[3] = {i / (id[1] * id[2]), (i / id[2]) % id[1], i % id[2]};
            c[axis] = (u64)I[i];
            const u64 pos = (c[0] * lx.dims[1] + c[1]) * lx.dims[2] + c[2];
            CHECK(same(out[i], X[ixs[pos]]), "gather axis %u elem %llu", axis, (unsigned long long)i);
            want[pos] += S[i];
        }
        CHECK(same(out[n], 99.f), "gather wrote past out_len");
        for (u64 d = 0; d < lx.numel(); ++d) CHECK(same(acc[d], want[d]), "scatter_add axis %u elem %llu", axis, (unsigned long long)d);
    }
    // An out-of-range index gathers 0 and scatters nothing; bools gather as bytes.
    std::vector<float> x = {1, 2, 3}, o(2), acc = {0, 0, 0}, s = {5, 7};
    std::vector<i64> idx = {3, 1};
    std::vector<u8> xb = {0, 1, 1}, ob(2);
    HL l3 = contig({3}), l2 = contig({2});
    launch1(2, 32, [&] { gather_f32(x.data(), l3.l4(), 0, idx.data(), l2.l4(), o.data(), 2); });
    launch1(2, 32, [&] { gather_bool(xb.data(), l3.l4(), 0, idx.data(), l2.l4(), ob.data(), 2); });
    launch1(2, 32, [&] { scatter_add_f32(acc.data(), l3.l4(), 0, idx.data(), l2.l4(), s.data(), l2.l4()); });
    CHECK(o[0] == 0 && o[1] == 2 && ob[1] == 1, "gather out of range");
    CHECK(acc[0] == 0 && acc[1] == 7 && acc[2] == 0, "scatter_add out of range skipped");
    std::vector<i64> ai = {INT64_MAX, 0, 0}, si = {1, 1};
    std::vector<i64> two = {0, 0};
    launch1(2, 32, [&] { scatter_add_i64(ai.data(), l3.l4(), 0, two.data(), l2.l4(), si.data(), l2.l4()); });
    CHECK(ai[0] == INT64_MIN + 1, "scatter_add i64 wraps");
}

static void test_softmax() {
    test_softmax_t<float>(softmax_softmax_f32, softmax_log_softmax_f32, softmax_logsumexp_f32,
                          softmax_softmax_backward_f32, softmax_log_softmax_backward_f32);
    test_softmax_t<double>(softmax_softmax_f64, softmax_log_softmax_f64, softmax_logsumexp_f64,
                           softmax_softmax_backward_f64, softmax_log_softmax_backward_f64);
}

// ---- conv and pool (kernels/conv.cu, kernels/pool.cu; src/ops/{conv,pool}/cpu.rs)

// A window over [n, c, h, w]: kernel, stride, padding, dilation per dimension; the output
// size by PyTorch's formula.
static Win2d make_win(u64 n, u64 c, u64 h, u64 w, u64 kh, u64 kw, u64 sh, u64 sw, u64 ph, u64 pw, u64 dh, u64 dw) {
    Win2d win{n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, 0, 0};
    win.oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
    win.ow = (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
    return win;
}
static std::vector<Win2d> windows() {
    return {
        make_win(2, 3, 7, 6, 3, 3, 1, 1, 0, 0, 1, 1),  // plain
        make_win(2, 2, 9, 8, 3, 2, 2, 1, 1, 2, 1, 2),  // stride, padding, dilation mixed
        make_win(1, 4, 5, 5, 2, 2, 2, 2, 0, 0, 1, 1),  // LeNet's pooling window
        make_win(3, 1, 11, 10, 3, 3, 3, 2, 1, 1, 2, 2), // dilated, strided, padded
        make_win(1, 2, 1, 9, 1, 3, 1, 2, 0, 1, 1, 1),  // 1-D (h = kh = 1)
    };
}
// The input layout of a window: contiguous, or [n, c, h, w] read from an [n, w, c, h]
// storage (every stride other than 1 somewhere), with an offset.
static HL window_input(const Win2d& win, bool strided) {
    if (!strided) return contig({win.n, win.c, win.h, win.w}, 2);
    return permute(contig({win.n, win.w, win.c, win.h}, 5), {0, 2, 3, 1});
}
// Input position o * s + k * d - p, or -1 in the padding.
static long long pos_of(u64 o, u64 s, u64 k, u64 d, u64 p, u64 size) {
    long long t = (long long)(o * s + k * d) - (long long)p;
    return (t < 0 || t >= (long long)size) ? -1 : t;
}

template <class T>
static void test_conv_t(const char* name,
                        void (*unfold)(const T*, Layout4, Win2d, T*, u64),
                        void (*fold)(const T*, Layout4, Win2d, T*, u64),
                        void (*output)(const T*, Layout4, const T*, Layout4, T*, u64)) {
    for (const Win2d& win : windows()) {
        for (int strided = 0; strided < 2; ++strided) {
            HL lx = window_input(win, strided);
            std::vector<T> X = small_ints<T>(lx.span(), -9, 9);
            const auto xi = lx.indices();
            const u64 rows = win.c * win.kh * win.kw, ncols = win.n * win.oh * win.ow;
            // unfold against the definition.
            std::vector<T> cols(rows * ncols, T(-77));
            launch1(cols.size(), 96, [&] { unfold(X.data(), lx.l4(), win, cols.data(), cols.size()); });
            for (u64 r = 0; r < rows; ++r)
                for (u64 col = 0; col < ncols; ++col) {
                    const u64 j = r % win.kw, i = r / win.kw % win.kh, c = r / (win.kw * win.kh);
                    const u64 ox = col % win.ow, oy = col / win.ow % win.oh, n = col / (win.ow * win.oh);
                    const long long iy = pos_of(oy, win.sh, i, win.dh, win.ph, win.h);
                    const long long ix = pos_of(ox, win.sw, j, win.dw, win.pw, win.w);
                    const T want = (iy < 0 || ix < 0) ? T(0)
                        : X[xi[((n * win.c + c) * win.h + (u64)iy) * win.w + (u64)ix]];
                    CHECK(same(cols[r * ncols + col], want), "%s unfold row %llu col %llu", name,
                          (unsigned long long)r, (unsigned long long)col);
                }
            // fold: the CPU's scatter, rows in order; cols read through a transposed layout.
            HL lc = strided ? permute(contig({ncols, rows}, 1), {1, 0}) : contig({rows, ncols});
            std::vector<T> C = small_ints<T>(lc.span(), -5, 5);
            const auto ci = lc.indices();
            std::vector<T> want(win.n * win.c * win.h * win.w, T(0)), got(want.size(), T(-77));
            for (u64 r = 0; r < rows; ++r)
                for (u64 col = 0; col < ncols; ++col) {
                    const u64 j = r % win.kw, i = r / win.kw % win.kh, c = r / (win.kw * win.kh);
                    const u64 ox = col % win.ow, oy = col / win.ow % win.oh, n = col / (win.ow * win.oh);
                    const long long iy = pos_of(oy, win.sh, i, win.dh, win.ph, win.h);
                    const long long ix = pos_of(ox, win.sw, j, win.dw, win.pw, win.w);
                    if (iy >= 0 && ix >= 0) want[((n * win.c + c) * win.h + (u64)iy) * win.w + (u64)ix] += C[ci[r * ncols + col]];
                }
            launch1(got.size(), 64, [&] { fold(C.data(), lc.l4(), win, got.data(), got.size()); });
            for (size_t e = 0; e < want.size(); ++e)
                CHECK(same(got[e], want[e]), "%s fold element %zu", name, e);
        }
    }
    // conv_output: [oc, n, l] (contiguous or transposed) to [n, oc, l], with and without bias.
    for (int strided = 0; strided < 2; ++strided) {
        const u64 oc = 5, n = 3, l = 7;
        HL ly = strided ? permute(contig({l, n, oc}, 1), {2, 1, 0}) : contig({oc, n, l});
        HL lb; lb.dims = {oc}; lb.strides = {2}; lb.offset = 1;
        std::vector<T> Y = small_ints<T>(ly.span(), -9, 9), B = small_ints<T>(lb.span(), -9, 9);
        const auto yi = ly.indices(), bi = lb.indices();
        for (int bias = 0; bias < 2; ++bias) {
            std::vector<T> got(oc * n * l, T(-77));
            launch1(got.size(), 32, [&] {
                output(Y.data(), ly.l4(), bias ? B.data() : nullptr, lb.l4(), got.data(), got.size());
            });
            for (u64 b = 0; b < n; ++b)
                for (u64 o = 0; o < oc; ++o)
                    for (u64 t = 0; t < l; ++t) {
                        T want = Y[yi[(o * n + b) * l + t]];
                        if (bias) want = want + B[bi[o]];
                        CHECK(same(got[(b * oc + o) * l + t], want), "%s conv_output bias %d", name, bias);
                    }
        }
    }
    // A layout that disagrees with the window writes nothing.
    {
        Win2d win = windows()[0];
        HL lx = contig({win.n, win.c, win.h + 1, win.w});
        std::vector<T> X(lx.span(), T(1)), out(win.c * win.kh * win.kw * win.n * win.oh * win.ow, T(-77));
        launch1(out.size(), 64, [&] { unfold(X.data(), lx.l4(), win, out.data(), out.size()); });
        CHECK(same(out[0], T(-77)), "%s unfold with mismatched dims must not write", name);
    }
}

// The CPU's average-pool window and divisions (src/ops/pool/cpu.rs).
static void r_avg_range(u64 o, u64 out, u64 size, u64 k, u64 s, u64 p, bool adaptive, u64& lo, u64& hi) {
    if (adaptive) { lo = o * size / out; hi = ((o + 1) * size + out - 1) / out; return; }
    const long long a = (long long)(o * s) - (long long)p, b = a + (long long)k;
    lo = (u64)std::max(a, 0ll);
    hi = (u64)std::min(std::max(b, 0ll), (long long)size);
}
template <class T> T r_avg_div(T sum, const Win2d& win, bool adaptive, u64 ny, u64 nx) {
    return adaptive ? sum / (T)ny / (T)nx : sum / (T)(win.kh * win.kw);
}

template <class T>
static void test_pool_t(const char* name, void (*pmax)(const T*, Layout4, Win2d, T*, i64*, u64),
                        void (*pmax_back)(const T*, Layout4, const i64*, Layout4, Win2d, T*, u64),
                        void (*pavg)(const T*, Layout4, Win2d, u32, T*, u64),
                        void (*pavg_back)(const T*, Layout4, Win2d, u32, T*, u64)) {
    const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
    auto windows_and_adaptive = windows();
    windows_and_adaptive.push_back(Win2d{2, 2, 7, 5, 1, 1, 1, 1, 0, 0, 1, 1, 3, 2});  // adaptive 7x5 -> 3x2
    windows_and_adaptive.push_back(Win2d{1, 2, 3, 4, 1, 1, 1, 1, 0, 0, 1, 1, 5, 6});  // adaptive, up
    for (size_t wi = 0; wi < windows_and_adaptive.size(); ++wi) {
        const Win2d win = windows_and_adaptive[wi];
        const bool adaptive_only = wi >= windows().size();
        for (int strided = 0; strided < 2; ++strided) {
            HL lx = window_input(win, strided);
            // Small integers with ties, a few NaNs and -infs: the pick rules matter.
            std::vector<T> X = random_vec<T>(lx.span(), {T(0), T(1), T(-2), T(3), T(3), T(-5), T(7), nan, -inf, T(2)});
            const auto xi = lx.indices();
            const u64 planes = win.n * win.c, nout = planes * win.oh * win.ow;
            auto x_at = [&](u64 p, u64 iy, u64 ix) { return X[xi[(p * win.h + iy) * win.w + ix]]; };
            HL lg = strided ? permute(contig({win.n, win.ow, win.c, win.oh}, 3), {0, 2, 3, 1})
                            : contig({win.n, win.c, win.oh, win.ow});
            std::vector<T> G = small_ints<T>(lg.span(), -6, 6);
            const auto gi = lg.indices();
            if (!adaptive_only) {
                std::vector<T> vals(nout, T(-77));
                std::vector<i64> idx(nout, -77);
                launch1(nout, 64, [&] { pmax(X.data(), lx.l4(), win, vals.data(), idx.data(), nout); });
                std::vector<i64> want_idx(nout);
                for (u64 p = 0; p < planes; ++p)
                    for (u64 oy = 0; oy < win.oh; ++oy)
                        for (u64 ox = 0; ox < win.ow; ++ox) {
                            T best = -inf;
                            long long pick = -1;
                            for (u64 i = 0; i < win.kh; ++i) {
                                const long long iy = pos_of(oy, win.sh, i, win.dh, win.ph, win.h);
                                if (iy < 0) continue;
                                for (u64 j = 0; j < win.kw; ++j) {
                                    const long long ix = pos_of(ox, win.sw, j, win.dw, win.pw, win.w);
                                    if (ix < 0) continue;
                                    if (pick < 0) pick = iy * (long long)win.w + ix;
                                    const T v = x_at(p, (u64)iy, (u64)ix);
                                    if (v > best || v != v) { best = v; pick = iy * (long long)win.w + ix; }
                                }
                            }
                            const u64 o = (p * win.oh + oy) * win.ow + ox;
                            want_idx[o] = pick;
                            CHECK(same(vals[o], best) && idx[o] == pick, "%s max window %zu out %llu", name, wi,
                                  (unsigned long long)o);
                        }
                // Backward with the indices read through the gradient's layout.
                HL li = lg;
                std::vector<i64> I(li.span(), 0);
                const auto ii = li.indices();
                for (u64 o = 0; o < nout; ++o) I[ii[o]] = want_idx[o];
                std::vector<T> want(planes * win.h * win.w, T(0)), got(want.size(), T(-77));
                for (u64 o = 0; o < nout; ++o) want[o / (win.oh * win.ow) * win.h * win.w + (u64)want_idx[o]] += G[gi[o]];
                launch1(got.size(), 64, [&] { pmax_back(G.data(), lg.l4(), I.data(), li.l4(), win, got.data(), got.size()); });
                for (size_t e = 0; e < want.size(); ++e) CHECK(same(got[e], want[e]), "%s max backward window %zu elem %zu", name, wi, e);
            }
            // Average pools: finite inputs (a NaN would make every comparison vacuous).
            std::vector<T> F = small_ints<T>(lx.span(), -9, 9);
            for (int adaptive = 0; adaptive < 2; ++adaptive) {
                if (adaptive_only && !adaptive) continue;
                if (!adaptive && (win.dh != 1 || win.dw != 1)) continue;
                std::vector<T> got(nout, T(-77));
                launch1(nout, 64, [&] { pavg(F.data(), lx.l4(), win, (u32)adaptive, got.data(), nout); });
                std::vector<T> want_back(planes * win.h * win.w, T(0)), got_back(want_back.size(), T(-77));
                for (u64 p = 0; p < planes; ++p)
                    for (u64 oy = 0; oy < win.oh; ++oy)
                        for (u64 ox = 0; ox < win.ow; ++ox) {
                            u64 y0, y1, x0, x1;
                            r_avg_range(oy, win.oh, win.h, win.kh, win.sh, win.ph, adaptive, y0, y1);
                            r_avg_range(ox, win.ow, win.w, win.kw, win.sw, win.pw, adaptive, x0, x1);
                            T sum = T(0);
                            for (u64 iy = y0; iy < y1; ++iy)
                                for (u64 ix = x0; ix < x1; ++ix) sum += F[xi[(p * win.h + iy) * win.w + ix]];
                            const u64 o = (p * win.oh + oy) * win.ow + ox;
                            CHECK(same(got[o], r_avg_div(sum, win, adaptive, y1 - y0, x1 - x0)),
                                  "%s avg (adaptive %d) window %zu out %llu", name, adaptive, wi, (unsigned long long)o);
                            const T share = r_avg_div(G[gi[o]], win, adaptive, y1 - y0, x1 - x0);
                            for (u64 iy = y0; iy < y1; ++iy)
                                for (u64 ix = x0; ix < x1; ++ix) want_back[(p * win.h + iy) * win.w + ix] += share;
                        }
                launch1(got_back.size(), 64, [&] { pavg_back(G.data(), lg.l4(), win, (u32)adaptive, got_back.data(), got_back.size()); });
                for (size_t e = 0; e < want_back.size(); ++e)
                    CHECK(same(got_back[e], want_back[e]), "%s avg backward (adaptive %d) window %zu elem %zu", name, adaptive, wi, e);
            }
        }
    }
}

static void test_conv() {
    test_conv_t<float>("f32", conv_unfold_f32, conv_fold_f32, conv_output_f32);
    test_conv_t<double>("f64", conv_unfold_f64, conv_fold_f64, conv_output_f64);
}

static void test_pool() {
    test_pool_t<float>("f32", pool_max_f32, pool_max_backward_f32, pool_avg_f32, pool_avg_backward_f32);
    test_pool_t<double>("f64", pool_max_f64, pool_max_backward_f64, pool_avg_f64, pool_avg_backward_f64);
}

int main() {
    struct { const char* name; void (*f)(); } suites[] = {
        {"binary", test_binary}, {"unary", test_unary}, {"compare", test_compare},
        {"copy", test_copy},     {"index", test_index}, {"matmul", test_matmul},
        {"reduce", test_reduce}, {"optim", test_optim}, {"softmax", test_softmax},
        {"gather_scatter", test_gather_scatter}, {"conv", test_conv}, {"pool", test_pool},
    };
    int passed = 0, failed = 0;
    for (auto& s : suites) {
        const int before = failures;
        s.f();
        if (failures == before) {
            ++passed;
            std::printf("emu %s: ok\n", s.name);
        } else {
            ++failed;
            std::printf("emu %s: FAILED (%d checks)\n", s.name, failures - before);
        }
    }
    std::printf("%d checks\n%d passed, %d failed\n", checks, passed, failed);
    return failed == 0 ? 0 : 1;
}
