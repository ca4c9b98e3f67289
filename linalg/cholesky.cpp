// cholesky.cpp: blocked right-looking Cholesky with look-ahead on the pool (see cholesky.h).
#include "linalg/cholesky.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <atomic>
#include <cstddef>

#include "kernels/core/cpu_threads.h"
#include "kernels/core/spin_wait.h"

namespace lf {
namespace {

constexpr int kBlock = 128;  // block columns; the trailing update is DSYRK / DGEMM with K = kBlock

}  // namespace

int cholesky_lower(double* a, int n, int lda, int threads) {
    if (n <= 0) return 0;
    auto at = [&](int i, int j) { return a + i + static_cast<std::ptrdiff_t>(j) * lda; };
    const int blocks = (n + kBlock - 1) / kBlock;
    threads = coupled_region_threads(threads, blocks);  // the threads below wait on each other
    const BlasThreadsScope single_threaded_blas(1);

    // Block column k: the diagonal block's DPOTRF and the DTRSM of the panel below it. Returns
    // LAPACK's info for the whole matrix (0 or the 1-based failing column).
    auto factor_block_column = [&](int k) -> int {
        const int c0 = k * kBlock, w = std::min(kBlock, n - c0), below = n - c0 - w;
        const lapack_int info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', w, at(c0, c0), lda);
        if (info != 0) return c0 + static_cast<int>(info);
        if (below > 0)  // L[below, k] = A[below, k] L_kk^-T
            cblas_dtrsm(CblasColMajor, CblasRight, CblasLower, CblasTrans, CblasNonUnit, below, w, 1.0,
                        at(c0, c0), lda, at(c0 + w, c0), lda);
        return 0;
    };
    // Column block j of the trailing matrix -= L[j:, k] L[j, k]^T (lower part only).
    auto update_block_column = [&](int k, int j) {
        const int c0 = k * kBlock, w = std::min(kBlock, n - c0);
        const int j0 = j * kBlock, wj = std::min(kBlock, n - j0), below = n - j0 - wj;
        cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, wj, w, -1.0, at(j0, c0), lda, 1.0, at(j0, j0),
                    lda);
        if (below > 0)
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, below, wj, w, -1.0, at(j0 + wj, c0), lda,
                        at(j0, c0), lda, 1.0, at(j0 + wj, j0), lda);
    };

    // A failed look-ahead factorization at step k: its info, and k. Threads test "failed at a step
    // <= mine" after each barrier; a plain flag could be set by the next step's look-ahead before
    // a slower thread has read it for this step, and only that thread would leave.
    std::atomic<int> failed{0}, failed_step{blocks};
    std::atomic<int> next_block[2] = {0, 0};  // per step (alternating): the next column block to update
    SpinBarrier barrier(threads);
    if (const int info = factor_block_column(0); info != 0) return info;
    parallel_run_pinned(threads, [&](int tid) {
        for (int k = 0; k + 1 < blocks; ++k) {
            if (tid == 0) next_block[(k + 1) & 1].store(0, std::memory_order_relaxed);
            // Thread 0: block column k + 1 first, then factors it (look-ahead); everyone: the rest,
            // handed out in order (the widest first).
            if (tid == 0) {
                update_block_column(k, k + 1);
                if (const int info = factor_block_column(k + 1); info != 0) {
                    failed.store(info);
                    failed_step.store(k);
                }
            }
            std::atomic<int>& counter = next_block[k & 1];
            for (int j; (j = k + 2 + counter.fetch_add(1, std::memory_order_relaxed)) < blocks;)
                update_block_column(k, j);
            barrier.arrive_and_wait();
            if (failed_step.load() <= k) return;  // every thread leaves after the same barrier
        }
    });
    return failed.load();
}

}  // namespace lf
