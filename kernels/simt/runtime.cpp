// runtime.cpp: the SIMT emulation's scheduler.
//
// A launch hands whole blocks to one or more fresh OS threads ("workers", LF_SIMT_THREADS; the
// launching thread waits). A worker runs one block at a time to completion: every CUDA thread of the block is a Boost.Context fiber with its own stack,
// and the worker's scheduler loop resumes the ready fibers one after another (in thread-index order,
// or in a seeded random order), each running until it reaches a rendezvous (__syncthreads, a warp
// shuffle/vote/__syncwarp) or returns. When no fiber is ready the scheduler resolves the
// rendezvous: a warp collective completes when every lane of its mask has arrived; a barrier
// completes when every thread of the block waits at the same __syncthreads. Anything else (a thread
// that exits while others wait at a barrier, threads waiting at different barriers, a lane of a
// mask that exits or never arrives) is an lf::Error naming the kernel, the block, the threads and
// the source lines, and the block's remaining fibers are unwound cleanly. Nothing can hang.
//
// AddressSanitizer: every fiber switch is announced with __sanitizer_start/finish_switch_fiber so
// ASan knows which stack is live; stacks are reused after unpoisoning.
#include "kernels/simt/emulation.h"  // defines: threadIdx etc. (declarations), detail:: device API
#include "kernels/simt/runtime.h"
#include "kernels/simt/wmma.h"

#include <sys/mman.h>
#include <unistd.h>

#include <boost/context/fiber.hpp>
#include <boost/context/stack_context.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kernels/core/error.h"

#if defined(__SANITIZE_ADDRESS__)
#define LF_SIMT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LF_SIMT_ASAN 1
#endif
#endif
#ifndef LF_SIMT_ASAN
#define LF_SIMT_ASAN 0
#endif
#if LF_SIMT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace lf::simt {

// The built-in variables: per OS thread, rewritten at every fiber switch.
namespace {
thread_local uint3 t_thread_idx{0, 0, 0};
thread_local uint3 t_block_idx{0, 0, 0};
thread_local dim3 t_block_dim{1, 1, 1};
thread_local dim3 t_grid_dim{1, 1, 1};
}  // namespace

namespace detail {
const uint3& builtin_thread_idx() { return t_thread_idx; }
const uint3& builtin_block_idx() { return t_block_idx; }
const dim3& builtin_block_dim() { return t_block_dim; }
const dim3& builtin_grid_dim() { return t_grid_dim; }
}  // namespace detail

// ============================== options ===========================================================

namespace {

Options parse_env_options() {
    Options o;
    if (const char* s = std::getenv("LF_SIMT_SCHEDULE"); s && *s) {
        const std::string v = s;
        if (v == "in_order") {
            o.schedule = Schedule::in_order;
        } else if (v == "random") {
            o.schedule = Schedule::random;
        } else if (v.rfind("random:", 0) == 0) {
            o.schedule = Schedule::random;
            try {
                o.seed = std::stoull(v.substr(7));
            } catch (const std::exception&) {
                fail("LF_SIMT_SCHEDULE='", v, "': expected in_order, random or random:SEED");
            }
        } else {
            fail("LF_SIMT_SCHEDULE='", v, "': expected in_order, random or random:SEED");
        }
    }
    if (const char* s = std::getenv("LF_SIMT_THREADS"); s && *s) {
        const int n = std::atoi(s);
        LF_CHECK(n >= 0, "LF_SIMT_THREADS='", s, "': expected a thread count (0 = all cores)");
        o.workers = n == 0 ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) : n;
    }
    return o;
}

std::mutex g_options_mutex;
std::optional<Options> g_override;

}  // namespace

std::string to_string(const Options& o) {
    std::string s = o.schedule == Schedule::in_order ? "in_order" : "random:" + std::to_string(o.seed);
    return s + " threads=" + std::to_string(o.workers);
}

Options current_options() {
    {
        std::lock_guard lock(g_options_mutex);
        if (g_override) return *g_override;
    }
    static const Options from_env = parse_env_options();
    return from_env;
}

ScopedOptions::ScopedOptions(const Options& options) {
    std::lock_guard lock(g_options_mutex);
    had_saved_ = g_override.has_value();
    if (had_saved_) saved_ = *g_override;
    g_override = options;
}

ScopedOptions::~ScopedOptions() {
    std::lock_guard lock(g_options_mutex);
    if (had_saved_) g_override = saved_;
    else g_override.reset();
}

// ============================== launched-kernel record ============================================

namespace {

std::mutex g_record_mutex;
std::set<std::string>& recorded() {
    static std::set<std::string> names;
    return names;
}

void record_launch(const char* name) {
    std::lock_guard lock(g_record_mutex);
    if (!recorded().insert(name).second) return;
    const char* dir = std::getenv("LF_SIMT_COVERAGE_DIR");
    if (!dir || !*dir) return;
    // One file per process: ctest runs test processes in parallel.
    std::ofstream out(std::string(dir) + "/launched-" + std::to_string(::getpid()) + ".txt", std::ios::app);
    out << name << '\n';
}

}  // namespace

std::vector<std::string> launched_kernels() {
    std::lock_guard lock(g_record_mutex);
    return {recorded().begin(), recorded().end()};
}

namespace detail {

std::string kernel_name_from_signature(const char* pretty_function) {
    std::string s = pretty_function;
    std::size_t pos = s.find("Kernel = ");
    if (pos == std::string::npos) return s;
    pos += 9;
    while (pos < s.size() && (s[pos] == '&' || s[pos] == ' ' || s[pos] == '(')) ++pos;
    std::size_t end = s.find_first_of("<,;]", pos);
    std::string qualified = s.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    while (!qualified.empty() && (qualified.back() == ')' || qualified.back() == ' ')) qualified.pop_back();
    const std::size_t colon = qualified.rfind("::");
    return colon == std::string::npos ? qualified : qualified.substr(colon + 2);
}

}  // namespace detail

// ============================== fibers and blocks =================================================

namespace {

namespace bctx = boost::context;
using detail::BarrierOp;
using detail::WarpOp;

constexpr std::size_t kStackBytes = LF_SIMT_ASAN ? 256 * 1024 : 64 * 1024;  // per emulated thread

// A fiber stack with a PROT_NONE guard page below it (a stack overflow faults instead of
// corrupting a neighbour). Reused across blocks.
struct Stack {
    void* mapping = nullptr;
    std::size_t mapping_bytes = 0;
    char* bottom = nullptr;  // lowest usable address
    std::size_t bytes = 0;

    explicit Stack(std::size_t usable) {
        const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
        mapping_bytes = usable + page;
        mapping = ::mmap(nullptr, mapping_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mapping == MAP_FAILED) fail("simt: cannot map a fiber stack of ", mapping_bytes, " bytes");
        ::mprotect(mapping, page, PROT_NONE);
        bottom = static_cast<char*>(mapping) + page;
        bytes = usable;
    }
    ~Stack() { ::munmap(mapping, mapping_bytes); }
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;
};

// Hands Boost.Context a stack we own; nothing to free when the fiber ends.
struct BorrowedStack {
    Stack* stack;
    bctx::stack_context allocate() {
#if LF_SIMT_ASAN
        __asan_unpoison_memory_region(stack->bottom, stack->bytes);  // leftovers of an earlier fiber
#endif
        bctx::stack_context sc;
        sc.size = stack->bytes;
        sc.sp = stack->bottom + stack->bytes;
        return sc;
    }
    void deallocate(bctx::stack_context&) noexcept {}
};

enum class State { ready, at_barrier, at_warp, done };

struct AbortBlock {};  // thrown inside fibers to unwind them after the block failed

struct Thread {
    uint3 idx{};
    unsigned linear = 0, lane = 0;
    State state = State::ready;
    const char* file = "";  // where it waits
    unsigned line = 0;
    // barrier arrival
    BarrierOp bop = BarrierOp::plain;
    int predicate = 0;
    // warp collective arrival
    WarpOp wop = WarpOp::sync;
    unsigned mask = 0;
    std::uint64_t value = 0;
    int arg = 0, width = 32;
    std::uint64_t result = 0;

    Stack* stack = nullptr;
    bctx::fiber fiber;
    std::exception_ptr error;
};

struct Block {
    const char* kernel = "";
    uint3 idx{};
    dim3 dim;
    std::vector<Thread> threads;
    std::unique_ptr<unsigned char[]> shared;
    bool aborting = false;
    int barrier_result = 0;
    void (*body)(void*) = nullptr;
    void* args = nullptr;
};

// Fiber stacks are kept for the whole process and lent to the workers of each launch.
class StackPool {
public:
    std::vector<std::unique_ptr<Stack>> take() {
        std::lock_guard lock(mutex_);
        if (free_.empty()) return {};
        std::vector<std::unique_ptr<Stack>> set = std::move(free_.back());
        free_.pop_back();
        return set;
    }
    void give_back(std::vector<std::unique_ptr<Stack>> set) {
        std::lock_guard lock(mutex_);
        free_.push_back(std::move(set));
    }

private:
    std::mutex mutex_;
    std::vector<std::vector<std::unique_ptr<Stack>>> free_;
};

StackPool& stack_pool() {
    static StackPool* pool = new StackPool;  // never destroyed: workers may outlive static destruction order
    return *pool;
}

// One per worker OS thread, for the duration of a launch.
struct Worker {
    std::vector<std::unique_ptr<Stack>> stacks = stack_pool().take();
    bctx::fiber scheduler;  // the scheduler's continuation while a fiber runs
    const void* scheduler_stack_bottom = nullptr;
    std::size_t scheduler_stack_bytes = 0;
    Block* block = nullptr;
    Thread* current = nullptr;

    Worker() = default;
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    ~Worker() { stack_pool().give_back(std::move(stacks)); }

    Stack* stack(std::size_t i) {
        while (stacks.size() <= i) stacks.push_back(std::make_unique<Stack>(kStackBytes));
        return stacks[i].get();
    }
};

thread_local Worker* t_worker = nullptr;

std::string dims(uint3 v) {
    return str_cat("(", v.x, ",", v.y, ",", v.z, ")");
}

const char* op_name(WarpOp op) {
    switch (op) {
        case WarpOp::sync: return "__syncwarp";
        case WarpOp::shfl: return "__shfl_sync";
        case WarpOp::shfl_up: return "__shfl_up_sync";
        case WarpOp::shfl_down: return "__shfl_down_sync";
        case WarpOp::shfl_xor: return "__shfl_xor_sync";
        case WarpOp::ballot: return "__ballot_sync";
        case WarpOp::any: return "__any_sync";
        case WarpOp::all: return "__all_sync";
    }
    return "?";
}

const char* op_name(BarrierOp op) {
    switch (op) {
        case BarrierOp::plain: return "__syncthreads";
        case BarrierOp::count: return "__syncthreads_count";
        case BarrierOp::and_: return "__syncthreads_and";
        case BarrierOp::or_: return "__syncthreads_or";
    }
    return "?";
}

std::string base_name(const char* file) {
    const std::string f = file;
    const std::size_t slash = f.rfind('/');
    return slash == std::string::npos ? f : f.substr(slash + 1);
}

std::string where(const Thread& t) {
    switch (t.state) {
        case State::ready: return "running";
        case State::done: return "exited";
        case State::at_barrier: return str_cat("wait at ", op_name(t.bop), " (", base_name(t.file), ":", t.line, ")");
        case State::at_warp:
            return str_cat("wait at ", op_name(t.wop), " mask 0x", std::hex, t.mask, std::dec, " (",
                           base_name(t.file), ":", t.line, ")");
    }
    return "?";
}

// "threads 0-127 wait at __syncthreads (k.cu:12); threads 128-255 exited" (linear thread indices).
std::string describe_threads(const Block& b) {
    std::string out;
    std::size_t i = 0;
    while (i < b.threads.size()) {
        const std::string w = where(b.threads[i]);
        std::size_t j = i + 1;
        while (j < b.threads.size() && where(b.threads[j]) == w) ++j;
        if (!out.empty()) out += "; ";
        out += j - i == 1 ? str_cat("thread ", i, " ", w) : str_cat("threads ", i, "-", j - 1, " ", w);
        i = j;
    }
    return out;
}

// ---- fiber switches (with the AddressSanitizer annotations) --------------------------------------

void resume_fiber(Worker& w, Thread& t) {
    w.current = &t;
    t_thread_idx = t.idx;
#if LF_SIMT_ASAN
    void* fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, t.stack->bottom, t.stack->bytes);
#endif
    t.fiber = std::move(t.fiber).resume();
#if LF_SIMT_ASAN
    __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#endif
    w.current = nullptr;
}

// Called on a fiber: back to the scheduler until it resumes this thread again.
void yield_to_scheduler(Worker& w) {
#if LF_SIMT_ASAN
    void* fake_stack = nullptr;
    __sanitizer_start_switch_fiber(&fake_stack, w.scheduler_stack_bottom, w.scheduler_stack_bytes);
#endif
    w.scheduler = std::move(w.scheduler).resume();
#if LF_SIMT_ASAN
    __sanitizer_finish_switch_fiber(fake_stack, &w.scheduler_stack_bottom, &w.scheduler_stack_bytes);
#endif
    if (w.block->aborting) throw AbortBlock{};
}

void start_fiber(Worker& w, Block& b, Thread& t) {
    t.fiber = bctx::fiber(std::allocator_arg, BorrowedStack{t.stack}, [&w, &b, &t](bctx::fiber&& scheduler) {
        w.scheduler = std::move(scheduler);
#if LF_SIMT_ASAN
        __sanitizer_finish_switch_fiber(nullptr, &w.scheduler_stack_bottom, &w.scheduler_stack_bytes);
#endif
        if (!b.aborting) {
            try {
                b.body(b.args);
            } catch (const bctx::detail::forced_unwind&) {
                throw;
            } catch (const AbortBlock&) {
            } catch (...) {
                t.error = std::current_exception();
            }
        }
        t.state = State::done;
#if LF_SIMT_ASAN
        __sanitizer_start_switch_fiber(nullptr, w.scheduler_stack_bottom, w.scheduler_stack_bytes);
#endif
        return std::move(w.scheduler);
    });
}

// Unwinds every fiber that has not finished, then throws lf::Error(message) with the context.
[[noreturn]] void fail_block(Worker& w, Block& b, const std::string& message) {
    const std::string state = describe_threads(b);
    b.aborting = true;
    for (Thread& t : b.threads)
        if (t.state != State::done && t.fiber) resume_fiber(w, t);
    fail("simt: kernel '", b.kernel, "' block ", dims(b.idx), ": ", message, "\n  state: ", state);
}

// ---- rendezvous resolution ---------------------------------------------------------------------

std::uint64_t lane_bit(unsigned lane) {
    return std::uint64_t{1} << lane;
}

// Completes every warp collective whose lanes have all arrived; returns whether any did.
bool resolve_warp_collectives(Worker& w, Block& b) {
    bool progress = false;
    const unsigned n = static_cast<unsigned>(b.threads.size());
    for (unsigned base = 0; base < n; base += 32) {
        const unsigned lanes = std::min(32u, n - base);
        const unsigned existing = lanes == 32 ? 0xffffffffu : (1u << lanes) - 1u;
        for (unsigned l = 0; l < lanes; ++l) {
            Thread& t = b.threads[base + l];
            if (t.state != State::at_warp) continue;
            const unsigned mask = t.mask & existing;
            bool complete = true;
            for (unsigned j = 0; j < lanes; ++j) {
                if (!(mask & lane_bit(j))) continue;
                const Thread& u = b.threads[base + j];
                if (u.state == State::done)
                    fail_block(w, b, str_cat("thread ", base + l, " waits at ", op_name(t.wop), " (", base_name(t.file), ":",
                                             t.line, ") for lane ", j, " (thread ", base + j,
                                             ") of its mask, which has exited"));
                if (u.state == State::at_warp &&
                    (u.wop != t.wop || (u.mask & existing) != mask || u.width != t.width))
                    fail_block(w, b, str_cat("lanes of warp ", base / 32, " disagree on a warp collective: lane ", l, " ",
                                             where(t), " width ", t.width, ", lane ", j, " ", where(u), " width ",
                                             u.width, " (every lane of a mask must call the same intrinsic with the same mask)"));
                if (u.state != State::at_warp) complete = false;
            }
            if (!complete) continue;
            // Votes.
            std::uint64_t ballot = 0;
            for (unsigned j = 0; j < lanes; ++j)
                if ((mask & lane_bit(j)) && b.threads[base + j].value != 0) ballot |= lane_bit(j);
            for (unsigned j = 0; j < lanes; ++j) {
                if (!(mask & lane_bit(j))) continue;
                Thread& u = b.threads[base + j];
                const unsigned width = static_cast<unsigned>(u.width);
                const unsigned seg = j & ~(width - 1);
                unsigned src = j;
                switch (u.wop) {
                    case WarpOp::sync: u.result = 0; break;
                    case WarpOp::ballot: u.result = ballot; break;
                    case WarpOp::any: u.result = ballot != 0; break;
                    case WarpOp::all: u.result = ballot == mask; break;
                    case WarpOp::shfl: src = seg + (static_cast<unsigned>(u.arg) & (width - 1)); break;
                    case WarpOp::shfl_up: {
                        const unsigned delta = static_cast<unsigned>(u.arg);
                        src = j - seg >= delta ? j - delta : j;
                        break;
                    }
                    case WarpOp::shfl_down: {
                        const unsigned delta = static_cast<unsigned>(u.arg);
                        src = j - seg + delta < width ? j + delta : j;
                        break;
                    }
                    case WarpOp::shfl_xor: {
                        src = j ^ static_cast<unsigned>(u.arg);
                        if (src >= seg + width) src = j;  // a later group: own value (earlier ones are readable)
                        break;
                    }
                }
                if (u.wop == WarpOp::shfl || u.wop == WarpOp::shfl_up || u.wop == WarpOp::shfl_down ||
                    u.wop == WarpOp::shfl_xor) {
                    if (!(mask & lane_bit(src)))
                        fail_block(w, b, str_cat("lane ", j, " of warp ", base / 32, " at ", op_name(u.wop), " (",
                                                 base_name(u.file), ":", u.line, ") reads lane ", src,
                                                 ", which is not in the mask 0x", std::hex, u.mask, std::dec,
                                                 (src >= lanes ? " (the lane does not exist: partial warp)" : ""),
                                                 "; the value would be undefined on the GPU"));
                    u.result = b.threads[base + src].value;
                }
            }
            for (unsigned j = 0; j < lanes; ++j)
                if (mask & lane_bit(j)) b.threads[base + j].state = State::ready;
            progress = true;
        }
    }
    return progress;
}

std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

template <typename T>
void shuffle(std::vector<T>& v, std::uint64_t& rng) {  // Fisher-Yates; same result on every platform
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[splitmix64(rng) % i]);
}

struct LaunchContext {
    const char* kernel;
    LaunchShape shape;
    void (*body)(void*);
    void* args;
    Options options;
};

void run_block(Worker& w, const LaunchContext& launch, std::uint64_t linear_block) {
    const dim3 grid(launch.shape.grid[0], launch.shape.grid[1], launch.shape.grid[2]);
    const dim3 bdim(launch.shape.block[0], launch.shape.block[1], launch.shape.block[2]);
    Block b;
    b.kernel = launch.kernel;
    b.idx = uint3{static_cast<unsigned>(linear_block % grid.x), static_cast<unsigned>(linear_block / grid.x % grid.y),
                  static_cast<unsigned>(linear_block / (std::uint64_t{grid.x} * grid.y))};
    b.dim = bdim;
    b.body = launch.body;
    b.args = launch.args;
    b.shared.reset(new unsigned char[launch.shape.shared_bytes]);
    std::fill_n(b.shared.get(), launch.shape.shared_bytes, static_cast<unsigned char>(0xff));

    t_block_idx = b.idx;
    t_block_dim = bdim;
    t_grid_dim = grid;
    w.block = &b;
    struct ClearBlock {
        Worker& w;
        ~ClearBlock() { w.block = nullptr; }
    } clear{w};

    const unsigned n = bdim.x * bdim.y * bdim.z;
    b.threads.resize(n);
    for (unsigned i = 0; i < n; ++i) {
        Thread& t = b.threads[i];
        t.linear = i;
        t.lane = i % 32;
        t.idx = uint3{i % bdim.x, i / bdim.x % bdim.y, i / (bdim.x * bdim.y)};
        t.stack = w.stack(i);
    }
    for (Thread& t : b.threads) start_fiber(w, b, t);

    const bool random = launch.options.schedule == Schedule::random;
    std::uint64_t rng = launch.options.seed ^ (0x5851f42d4c957f2dull * (linear_block + 1));
    std::vector<unsigned> order;
    order.reserve(n);
    for (;;) {
        order.clear();
        for (unsigned i = 0; i < n; ++i)
            if (b.threads[i].state == State::ready) order.push_back(i);
        if (random) shuffle(order, rng);
        for (unsigned i : order) resume_fiber(w, b.threads[i]);
        for (Thread& t : b.threads) {
            if (!t.error) continue;
            std::string what = "unknown exception";
            try {
                std::rethrow_exception(t.error);
            } catch (const std::exception& e) {
                what = e.what();
            } catch (...) {
            }
            fail_block(w, b, str_cat("thread ", dims(t.idx), ": ", what));
        }
        if (resolve_warp_collectives(w, b)) continue;

        unsigned done = 0, at_barrier = 0;
        const Thread* first_waiter = nullptr;
        for (const Thread& t : b.threads) {
            if (t.state == State::done) ++done;
            if (t.state == State::at_barrier) {
                ++at_barrier;
                if (!first_waiter) first_waiter = &t;
            }
        }
        if (done == n) break;
        if (at_barrier > 0 && at_barrier + done == n) {
            if (done > 0)
                fail_block(w, b, str_cat("divergent barrier: ", at_barrier, " of ", n, " threads wait at ",
                                         op_name(first_waiter->bop), " (", base_name(first_waiter->file), ":",
                                         first_waiter->line, ") but ", done,
                                         " exited without reaching it; a barrier must be reached by every thread of "
                                         "the block"));
            for (const Thread& t : b.threads)
                if (t.line != first_waiter->line || std::strcmp(t.file, first_waiter->file) != 0 || t.bop != first_waiter->bop)
                    fail_block(w, b, str_cat("divergent barrier: thread ", first_waiter->linear, " ", where(*first_waiter),
                                             " while thread ", t.linear, " ", where(t),
                                             "; all threads of a block must reach the same __syncthreads"));
            int result = 0;
            for (const Thread& t : b.threads) {
                switch (t.bop) {
                    case BarrierOp::plain: break;
                    case BarrierOp::count: result += t.predicate != 0; break;
                    case BarrierOp::and_: result += t.predicate != 0; break;
                    case BarrierOp::or_: result += t.predicate != 0; break;
                }
            }
            if (first_waiter->bop == BarrierOp::and_) result = result == static_cast<int>(n);
            if (first_waiter->bop == BarrierOp::or_) result = result > 0;
            b.barrier_result = result;
            for (Thread& t : b.threads) t.state = State::ready;
            continue;
        }
        fail_block(w, b, "deadlock: no thread can continue (a warp collective waits for a lane that waits "
                         "elsewhere, or a barrier is reached by only some threads)");
    }
}

void check_launch_shape(const char* kernel, const LaunchShape& s) {
    const auto bad = [&](auto... parts) {
        fail("simt: kernel '", kernel, "': invalid launch configuration: ", parts...,
             " (grid (", s.grid[0], ",", s.grid[1], ",", s.grid[2], "), block (", s.block[0], ",", s.block[1], ",",
             s.block[2], "), ", s.shared_bytes, " shared bytes)");
    };
    for (int i = 0; i < 3; ++i)
        if (s.grid[i] == 0 || s.block[i] == 0) bad("a zero grid or block dimension");
    if (s.grid[0] > 2147483647u || s.grid[1] > 65535u || s.grid[2] > 65535u) bad("grid dimension over the limit");
    if (s.block[0] > 1024u || s.block[1] > 1024u || s.block[2] > 64u) bad("block dimension over the limit");
    if (std::uint64_t{s.block[0]} * s.block[1] * s.block[2] > 1024u) bad("more than 1024 threads per block");
    if (s.shared_bytes > 48u * 1024u)
        bad("more than 48 KiB of dynamic shared memory (the opt-in to more is not emulated)");
}

}  // namespace

// ============================== device-side entry points ==========================================

namespace detail {

namespace {
Thread& current_thread(const char* what) {
    if (!t_worker || !t_worker->current) fail("simt: ", what, " called outside a kernel launch");
    return *t_worker->current;
}
}  // namespace

int barrier(BarrierOp op, int predicate, const std::source_location& loc) {
    Thread& t = current_thread(op_name(op));
    t.state = State::at_barrier;
    t.bop = op;
    t.predicate = predicate;
    t.file = loc.file_name();
    t.line = loc.line();
    yield_to_scheduler(*t_worker);
    return t_worker->block->barrier_result;
}

std::uint64_t warp_collective(WarpOp op, unsigned mask, std::uint64_t value, int arg, int width,
                              const std::source_location& loc) {
    Thread& t = current_thread(op_name(op));
    if (!(mask & lane_bit(t.lane)))
        fail(op_name(op), " (", base_name(loc.file_name()), ":", loc.line(), "): the calling lane ", t.lane,
             " is not in mask 0x", std::hex, mask);
    if (width < 1 || width > 32 || (width & (width - 1)) != 0)
        fail(op_name(op), " (", base_name(loc.file_name()), ":", loc.line(), "): width ", width,
             " is not a power of two in [1, 32]");
    t.state = State::at_warp;
    t.wop = op;
    t.mask = mask;
    t.value = value;
    t.arg = arg;
    t.width = width;
    t.file = loc.file_name();
    t.line = loc.line();
    yield_to_scheduler(*t_worker);
    return t.result;
}

unsigned char* dynamic_shared() {
    if (!t_worker || !t_worker->block) fail("simt: dynamic shared memory used outside a kernel launch");
    return t_worker->block->shared.get();
}

unsigned lane_id() {
    return current_thread("lane_id").lane;
}

}  // namespace detail
}  // namespace lf::simt

// ============================== nvcuda::wmma support (wmma.h) =====================================

namespace nvcuda::wmma::detail {

using ::lf::simt::base_name;

void warp_rendezvous(const char* what, const std::source_location& where) {
    using namespace lf::simt;
    const unsigned n = t_block_dim.x * t_block_dim.y * t_block_dim.z;
    const unsigned linear = t_thread_idx.x + t_block_dim.x * (t_thread_idx.y + t_block_dim.y * t_thread_idx.z);
    if (linear / 32 * 32 + 32 > n)
        ::lf::fail("nvcuda::wmma::", what, " (", base_name(where.file_name()), ":", where.line(),
                   "): thread ", linear, " is in a partial warp (", n, " threads per block); wmma needs all 32 lanes");
    ::lf::simt::detail::warp_collective(::lf::simt::detail::WarpOp::sync, 0xffffffffu, 0, 0, 32, where);
}

void check_uniform(const void* bytes, std::size_t size, const char* what, const std::source_location& where) {
    std::uint64_t hash = 1469598103934665603ull;  // FNV-1a
    for (std::size_t i = 0; i < size; ++i) hash = (hash ^ static_cast<const unsigned char*>(bytes)[i]) * 1099511628211ull;
    const std::uint64_t lane0 = ::lf::simt::detail::warp_collective(::lf::simt::detail::WarpOp::shfl, 0xffffffffu,
                                                                      hash, 0, 32, where);
    if (hash != lane0)
        ::lf::fail("nvcuda::wmma::", what, " (", base_name(where.file_name()), ":", where.line(), "): lane ",
                   ::lf::simt::detail::lane_id(), " holds a different fragment than lane 0; a fragment written "
                   "lane by lane depends on the unspecified element-to-lane layout");
}

void check_access(const void* ptr, unsigned ldm, std::size_t element_bytes, const char* what,
                  const std::source_location& where) {
    if (reinterpret_cast<std::uintptr_t>(ptr) % 32 != 0)
        ::lf::fail("nvcuda::wmma::", what, " (", base_name(where.file_name()), ":", where.line(), "): pointer ", ptr,
                   " is not 256-bit (32-byte) aligned");
    if ((ldm * element_bytes) % 16 != 0)
        ::lf::fail("nvcuda::wmma::", what, " (", base_name(where.file_name()), ":", where.line(), "): ldm ", ldm,
                   " is not a multiple of 16 bytes");
}

}  // namespace nvcuda::wmma::detail

namespace lf::simt {
namespace detail {

void launch(const char* kernel_name, const LaunchShape& shape, void (*body)(void*), void* args) {
    check_launch_shape(kernel_name, shape);
    if (t_worker) fail("simt: kernel '", kernel_name, "' launched from inside a kernel (dynamic parallelism is not emulated)");
    record_launch(kernel_name);
    const LaunchContext ctx{kernel_name, shape, body, args, current_options()};
    const std::uint64_t blocks = std::uint64_t{shape.grid[0]} * shape.grid[1] * shape.grid[2];
    std::vector<std::uint64_t> order(blocks);
    std::iota(order.begin(), order.end(), std::uint64_t{0});
    if (ctx.options.schedule == Schedule::random) {
        std::uint64_t rng = ctx.options.seed;
        shuffle(order, rng);
    }

    std::atomic<std::uint64_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex error_mutex;
    std::exception_ptr first_error;
    // Blocks run on fresh OS threads (the launching thread only waits): static __shared__ arrays
    // are thread_local, so every launch starts from the same (zeroed) shared memory and a seeded
    // schedule gives the same result however many launches ran before.
    const auto work = [&] {
        Worker worker;
        t_worker = &worker;
        while (!stop.load()) {
            const std::uint64_t i = next.fetch_add(1);
            if (i >= blocks) break;
            try {
                run_block(worker, ctx, order[i]);
            } catch (...) {
                std::lock_guard lock(error_mutex);
                if (!first_error) first_error = std::current_exception();
                stop = true;
            }
        }
        t_worker = nullptr;
    };
    const std::uint64_t workers = std::min<std::uint64_t>(std::max(1, ctx.options.workers), blocks);
    std::vector<std::thread> pool;
    for (std::uint64_t i = 0; i < workers; ++i) pool.emplace_back(work);
    for (std::thread& t : pool) t.join();
    if (first_error) std::rethrow_exception(first_error);
}

}  // namespace detail
}  // namespace lf::simt
