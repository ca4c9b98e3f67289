// cpu_threads.h: the CPU backend's thread pool, shared by the CPU ops (kernels/ops/*_cpu.cpp) and
// the factorization code (linalg/). Idle workers sleep on a condition variable (never spin), so
// the pool can sit next to OpenBLAS's own threads. Size: OPENBLAS_NUM_THREADS, else
// OMP_NUM_THREADS, else the hardware's count (set_cpu_threads changes it; lfgen --threads).
// Parallel regions run one at a time; a region opened inside another runs inline.
#pragma once

#include <cstdint>
#include <functional>

namespace lf {

int cpu_threads();
void set_cpu_threads(int threads);
// Runs body(t) for t in [0, count) (count clamped to cpu_threads()); t = 0 on the caller.
// Bodies must not throw.
void parallel_run(int count, const std::function<void(int t)>& body);
// True inside a parallel region's body, where a nested parallel_run runs its bodies one after the
// other on the calling thread (so bodies that wait on each other must not be started there).
bool in_parallel_region();
// Parallel for over [0, n) in at most cpu_threads() contiguous chunks. Bodies must not throw.
void parallel_for(std::int64_t n, const std::function<void(std::int64_t begin, std::int64_t end)>& body);
// Start of part t when [0, n) is cut into `parts` contiguous parts of near-equal length: part t is
// [range_split(n, parts, t), range_split(n, parts, t + 1)).
template <class Int>
Int range_split(Int n, int parts, int t) {
    return static_cast<Int>(static_cast<std::int64_t>(n) * t / parts);
}

// Sets OpenBLAS to `threads` threads for the scope: pool workers call single-threaded BLAS inside
// parallel regions (a threaded OpenBLAS there would oversubscribe the cores).
class BlasThreadsScope {
public:
    explicit BlasThreadsScope(int threads);
    ~BlasThreadsScope();
    BlasThreadsScope(const BlasThreadsScope&) = delete;
    BlasThreadsScope& operator=(const BlasThreadsScope&) = delete;

private:
    int saved_;
};

// For a region whose bodies wait on each other (spin_wait.h: pipelines, barriers): the thread
// count to run it with, `wanted` clamped to [1, min(cpu_threads(), useful)], and 1 inside another
// region (nested bodies run one after the other and would wait forever). Use with
// parallel_run_pinned.
int coupled_region_threads(int wanted, int useful = 1 << 30);
// parallel_run for a region whose bodies wait on each other. With more than one body, body t is
// pinned to the t-th CPU the thread may run on for the region: the scheduler can leave two of them
// on one core while another idles, for tens of ms (seen on 2-core VMs: a 28 ms region took 56), and
// the waits then serialize them. OpenBLAS's spinning workers are parked first (park_blas_threads),
// after any BlasThreadsScope the caller set up (openblas_set_num_threads restarts parked workers).
void parallel_run_pinned(int count, const std::function<void(int t)>& body);

// OpenBLAS's idle workers (pthreads build) keep spinning on sched_yield for up to
// 2^OPENBLAS_THREAD_TIMEOUT cycles (default 2^28, ~0.1 s) after each threaded call, so a pool
// region started right after a threaded BLAS call shares its cores with them; regions whose
// threads wait on each other slow down by about that much. This stops those workers (OpenBLAS
// starts them again at its next threaded call or openblas_set_num_threads, ~0.1 ms). No-op with
// other BLAS builds.
void park_blas_threads();

}  // namespace lf
