// eigh.cpp: the CPU symmetric eigendecomposition (LAPACKE dsyevd / dsyevr) and the thread setting.
#include "linalg/eigh.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "kernels/core/error.h"
#include "linalg/dense_util.h"

namespace lf {

void sign_normalize_rows(double* rows, int k, int n) {
    for (int i = 0; i < k; ++i) {
        double* r = rows + static_cast<std::int64_t>(i) * n;
        int best = 0;
        for (int j = 1; j < n; ++j)
            if (std::fabs(r[j]) > std::fabs(r[best])) best = j;
        if (r[best] < 0)
            for (int j = 0; j < n; ++j) r[j] = -r[j];
    }
}

EighResult eigh_descending(const double* a, int n, int k) {
    LF_CHECK(n >= 1, "eigh: matrix order must be at least 1, got ", n);
    LF_CHECK(k >= 1 && k <= n, "eigh: requested ", k, " eigenpairs of a ", n, "x", n, " matrix");
    LF_CHECK(static_cast<std::int64_t>(n) * n <= std::numeric_limits<int>::max(), "eigh: a ", n, "x", n,
             " matrix exceeds the 32-bit LAPACK index range");
    // Small problems run single-threaded: LAPACK's tridiagonalization is a long chain of BLAS-2
    // calls, and a threaded OpenBLAS synchronizes on every one (ruinous on a busy machine).
    std::optional<detail::BlasThreadsScope> single;
    if (n <= 2048) single.emplace(1);
    // LAPACK works on a copy (it overwrites its input). Row-major upper == column-major lower.
    std::vector<double> work(a, a + static_cast<std::size_t>(n) * n);
    EighResult r;
    r.n = n;
    r.k = k;
    r.values.resize(k);
    r.vectors.resize(static_cast<std::size_t>(k) * n);
    std::vector<double> w(n);
    if (k == n) {
        const lapack_int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, 'V', 'U', n, work.data(), n, w.data());
        LF_CHECK(info == 0, "eigh: LAPACKE_dsyevd failed (info = ", info, ") on a ", n, "x", n, " matrix");
        // work now holds eigenvectors as columns, ascending eigenvalues.
        for (int i = 0; i < k; ++i) {
            const int src = n - 1 - i;
            r.values[i] = w[src];
            for (int j = 0; j < n; ++j)
                r.vectors[static_cast<std::size_t>(i) * n + j] = work[static_cast<std::size_t>(j) * n + src];
        }
    } else {
        lapack_int found = 0;
        std::vector<double> z(static_cast<std::size_t>(n) * k);
        std::vector<lapack_int> support(2 * static_cast<std::size_t>(k));
        const lapack_int info =
            LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', n, work.data(), n, 0.0, 0.0, n - k + 1, n, 0.0,
                           &found, w.data(), z.data(), k, support.data());
        LF_CHECK(info == 0 && found == k, "eigh: LAPACKE_dsyevr failed (info = ", info, ", found ", found,
                 " of ", k, " eigenpairs) on a ", n, "x", n, " matrix");
        for (int i = 0; i < k; ++i) {
            const int src = k - 1 - i;
            r.values[i] = w[src];
            for (int j = 0; j < n; ++j)
                r.vectors[static_cast<std::size_t>(i) * n + j] = z[static_cast<std::size_t>(j) * k + src];
        }
    }
    sign_normalize_rows(r.vectors.data(), k, n);
    return r;
}

void linalg_set_threads(int threads) {
    LF_CHECK(threads >= 1, "--threads must be at least 1, got ", threads);
    openblas_set_num_threads(threads);
    detail::set_pool_threads(threads);
}

int linalg_threads() {
    return std::max(1, openblas_get_num_threads());
}

}  // namespace lf
