// dense_util.cpp: see dense_util.h.
#include "linalg/dense_util.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numbers>
#include <random>

#include "kernels/core/cpu_clones.h"
#include "kernels/core/error.h"

namespace lf::detail {

void for_each_batch_f32(const RowSource& x, std::int64_t batch_rows, bool check_finite,
                        const std::function<void(std::int64_t, std::int64_t, const float*)>& body) {
    LF_CHECK(batch_rows >= 1, "batch rows must be at least 1, got ", batch_rows);
    const std::int64_t n = x.rows(), d = x.cols();
    std::vector<float> scratch;
    for (std::int64_t r0 = 0; r0 < n; r0 += batch_rows) {
        const std::int64_t count = std::min(batch_rows, n - r0);
        const float* block = x.view_f32(r0);
        if (!block) {
            scratch.resize(static_cast<std::size_t>(count * d));
            x.read(r0, count, scratch.data());
            block = scratch.data();
        }
        if (check_finite) {
            if (const double* raw = x.view_f64(r0))
                check_finite_rows(raw, count, d, r0, x.name());  // before rounding to f32
            else
                check_finite_rows(block, count, d, r0, x.name());
        }
        body(r0, count, block);
    }
}

void for_each_batch_f64(const RowSource& x, std::int64_t batch_rows, bool check_finite,
                        const std::function<void(std::int64_t, std::int64_t, const double*)>& body) {
    LF_CHECK(batch_rows >= 1, "batch rows must be at least 1, got ", batch_rows);
    const std::int64_t n = x.rows(), d = x.cols();
    std::vector<double> scratch;
    for (std::int64_t r0 = 0; r0 < n; r0 += batch_rows) {
        const std::int64_t count = std::min(batch_rows, n - r0);
        const double* block = x.view_f64(r0);
        if (!block) {
            scratch.resize(static_cast<std::size_t>(count * d));
            x.read(r0, count, scratch.data());
            block = scratch.data();
        }
        if (check_finite) check_finite_rows(block, count, d, r0, x.name());
        body(r0, count, block);
    }
}

bool finiteness_from_sums(const RowSource& x) {
    return x.device().is_cuda() || x.view_f32(0) != nullptr;
}

void check_finite_sums(const RowSource& x, std::int64_t batch_rows, const std::vector<double>& colsum) {
    std::size_t bad = 0;
    while (bad < colsum.size() && std::isfinite(colsum[bad])) ++bad;
    if (bad == colsum.size()) return;
    if (!x.device().is_cuda()) {  // name the first bad value (throws)
        for_each_batch_f32(x, batch_rows, true, [](std::int64_t, std::int64_t, const float*) {});
    }
    fail(x.name(), ": non-finite value (NaN or Inf) in column ", bad,
         "; remove or impute NaN/Inf samples before factorizing");
}

LF_CPU_CLONES void shifted_moments(const float* x, std::int64_t rows, std::int64_t d, const double* shift,
                                      double* cols, double* sumsq) {
    constexpr int kLanes = 16;
    double total = 0.0;
    for (std::int64_t i = 0; i < rows; ++i) {
        const float* row = x + i * d;
        float lanes[kLanes] = {};
        std::int64_t j = 0;
        for (; j + kLanes <= d; j += kLanes)
            for (int l = 0; l < kLanes; ++l) {
                const double v = static_cast<double>(row[j + l]) - shift[j + l];
                cols[j + l] += v;
                lanes[l] += static_cast<float>(v * v);
            }
        double tail = 0.0;
        for (; j < d; ++j) {
            const double v = static_cast<double>(row[j]) - shift[j];
            cols[j] += v;
            tail += v * v;
        }
        double row_sq = tail;
        for (int l = 0; l < kLanes; ++l) row_sq += lanes[l];
        total += row_sq;
    }
    *sumsq += total;
}

namespace {

// One CholeskyQR step: G = A^T A, G = R^T R (dpotrf), A <- A R^-1, so A is overwritten by Q of
// A = Q R. False when G is not numerically positive definite (A too ill-conditioned for
// CholeskyQR). `rcond`, when given, receives LAPACK's estimate of 1 / cond_1(R) = 1 / cond(A).
bool cholesky_qr_step(double* a, std::int64_t m, int n, double* rcond = nullptr) {
    std::vector<double> g(static_cast<std::size_t>(n) * n, 0.0);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, n, static_cast<int>(m), 1.0, a, n, 0.0, g.data(), n);
    const lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', n, g.data(), n);
    if (info != 0) return false;
    double rmax = 0.0, rmin = std::numeric_limits<double>::max();
    for (int i = 0; i < n; ++i) {
        rmax = std::max(rmax, std::fabs(g[static_cast<std::size_t>(i) * n + i]));
        rmin = std::min(rmin, std::fabs(g[static_cast<std::size_t>(i) * n + i]));
    }
    if (!(rmin > 1e-7 * rmax)) return false;  // condition number of A above ~1e7: use Householder
    if (rcond && LAPACKE_dtrcon(LAPACK_ROW_MAJOR, '1', 'U', 'N', n, g.data(), n, rcond) != 0) *rcond = 0.0;
    cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, static_cast<int>(m), n,
                1.0, g.data(), n, a, n);
    return true;
}

}  // namespace

bool orthonormalize_columns(double* a, std::int64_t m, int n) {
    LF_ASSERT(m >= n && n >= 1);
    LF_CHECK(m <= std::numeric_limits<int>::max() && m * n <= std::numeric_limits<int>::max(), "QR: a ", m,
             "x", n, " matrix exceeds the 32-bit LAPACK index range");
    // CholeskyQR2 (two CholeskyQR steps: all BLAS-3, several times faster than Householder for tall
    // thin blocks, orthogonal to rounding after the second step) when A is well enough conditioned;
    // Householder QR otherwise. One step leaves ||Q^T Q - I|| ~ u cond(A)^2 (Yamamoto et al. 2015):
    // when LAPACK's estimate puts cond(A) below 1e3 (a Gaussian start block: ~1.3), that is <= 1e-10
    // and the second step is skipped.
    std::vector<double> backup(a, a + m * n);
    double rcond = 0.0;
    if (cholesky_qr_step(a, m, n, &rcond) && (rcond > 1e-3 || cholesky_qr_step(a, m, n))) return true;
    std::copy(backup.begin(), backup.end(), a);
    std::vector<double> tau(n);
    lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, static_cast<int>(m), n, a, n, tau.data());
    LF_CHECK(info == 0, "QR: LAPACKE_dgeqrf failed (info = ", info, ")");
    info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, static_cast<int>(m), n, n, a, n, tau.data());
    LF_CHECK(info == 0, "QR: LAPACKE_dorgqr failed (info = ", info, ")");
    return false;
}

std::vector<double> gaussian_matrix(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
    // Marsaglia's polar method (no trigonometry) on 64-bit Mersenne Twisters, one per chunk of
    // kChunk values seeded by (seed, chunk index): the pool fills the chunks in parallel and the
    // matrix does not depend on the thread count.
    constexpr std::int64_t kChunk = 1 << 16;
    std::vector<double> v(static_cast<std::size_t>(rows * cols));
    const std::int64_t total = rows * cols, chunks = (total + kChunk - 1) / kChunk;
    parallel_for(chunks, [&](std::int64_t c0, std::int64_t c1) {
        for (std::int64_t c = c0; c < c1; ++c) {
            std::mt19937_64 rng(seed ^ (0x9e3779b97f4a7c15ull * static_cast<std::uint64_t>(c + 1)));
            const double inv = 0x1p-52;
            const std::int64_t end = std::min(total, (c + 1) * kChunk);
            for (std::int64_t i = c * kChunk; i < end; i += 2) {
                double u1, u2, s;
                do {
                    u1 = static_cast<double>(rng() >> 12) * inv * 2.0 - 1.0;
                    u2 = static_cast<double>(rng() >> 12) * inv * 2.0 - 1.0;
                    s = u1 * u1 + u2 * u2;
                } while (s >= 1.0 || s == 0.0);
                const double f = std::sqrt(-2.0 * std::log(s) / s);
                v[i] = u1 * f;
                if (i + 1 < end) v[i + 1] = u2 * f;
            }
        }
    });
    return v;
}

void gemm_tn(const double* a, const double* b, std::int64_t r, std::int64_t m, std::int64_t n, double* c,
             double beta) {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
                static_cast<int>(r), 1.0, a, static_cast<int>(m), b, static_cast<int>(n), beta, c,
                static_cast<int>(n));
}

void gemm_nn(const double* a, const double* b, std::int64_t m, std::int64_t r, std::int64_t n, double* c,
             double beta) {
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
                static_cast<int>(r), 1.0, a, static_cast<int>(r), b, static_cast<int>(n), beta, c,
                static_cast<int>(n));
}

bool trace_enabled() {
    static const bool enabled = std::getenv("LF_LINALG_TRACE") != nullptr;
    return enabled;
}

PhaseTrace::PhaseTrace(const char* routine) : routine_(routine), last_(std::chrono::steady_clock::now()) {}

void PhaseTrace::operator()(const char* phase) {
    if (!trace_enabled()) return;
    const auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "linalg: %s %-28s %8.3f s\n", routine_, phase,
                 std::chrono::duration<double>(now - last_).count());
    last_ = now;
}

}  // namespace lf::detail
