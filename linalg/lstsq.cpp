// lstsq.cpp: the CPU least squares (see lstsq.h).
#include "linalg/lstsq.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/core/error.h"

namespace lf {

std::vector<double> lstsq_qr(const double* x, std::int64_t n, int kx, const double* z, int m,
                             const std::string& what) {
    LF_CHECK(kx >= 1 && m >= 1, what, ": need at least one column in X and Z");
    LF_CHECK(n >= kx, what, ": ", n, " samples cannot determine ", kx,
             " coefficients per output (need N >= K)");
    LF_CHECK(n * std::max(kx, m) <= std::numeric_limits<int>::max(), what, ": ", n, " x ", std::max(kx, m),
             " exceeds the 32-bit LAPACK index range");
    std::vector<double> a(x, x + n * kx);
    std::vector<double> b(z, z + n * m);
    for (double v : a) LF_CHECK(std::isfinite(v), what, ": X holds a non-finite value");
    for (double v : b) LF_CHECK(std::isfinite(v), what, ": Z holds a non-finite value");
    std::vector<double> tau(kx);
    const int ni = static_cast<int>(n);
    lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, ni, kx, a.data(), kx, tau.data());
    LF_CHECK(info == 0, what, ": LAPACKE_dgeqrf failed (info = ", info, ")");
    double rmax = 0.0;
    for (int i = 0; i < kx; ++i) rmax = std::max(rmax, std::fabs(a[static_cast<std::size_t>(i) * kx + i]));
    for (int i = 0; i < kx; ++i)
        LF_CHECK(std::fabs(a[static_cast<std::size_t>(i) * kx + i]) > 1e-12 * rmax && rmax > 0, what,
                 ": X is rank deficient (column ", i, " is a linear combination of the others)");
    info = LAPACKE_dormqr(LAPACK_ROW_MAJOR, 'L', 'T', ni, m, kx, a.data(), kx, tau.data(), b.data(), m);
    LF_CHECK(info == 0, what, ": LAPACKE_dormqr failed (info = ", info, ")");
    // R P = (Q^T Z)[:K]: the upper triangle of a's first K rows.
    cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, kx, m, 1.0, a.data(), kx,
                b.data(), m);
    b.resize(static_cast<std::size_t>(kx) * m);
    return b;
}

void normalize_rows(std::vector<double>& a, std::int64_t rows, std::int64_t cols) {
    for (std::int64_t i = 0; i < rows; ++i) {
        double s = 0.0;
        for (std::int64_t j = 0; j < cols; ++j) s += a[i * cols + j] * a[i * cols + j];
        s = std::sqrt(s);
        if (s > 0)
            for (std::int64_t j = 0; j < cols; ++j) a[i * cols + j] /= s;
    }
}

}  // namespace lf
