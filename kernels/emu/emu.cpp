// The fiber scheduler behind emu.h.
#define EMU_IMPL
#include "emu.h"

#include <algorithm>

namespace emu {
uint3 threadIdx, blockIdx;
dim3 blockDim, gridDim;

namespace {
enum State { READY, AT_SYNC, AT_WARP, DONE };
struct Fiber {
    ucontext_t ctx;
    std::vector<char> stack;
    uint3 tid;
    unsigned linear;
    State state;
};
ucontext_t sched_ctx;
std::vector<Fiber>* fibers = nullptr;
Fiber* current = nullptr;
const std::function<void()>* body = nullptr;
uint64_t warp_slots[32][32];  // [warp][lane]

void trampoline() {
    (*body)();
    current->state = DONE;
    swapcontext(&current->ctx, &sched_ctx);
}

void yield(State s) {
    current->state = s;
    swapcontext(&current->ctx, &sched_ctx);
}
}  // namespace

void syncthreads() { yield(AT_SYNC); }

uint64_t shfl_down_bits(uint64_t bits, int offset) {
    const unsigned lane = current->linear & 31, warp = current->linear >> 5;
    warp_slots[warp][lane] = bits;
    yield(AT_WARP);  // every lane has written
    const unsigned src = lane + offset;
    // Lanes past the warp (or past the block) keep their own value, as on the GPU.
    uint64_t r = (src < 32 && warp * 32 + src < blockDim.x * blockDim.y * blockDim.z)
                     ? warp_slots[warp][src]
                     : bits;
    yield(AT_WARP);  // every lane has read before the slots are reused
    return r;
}

// TYPETENSOR_EMU_ORDER=reverse runs the blocks of a launch, and the threads of a block
// between barriers, last to first. A kernel that is right on a GPU gives the same result in
// either order; one that depends on the order (a read of another thread's write without a
// barrier between them, two blocks writing one element without an atomic) differs, and
// the tests, run in both orders, catch it.
namespace {
bool reverse_order() {
    static const bool rev = [] {
        const char* v = std::getenv("TYPETENSOR_EMU_ORDER");
        return v != nullptr && std::strcmp(v, "reverse") == 0;
    }();
    return rev;
}

// The `i`-th of `n` blocks in the launch's order.
unsigned nth(unsigned i, unsigned n) { return reverse_order() ? n - 1 - i : i; }
}  // namespace

void launch(dim3 grid, dim3 block, const std::function<void()>& kernel) {
    const unsigned nthreads = block.x * block.y * block.z;
    if (nthreads == 0 || nthreads > 1024 || grid.x == 0 || grid.y == 0 || grid.z == 0) {
        std::fprintf(stderr, "emu: invalid launch configuration\n");
        std::abort();
    }
    gridDim = grid;
    blockDim = block;
    body = &kernel;
    // Fibers and their stacks are kept across launches: allocating (and faulting in) a
    // fresh stack per thread per launch dominated the run time.
    static std::vector<Fiber> pool;
    if (pool.size() < nthreads) pool.resize(nthreads);
    std::vector<Fiber>& fs = pool;
    fibers = &fs;
    for (unsigned iz = 0; iz < grid.z; ++iz)
        for (unsigned iy = 0; iy < grid.y; ++iy)
            for (unsigned ix = 0; ix < grid.x; ++ix) {
                blockIdx = {nth(ix, grid.x), nth(iy, grid.y), nth(iz, grid.z)};
                for (unsigned t = 0; t < fs.size(); ++t) fs[t].state = DONE;
                for (unsigned t = 0; t < nthreads; ++t) {
                    Fiber& f = fs[t];
                    f.linear = t;
                    f.tid = {t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
                    f.state = READY;
                    if (f.stack.empty()) f.stack.resize(128 * 1024);
                    getcontext(&f.ctx);
                    f.ctx.uc_stack.ss_sp = f.stack.data();
                    f.ctx.uc_stack.ss_size = f.stack.size();
                    f.ctx.uc_link = nullptr;
                    makecontext(&f.ctx, trampoline, 0);
                }
                // Releases warp `w` if every live lane has reached its warp barrier.
                auto release_warp = [&](unsigned w) {
                    bool any = false, all = true;
                    for (unsigned t = w * 32; t < nthreads && t < w * 32 + 32; ++t) {
                        if (fs[t].state == DONE) continue;
                        any = true;
                        if (fs[t].state != AT_WARP) all = false;
                    }
                    if (!(any && all)) return false;
                    for (unsigned t = w * 32; t < nthreads && t < w * 32 + 32; ++t)
                        if (fs[t].state == AT_WARP) fs[t].state = READY;
                    return true;
                };
                auto run = [&](Fiber& f) {
                    current = &f;
                    threadIdx = f.tid;
                    swapcontext(&sched_ctx, &f.ctx);
                };
                const unsigned nwarps = (nthreads + 31) / 32;
                for (;;) {
                    bool ran = false, released = false;
                    if (reverse_order()) {
                        // Each warp, last first, runs as far as it can (through its warp
                        // barriers, up to the next block barrier) before the next starts:
                        // a schedule a GPU may pick, and the one furthest from lockstep.
                        for (unsigned i = 0; i < nwarps; ++i) {
                            const unsigned w = nwarps - 1 - i;
                            for (;;) {
                                bool ran_w = false;
                                for (unsigned t = std::min(nthreads, w * 32 + 32); t-- > w * 32;)
                                    if (fs[t].state == READY) {
                                        run(fs[t]);
                                        ran = ran_w = true;
                                    }
                                if (!release_warp(w) && !ran_w) break;
                            }
                        }
                    } else {
                        for (unsigned t = 0; t < nthreads; ++t)
                            if (fs[t].state == READY) {
                                run(fs[t]);
                                ran = true;
                            }
                        // Warp barriers: release a warp whose live lanes all arrived.
                        for (unsigned w = 0; w < nwarps; ++w) released |= release_warp(w);
                    }
                    if (released) continue;
                    // Block barrier: release when every live thread arrived.
                    bool any = false, all = true, done = true;
                    for (auto& f : fs) {
                        if (f.state == DONE) continue;
                        done = false;
                        any = true;
                        if (f.state != AT_SYNC) all = false;
                    }
                    if (done) break;
                    if (any && all) {
                        for (auto& f : fs)
                            if (f.state == AT_SYNC) f.state = READY;
                        continue;
                    }
                    if (!ran) {
                        std::fprintf(stderr, "emu: deadlock (threads wait at different barriers)\n");
                        std::abort();
                    }
                }
            }
    fibers = nullptr;
}
}  // namespace emu
