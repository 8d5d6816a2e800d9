// An emulated CUDA driver: a `libcuda.so.1` whose kernels are kernels/*.cu compiled for the
// host under the fiber emulation (emu.h), so the Rust CUDA backend (src/device/cuda_rt) runs
// its real launch code, parameter lists, layouts and launch configurations on a machine
// without a GPU. Built by scripts/cuda/emu_driver.sh; scripts/cuda/emu_rust_test.sh runs
// the device test suite (tests/devices.rs) against it. A test tool, never a driver.
//
// It implements the driver calls the backend makes (through cust 0.3.2): cuInit, device
// queries, the primary context, streams, module load and function lookup, allocation,
// synchronous copies and cuLaunchKernel, and checks what a real GPU would only show as a
// fault or corruption:
//   * launch configurations the driver refuses (a zero grid dimension, grid y/z > 65535,
//     more than 1024 threads): CUDA_ERROR_INVALID_VALUE, as the driver;
//   * a kernel looked up in a module whose PTX does not declare it: CUDA_ERROR_NOT_FOUND;
//   * every pointer parameter null or inside a live allocation, every copy inside its
//     allocations: else CUDA_ERROR_ILLEGAL_ADDRESS / CUDA_ERROR_INVALID_VALUE, with a
//     message on stderr;
//   * guard zones around every allocation, checked after each launch and at each free: a
//     kernel writing past its buffer aborts the process with a message;
//   * a call on a thread where the context is not current: CUDA_ERROR_INVALID_CONTEXT, as
//     the driver; a free there (which the driver refuses, leaking the buffer) aborts.
// Everything else in the driver API returns CUDA_ERROR_NO_DEVICE (the stub's bodies).
// EMU_DRIVER_TRACE=1 prints every launch (kernel, grid, block) on stderr.
// Launches, copies and allocations are serialised by one mutex (the emulation is
// single-threaded); kernels run synchronously, so streams are trivially ordered.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "emu.h"
#include "driver_reg.h"

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum : CUresult {
    OK = 0,
    INVALID_VALUE = 1,
    NO_DEVICE = 100,
    INVALID_DEVICE = 101,
    INVALID_CONTEXT = 201,
    INVALID_HANDLE = 400,
    NOT_FOUND = 500,
    ILLEGAL_ADDRESS = 700,
};

namespace {

std::mutex lock;

// Kernels by name, from the generated registration units.
std::map<std::string, const emu_drv::Entry*>& registry() {
    static std::map<std::string, const emu_drv::Entry*> r;
    return r;
}

// A loaded module: the entry names its PTX declares.
struct Module {
    std::set<std::string> entries;
};

const size_t GUARD = 256;  // bytes on each side; keeps the base 256-byte aligned
const unsigned char PATTERN = 0xA5;

struct Allocation {
    unsigned char* raw;
    size_t size;
};
// By base address (the pointer handed out).
std::map<uintptr_t, Allocation> allocations;

int the_context;  // the primary context's handle is its address
thread_local bool context_current = false;

bool guards_intact(uintptr_t base, const Allocation& a) {
    const unsigned char* lo = a.raw;
    const unsigned char* hi = reinterpret_cast<unsigned char*>(base) + a.size;
    for (size_t i = 0; i < GUARD; ++i)
        if (lo[i] != PATTERN || hi[i] != PATTERN) return false;
    return true;
}

void check_all_guards(const char* after) {
    for (auto& [base, a] : allocations) {
        if (!guards_intact(base, a)) {
            std::fprintf(stderr,
                         "emu driver: memory past an allocation of %zu bytes at %#llx was "
                         "overwritten (after %s)\n",
                         a.size, (unsigned long long)base, after);
            std::abort();
        }
    }
}

// Whether [p, p + n) lies inside one live allocation (n = 0: p itself, or one past the end).
bool range_ok(uintptr_t p, size_t n) {
    auto it = allocations.upper_bound(p);
    if (it == allocations.begin()) return false;
    --it;
    const uintptr_t base = it->first;
    const size_t size = it->second.size;
    return p >= base && p - base <= size && n <= size - (p - base);
}

}  // namespace

namespace emu_drv {

bool pointer_ok(const void* p) {
    if (p == nullptr) return true;
    const uintptr_t a = reinterpret_cast<uintptr_t>(p);
    return range_ok(a, 0) && range_ok(a, 1);
}

void register_family(const char*, const Entry* entries, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) registry()[entries[i].name] = &entries[i];
}

}  // namespace emu_drv

#define REQUIRE_CONTEXT() \
    if (!context_current) return INVALID_CONTEXT

extern "C" {

CUresult cuGetErrorString(int, const char** s) {
    if (s) *s = "error from the typetensor emulated CUDA driver (kernels/emu/driver.cpp)";
    return OK;
}
CUresult cuGetErrorName(int, const char** s) {
    if (s) *s = "CUDA_ERROR_EMULATED";
    return OK;
}

CUresult cuInit(unsigned) { return OK; }
CUresult cuDriverGetVersion(int* v) {
    if (v) *v = 12000;
    return OK;
}
CUresult cuDeviceGetCount(int* n) {
    *n = 1;
    return OK;
}
CUresult cuDeviceGet(int* dev, int ordinal) {
    if (ordinal != 0) return INVALID_DEVICE;
    *dev = 0;
    return OK;
}
CUresult cuDeviceGetName(char* name, int len, int dev) {
    if (dev != 0) return INVALID_DEVICE;
    std::snprintf(name, (size_t)len, "typetensor emulated GPU (host fibers)");
    return OK;
}
CUresult cuDevicePrimaryCtxRetain(void** ctx, int dev) {
    if (dev != 0) return INVALID_DEVICE;
    *ctx = &the_context;
    return OK;
}
CUresult cuDevicePrimaryCtxRelease_v2(int) { return OK; }
CUresult cuCtxSetCurrent(void* ctx) {
    context_current = ctx == &the_context;
    return OK;
}
CUresult cuCtxSynchronize() {
    REQUIRE_CONTEXT();
    return OK;
}

CUresult cuStreamCreateWithPriority(void** stream, unsigned, int) {
    REQUIRE_CONTEXT();
    static int stream_object;
    *stream = &stream_object;
    return OK;
}
CUresult cuStreamSynchronize(void*) {
    REQUIRE_CONTEXT();
    return OK;
}
CUresult cuStreamDestroy_v2(void*) { return OK; }

CUresult cuModuleLoadDataEx(void** module, const void* image, unsigned, void*, void**) {
    REQUIRE_CONTEXT();
    const std::string ptx(static_cast<const char*>(image));
    auto* m = new Module;
    const std::string tag = ".visible .entry ";
    for (size_t at = ptx.find(tag); at != std::string::npos; at = ptx.find(tag, at + 1)) {
        const size_t start = at + tag.size();
        const size_t end = ptx.find('(', start);
        m->entries.insert(ptx.substr(start, end - start));
    }
    if (m->entries.empty()) {
        delete m;
        return 218;  // CUDA_ERROR_INVALID_PTX
    }
    *module = m;
    return OK;
}
CUresult cuModuleUnload(void* module) {
    delete static_cast<Module*>(module);
    return OK;
}
CUresult cuModuleGetFunction(void** function, void* module, const char* name) {
    REQUIRE_CONTEXT();
    auto* m = static_cast<Module*>(module);
    if (!m || !m->entries.count(name)) return NOT_FOUND;
    auto it = registry().find(name);
    if (it == registry().end()) {
        std::fprintf(stderr, "emu driver: kernel %s is in the PTX but not emulated\n", name);
        return NOT_FOUND;
    }
    *function = const_cast<emu_drv::Entry*>(it->second);
    return OK;
}

CUresult cuMemAlloc_v2(CUdeviceptr* dptr, size_t size) {
    REQUIRE_CONTEXT();
    std::lock_guard<std::mutex> g(lock);
    if (size == 0) return INVALID_VALUE;
    // The emulated GPU has 16 GiB: a larger request is out of memory, as on a GPU (and the
    // host is never asked to commit it).
    if (size > (16ull << 30)) return 2;  // CUDA_ERROR_OUT_OF_MEMORY
    const size_t total = (size + 2 * GUARD + 255) / 256 * 256;
    auto* raw = static_cast<unsigned char*>(std::aligned_alloc(256, total));
    if (!raw) return 2;  // CUDA_ERROR_OUT_OF_MEMORY
    std::memset(raw, PATTERN, GUARD);
    // Fresh memory holds garbage, as on the GPU: a read of unwritten elements shows.
    std::memset(raw + GUARD, 0x7F, size);
    std::memset(raw + GUARD + size, PATTERN, GUARD);
    const uintptr_t base = reinterpret_cast<uintptr_t>(raw + GUARD);
    allocations[base] = Allocation{raw, size};
    *dptr = base;
    return OK;
}

CUresult cuMemFree_v2(CUdeviceptr dptr) {
    std::lock_guard<std::mutex> g(lock);
    if (!context_current) {
        // The driver would return CUDA_ERROR_INVALID_CONTEXT and the memory would leak
        // silently (cust ignores errors on drop): make it loud.
        std::fprintf(stderr,
                     "emu driver: cuMemFree on a thread where the context is not current "
                     "(a real driver leaks the buffer)\n");
        std::abort();
    }
    auto it = allocations.find((uintptr_t)dptr);
    if (it == allocations.end()) {
        std::fprintf(stderr, "emu driver: cuMemFree of %#llx, not an allocation\n", dptr);
        return INVALID_VALUE;
    }
    if (!guards_intact(it->first, it->second)) {
        std::fprintf(stderr, "emu driver: memory past an allocation was overwritten (free)\n");
        std::abort();
    }
    std::free(it->second.raw);
    allocations.erase(it);
    return OK;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t n) {
    REQUIRE_CONTEXT();
    std::lock_guard<std::mutex> g(lock);
    if (!range_ok((uintptr_t)dst, n)) {
        std::fprintf(stderr, "emu driver: copy to the device outside an allocation\n");
        return INVALID_VALUE;
    }
    std::memcpy(reinterpret_cast<void*>(dst), src, n);
    return OK;
}
CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t n) {
    REQUIRE_CONTEXT();
    std::lock_guard<std::mutex> g(lock);
    if (!range_ok((uintptr_t)src, n)) {
        std::fprintf(stderr, "emu driver: copy from the device outside an allocation\n");
        return INVALID_VALUE;
    }
    std::memcpy(dst, reinterpret_cast<const void*>(src), n);
    return OK;
}
CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n) {
    REQUIRE_CONTEXT();
    std::lock_guard<std::mutex> g(lock);
    if (!range_ok((uintptr_t)dst, n) || !range_ok((uintptr_t)src, n)) {
        std::fprintf(stderr, "emu driver: device copy outside an allocation\n");
        return INVALID_VALUE;
    }
    std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), n);
    return OK;
}

CUresult cuLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                        unsigned by, unsigned bz, unsigned shared, void* stream,
                        void** params, void** extra) {
    (void)stream;
    REQUIRE_CONTEXT();
    std::lock_guard<std::mutex> g(lock);
    auto* e = static_cast<const emu_drv::Entry*>(function);
    if (!e) return INVALID_HANDLE;
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0 || gy > 65535 ||
        gz > 65535 || (unsigned long long)bx * by * bz > 1024 || bz > 64 || shared != 0 ||
        extra != nullptr || (e->nparams > 0 && params == nullptr)) {
        std::fprintf(stderr,
                     "emu driver: %s: launch refused (grid %u,%u,%u block %u,%u,%u)\n",
                     e->name, gx, gy, gz, bx, by, bz);
        return INVALID_VALUE;
    }
    const int bad = e->validate(params);
    if (bad >= 0) {
        std::fprintf(stderr, "emu driver: %s: parameter %d is not a device allocation\n",
                     e->name, bad);
        return ILLEGAL_ADDRESS;
    }
    static const bool trace = std::getenv("EMU_DRIVER_TRACE") != nullptr;
    if (trace)
        std::fprintf(stderr, "emu driver: %s grid %u,%u,%u block %u\n", e->name, gx, gy, gz, bx);
    emu::launch(dim3(gx, gy, gz), dim3(bx, by, bz), [&] { e->invoke(params); });
    check_all_guards(e->name);
    return OK;
}

}  // extern "C"
