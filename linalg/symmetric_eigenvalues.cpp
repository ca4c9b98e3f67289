// symmetric_eigenvalues.cpp: two-stage symmetric eigenvalues (see symmetric_eigenvalues.h).
#include "linalg/symmetric_eigenvalues.h"

#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "kernels/core/cpu_threads.h"
#include "kernels/core/error.h"
#include "linalg/band_reduction.h"
#include "linalg/band_tridiagonal.h"
#include "linalg/dense_util.h"

namespace lf {

std::vector<double> symmetric_eigenvalues(double* a, int n, int lda) {
    if (n >= kTwoStageMinOrder) return symmetric_eigenvalues_two_stage(a, n, lda);
    LF_CHECK(n >= 0 && lda >= std::max(1, n), "symmetric eigenvalues: bad order ", n,
             " or leading dimension ", lda);
    std::vector<double> d(static_cast<std::size_t>(n));
    if (n == 0) return d;
    const lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', n, a, lda, d.data());
    LF_CHECK(info == 0, "symmetric eigenvalues: LAPACK dsyevd failed (info ", info, ")");
    return d;
}

std::vector<double> symmetric_eigenvalues_two_stage(double* a, int n, int lda) {
    LF_CHECK(n >= 0 && lda >= std::max(1, n), "symmetric eigenvalues: bad order ", n,
             " or leading dimension ", lda);
    std::vector<double> d(static_cast<std::size_t>(n));
    if (n == 0) return d;
    detail::PhaseTrace phase("eigenvalues");  // LF_LINALG_TRACE=1: phase times on stderr
    // Stage 1: dense -> band.
    BulgeBand band(n, kTwoStageBandwidth);
    symmetric_to_band(a, n, lda, band, cpu_threads());
    phase("dense -> band");

    // Stage 2: band -> tridiagonal, scaled by a power of two (exact) to a unit-sized maximum so
    // the reflectors need no under/overflow guards.
    double max_abs = 0.0;
    for (int j = 0; j < n; ++j)
        for (int i = j; i <= std::min(n - 1, j + kTwoStageBandwidth); ++i)
            max_abs = std::max(max_abs, std::abs(band.at(i, j)));
    if (max_abs == 0.0) return d;  // the zero matrix
    int exponent = 0;
    std::frexp(max_abs, &exponent);
    for (int j = 0; j < n; ++j)
        for (int i = j; i <= std::min(n - 1, j + kTwoStageBandwidth); ++i)
            band.at(i, j) = std::ldexp(band.at(i, j), -exponent);
    std::vector<double> e(static_cast<std::size_t>(n));
    band_to_tridiagonal(band, d.data(), e.data(), cpu_threads());
    phase("band -> tridiagonal");

    // Stage 3: tridiagonal -> eigenvalues (ascending).
    const lapack_int info = LAPACKE_dsterf(n, d.data(), e.data());
    LF_CHECK(info == 0, "symmetric eigenvalues: LAPACK dsterf did not converge (info ", info, ")");
    for (double& x : d) x = std::ldexp(x, exponent);
    phase("tridiagonal -> eigenvalues");
    return d;
}

}  // namespace lf
