// band_reduction.cpp: dense symmetric -> band, panel by panel with pool-parallel BLAS3 updates and
// look-ahead (see band_reduction.h).
#include "linalg/band_reduction.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/core/cpu_threads.h"
#include "kernels/core/error.h"

namespace lf {
namespace {

// Splits [0, m) into `parts` row ranges of equal length: range t is [begin(t), begin(t + 1)).
int even_split(int m, int parts, int t) {
    return static_cast<int>(static_cast<std::int64_t>(m) * t / parts);
}

// Splits the columns of an m x m lower triangle into `parts` ranges of equal area (a column c
// holds m - c entries): boundary t solves (m - c)^2 = m^2 (1 - t / parts).
int area_split(int m, int parts, int t) {
    if (t <= 0) return 0;
    if (t >= parts) return m;
    const double c = m * (1.0 - std::sqrt(1.0 - static_cast<double>(t) / parts));
    return std::clamp(static_cast<int>(std::lround(c)), 0, m);
}

// The QR of one panel [rows, cols] (column-major, leading dimension lda) in compact WY form:
// on return the panel holds R (upper) and V (strict lower, unit diagonal implied), t [k, k] the
// upper triangular T of Q = I - V T V^T, k = min(rows, cols).
void factor_panel(double* panel, int rows, int cols, int lda, double* t, int ldt, std::vector<double>& work) {
    const int k = std::min(rows, cols);
    if (k == 0) return;
    work.resize(static_cast<std::size_t>(cols) * k);
    const lapack_int info = LAPACKE_dgeqrt_work(LAPACK_COL_MAJOR, rows, cols, k, panel, lda, t, ldt, work.data());
    LF_CHECK(info == 0, "band reduction: LAPACK dgeqrt failed (info ", info, ")");
}

}  // namespace

void symmetric_to_band(double* a, int n, int lda, BulgeBand& band, int threads) {
    LF_CHECK(band.n() == n && lda >= std::max(1, n), "band reduction: bad order ", n, " or leading dimension ", lda);
    const int kd = std::min(band.kd(), std::max(n - 1, 0));
    auto at = [&](int i, int j) { return a + i + static_cast<std::ptrdiff_t>(j) * lda; };
    threads = std::max(1, std::min(threads, cpu_threads()));
    if (in_parallel_region()) threads = 1;
    if (threads > 1) park_blas_threads();  // their spinning would share our cores
    const BlasThreadsScope single_threaded_blas(1);  // the pool threads below call BLAS themselves

    // Per panel: V [m, k] explicit (unit lower trapezoidal), X then Y [m, k], T and the small
    // products [k, k], the per-thread partial sums of V^T X [threads, k, k].
    std::vector<double> v, x, vy, yv, t(static_cast<std::size_t>(kd) * kd), t_next(t.size()), z(t.size());
    std::vector<double> z_parts(static_cast<std::size_t>(threads) * kd * kd);
    std::vector<std::vector<double>> qr_work(static_cast<std::size_t>(threads));

    // Panel p covers columns [j0, j0 + kd); the rows below its band, [j0 + kd, n), are factored.
    if (kd >= 1 && n - kd > 0) factor_panel(at(kd, 0), n - kd, kd, lda, t.data(), kd, qr_work[0]);
    for (int j0 = 0; kd >= 1 && j0 + kd < n; j0 += kd) {
        const int r0 = j0 + kd;                   // first row/column of the trailing matrix
        const int m = n - r0;                     // its order
        const int k = std::min(m, kd);            // reflectors of this panel
        const int cols = std::min(kd, n - j0);    // the panel's width
        double* a22 = at(r0, r0);                 // [m, m] trailing matrix (lower)
        // V explicit: unit diagonal, zeros above, the reflectors below (the panel keeps R on top).
        v.assign(static_cast<std::size_t>(m) * k, 0.0);
        for (int c = 0; c < k; ++c) {
            const double* src = at(r0, j0 + c);
            double* dst = v.data() + static_cast<std::size_t>(c) * m;
            dst[c] = 1.0;
            std::copy(src + c + 1, src + m, dst + c + 1);
        }
        (void)cols;
        x.assign(static_cast<std::size_t>(m) * k, 0.0);
        const int parts = std::max(1, std::min(threads, m / 64));

        // X = A22 V (rows split; A22 symmetric from its lower triangle), then X T and the partial
        // sums of V^T X per row range.
        parallel_run(parts, [&](int p) {
            const int b = even_split(m, parts, p), e = even_split(m, parts, p + 1), rows = e - b;
            if (rows == 0) return;
            double* xr = x.data() + b;
            const double* vb = v.data() + b;
            if (b > 0)  // A22[b:e, :b] V[:b]
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, k, b, 1.0, a22 + b, lda, v.data(), m,
                            0.0, xr, m);
            cblas_dsymm(CblasColMajor, CblasLeft, CblasLower, rows, k, 1.0, a22 + b + static_cast<std::ptrdiff_t>(b) * lda,
                        lda, vb, m, b > 0 ? 1.0 : 0.0, xr, m);  // + A22[b:e, b:e] V[b:e]
            if (e < m)  // + A22[e:, b:e]^T V[e:]
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, rows, k, m - e, 1.0,
                            a22 + e + static_cast<std::ptrdiff_t>(b) * lda, lda, v.data() + e, m, 1.0, xr, m);
            cblas_dtrmm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, rows, k, 1.0, t.data(), kd,
                        xr, m);  // X T
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, rows, 1.0, vb, m, xr, m, 0.0,
                        z_parts.data() + static_cast<std::size_t>(p) * kd * kd, kd);  // V[b:e]^T X[b:e]
        });
        // Z = 1/2 T^T (V^T X)
        std::fill(z.begin(), z.end(), 0.0);
        for (int p = 0; p < parts; ++p)
            for (std::size_t i = 0; i < z.size(); ++i) z[i] += z_parts[static_cast<std::size_t>(p) * kd * kd + i];
        cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit, k, k, 0.5, t.data(), kd, z.data(),
                    kd);
        // Y = X - V Z (rows split), stored as VY = [V | Y] and YV = [Y | V] [m, 2k] for the update.
        vy.resize(static_cast<std::size_t>(m) * 2 * k);
        yv.resize(vy.size());
        parallel_run(parts, [&](int p) {
            const int b = even_split(m, parts, p), e = even_split(m, parts, p + 1), rows = e - b;
            if (rows == 0) return;
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, k, k, -1.0, v.data() + b, m, z.data(), kd,
                        1.0, x.data() + b, m);
            for (int c = 0; c < k; ++c) {
                const std::size_t src = static_cast<std::size_t>(c) * m + b;
                std::copy_n(v.data() + src, rows, vy.data() + src);
                std::copy_n(x.data() + src, rows, vy.data() + static_cast<std::size_t>(k + c) * m + b);
                std::copy_n(x.data() + src, rows, yv.data() + src);
                std::copy_n(v.data() + src, rows, yv.data() + static_cast<std::size_t>(k + c) * m + b);
            }
        });
        // A22 -= V Y^T + Y V^T on the lower triangle, columns split into equal areas. The thread
        // owning the next panel's columns updates them first and factors that panel (look-ahead).
        const int next_cols = std::min(kd, m);
        const bool has_next = m > kd;
        const int update_parts = std::max(1, std::min(threads, m / 64));
        parallel_run(update_parts, [&](int p) {
            int c_begin = area_split(m, update_parts, p), c_end = area_split(m, update_parts, p + 1);
            if (p == 0) c_end = std::max(c_end, next_cols);
            else c_begin = std::max(c_begin, next_cols);
            auto update_columns = [&](int c0, int c1) {
                if (c1 <= c0) return;
                double* diag = a22 + c0 + static_cast<std::ptrdiff_t>(c0) * lda;
                cblas_dsyr2k(CblasColMajor, CblasLower, CblasNoTrans, c1 - c0, k, -1.0, v.data() + c0, m,
                             x.data() + c0, m, 1.0, diag, lda);  // diagonal block
                if (c1 < m)  // the rows below: A22[c1:, c0:c1] -= [V Y][c1:] [Y V][c0:c1]^T
                    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, m - c1, c1 - c0, 2 * k, -1.0,
                                vy.data() + c1, m, yv.data() + c0, m, 1.0, diag + (c1 - c0), lda);
            };
            if (p == 0) {
                update_columns(0, next_cols);
                if (has_next) factor_panel(a22 + kd, m - kd, kd, lda, t_next.data(), kd, qr_work[0]);
                update_columns(next_cols, c_end);
            } else {
                update_columns(c_begin, c_end);
            }
        });
        std::swap(t, t_next);
    }

    // The band: the diagonal blocks and the R factors (upper triangles of the blocks under them).
    for (int j = 0; j < n; ++j)
        for (int i = j; i <= std::min(n - 1, j + kd); ++i) band.at(i, j) = *at(i, j);
}

}  // namespace lf
