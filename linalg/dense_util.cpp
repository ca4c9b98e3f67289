// dense_util.cpp: see dense_util.h.
#include "linalg/dense_util.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>

#include "kernels/core/error.h"

#if defined(_OPENMP)
#include <omp.h>
#endif

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

void orthonormalize_columns(double* a, std::int64_t m, int n) {
    LF_ASSERT(m >= n && n >= 1);
    LF_CHECK(m <= std::numeric_limits<int>::max() && m * n <= std::numeric_limits<int>::max(),
             "QR: a ", m, "x", n, " matrix exceeds the 32-bit LAPACK index range");
    std::vector<double> tau(n);
    lapack_int info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, static_cast<int>(m), n, a, n, tau.data());
    LF_CHECK(info == 0, "QR: LAPACKE_dgeqrf failed (info = ", info, ")");
    info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, static_cast<int>(m), n, n, a, n, tau.data());
    LF_CHECK(info == 0, "QR: LAPACKE_dorgqr failed (info = ", info, ")");
}

std::vector<double> gaussian_matrix(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<double> v(static_cast<std::size_t>(rows * cols));
    const double inv = 0x1p-53;
    for (std::size_t i = 0; i < v.size(); i += 2) {
        const double u1 = (static_cast<double>(rng() >> 11) + 1.0) * inv;  // (0, 1]
        const double u2 = static_cast<double>(rng() >> 11) * inv;          // [0, 1)
        const double r = std::sqrt(-2.0 * std::log(u1));
        v[i] = r * std::cos(2.0 * std::numbers::pi * u2);
        if (i + 1 < v.size()) v[i + 1] = r * std::sin(2.0 * std::numbers::pi * u2);
    }
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

int max_threads() {
#if defined(_OPENMP)
    return omp_get_max_threads();
#else
    return 1;
#endif
}

void parallel_for(std::int64_t n, const std::function<void(std::int64_t, std::int64_t)>& body) {
    if (n <= 0) return;
#if defined(_OPENMP)
    const int threads = static_cast<int>(std::min<std::int64_t>(omp_get_max_threads(), n));
    if (threads > 1) {
#pragma omp parallel num_threads(threads)
        {
            const int t = omp_get_thread_num();
            const std::int64_t begin = n * t / threads, end = n * (t + 1) / threads;
            body(begin, end);
        }
        return;
    }
#endif
    body(0, n);
}

}  // namespace lf::detail
