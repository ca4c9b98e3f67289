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
// Parallel for over [0, n) in at most cpu_threads() contiguous chunks. Bodies must not throw.
void parallel_for(std::int64_t n, const std::function<void(std::int64_t begin, std::int64_t end)>& body);

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

}  // namespace lf
