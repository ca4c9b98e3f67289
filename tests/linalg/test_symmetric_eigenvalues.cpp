// test_symmetric_eigenvalues.cpp: the dense symmetric factorizations behind the Fréchet distance
// against LAPACK on the same matrices. The pool Cholesky (linalg/cholesky.h) against dpotrf
// (factor, failing column, untouched upper triangle, same bits for any thread count). The
// two-stage symmetric eigenvalue solver (linalg/symmetric_eigenvalues.h) and its stages
// (band_reduction.h, band_tridiagonal.h) against the one-stage dsyevd:
//  - eigenvalues of covariance-like (SPD), indefinite, rank-deficient, diagonal, zero and
//    extreme-scale matrices agree with dsyevd's within 1e-12 of the largest magnitude;
//  - each stage preserves the eigenvalues (dense -> band, band -> tridiagonal, checked through
//    dsyevd of the dense band matrix and dsterf of the tridiagonal one), for several bandwidths,
//    including the degenerate ones (kd = 0, 1, >= n - 1);
//  - the bulge chasing gives bit-identical results for 1, 2 and 3 threads (the pipelined
//    schedule is race-free and order-preserving), also with more threads than cores.
#include <gtest/gtest.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/core/cpu_threads.h"
#include "linalg/band_reduction.h"
#include "linalg/band_tridiagonal.h"
#include "linalg/cholesky.h"
#include "linalg/symmetric_eigenvalues.h"

namespace lf {
namespace {

using Matrix = std::vector<double>;  // [n, n] column-major, both triangles

// kind 0: covariance of `samples` correlated Gaussian rows (SPD when samples > n); kind 1:
// symmetric Gaussian (indefinite).
Matrix random_symmetric(int n, int kind, std::uint64_t seed, int samples = 0) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g;
    Matrix a(static_cast<std::size_t>(n) * n, 0.0);
    if (kind == 0) {
        std::vector<double> z(static_cast<std::size_t>(n)), x(static_cast<std::size_t>(n));
        for (int s = 0; s < samples; ++s) {
            for (double& v : z) v = g(rng);
            for (int j = 0; j < n; ++j) x[j] = z[j] + 0.5 * z[(j + n - 1) % n];
            for (int j = 0; j < n; ++j)
                for (int i = j; i < n; ++i) a[static_cast<std::size_t>(j) * n + i] += x[i] * x[j] / samples;
        }
    } else {
        for (int j = 0; j < n; ++j)
            for (int i = j; i < n; ++i) a[static_cast<std::size_t>(j) * n + i] = g(rng);
    }
    for (int j = 0; j < n; ++j)
        for (int i = j + 1; i < n; ++i)
            a[static_cast<std::size_t>(i) * n + j] = a[static_cast<std::size_t>(j) * n + i];
    return a;
}

std::vector<double> reference_eigenvalues(Matrix a, int n) {
    std::vector<double> w(static_cast<std::size_t>(n));
    EXPECT_EQ(LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', n, a.data(), n, w.data()), 0);
    return w;
}

double max_abs(const std::vector<double>& v) {
    double m = 0.0;
    for (double x : v) m = std::max(m, std::fabs(x));
    return m;
}

// Largest |got_i - want_i| over the largest |want_i| (both ascending).
double eigenvalue_error(const std::vector<double>& got, const std::vector<double>& want) {
    EXPECT_EQ(got.size(), want.size());
    double err = 0.0;
    for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i)
        err = std::max(err, std::fabs(got[i] - want[i]));
    const double scale = max_abs(want);
    return scale > 0.0 ? err / scale : err;
}

// The dense symmetric matrix of the band part (|i - j| <= kd) of a BulgeBand.
Matrix dense_of_band(BulgeBand& band) {
    const int n = band.n();
    Matrix a(static_cast<std::size_t>(n) * n, 0.0);
    for (int j = 0; j < n; ++j)
        for (int i = j; i <= std::min(n - 1, j + band.kd()); ++i) {
            a[static_cast<std::size_t>(j) * n + i] = band.at(i, j);
            a[static_cast<std::size_t>(i) * n + j] = band.at(i, j);
        }
    return a;
}

BulgeBand random_band(int n, int kd, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g;
    BulgeBand band(n, kd);
    for (int j = 0; j < n; ++j)
        for (int i = j; i <= std::min(n - 1, j + kd); ++i) band.at(i, j) = g(rng);
    return band;
}

std::vector<double> tridiagonal_eigenvalues(std::vector<double> d, std::vector<double> e) {
    EXPECT_EQ(LAPACKE_dsterf(static_cast<lapack_int>(d.size()), d.data(), e.data()), 0);
    return d;
}

TEST(Cholesky, MatchesDpotrfAndKeepsTheUpperTriangle) {
    for (const int n : {1, 5, 128, 129, 300, 1000}) {
        Matrix a = random_symmetric(n, 0, 50 + n, n + 40);
        for (int j = 1; j < n; ++j)  // a sentinel in the strict upper triangle
            for (int i = 0; i < j; ++i) a[static_cast<std::size_t>(j) * n + i] = -3.0;
        Matrix want = a;
        ASSERT_EQ(LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, want.data(), n), 0);
        Matrix got = a;
        ASSERT_EQ(cholesky_lower(got.data(), n, n, 2), 0) << n;
        double err = 0.0, scale = 0.0;
        for (int j = 0; j < n; ++j)
            for (int i = 0; i < n; ++i) {
                const std::size_t at = static_cast<std::size_t>(j) * n + i;
                if (i < j) {
                    EXPECT_EQ(got[at], -3.0) << "upper triangle written at " << i << "," << j;
                    continue;
                }
                err = std::max(err, std::fabs(got[at] - want[at]));
                scale = std::max(scale, std::fabs(want[at]));
            }
        EXPECT_LE(err, 1e-12 * scale) << n;
    }
}

TEST(Cholesky, ReportsTheFailingColumnLikeLapack) {
    const int n = 700;
    Matrix a = random_symmetric(n, 0, 3, n + 100);
    a[static_cast<std::size_t>(300) * n + 300] = -1.0;  // the leading minor of order 301 is indefinite
    Matrix want = a, got = a;
    const int lapack_info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, want.data(), n);
    EXPECT_EQ(lapack_info, 301);
    EXPECT_EQ(cholesky_lower(got.data(), n, n, 2), lapack_info);
}

TEST(Cholesky, EveryThreadLeavesAtTheFailingStep) {
    // Singular (rank 1050 of 1074): the look-ahead factorization of the last block column fails.
    // Every thread must stop after the same step; a thread that read the failure one step early
    // left the others waiting at the next barrier forever (seen within ~50 runs; three threads on
    // two cores make the late reader likelier).
    const int saved = cpu_threads();
    set_cpu_threads(3);
    const int n = 1074;
    const Matrix base = random_symmetric(n, 0, 8, 1051);
    Matrix first = base;
    const int info = cholesky_lower(first.data(), n, n, 2);
    ASSERT_GT(info, 1024) << "fails in the last block column";
    for (int run = 0; run < 150; ++run) {
        Matrix a = base;
        ASSERT_EQ(cholesky_lower(a.data(), n, n, run % 2 ? 3 : 2), info) << run;
    }
    set_cpu_threads(saved);
}

TEST(Cholesky, SameBitsForAnyThreadCount) {
    const int saved = cpu_threads();
    set_cpu_threads(3);
    const int n = 900;
    const Matrix a = random_symmetric(n, 0, 4, n + 10);
    Matrix one = a;
    ASSERT_EQ(cholesky_lower(one.data(), n, n, 1), 0);
    for (const int threads : {2, 3}) {
        Matrix many = a;
        ASSERT_EQ(cholesky_lower(many.data(), n, n, threads), 0);
        EXPECT_EQ(many, one) << threads;
    }
    set_cpu_threads(saved);
}

TEST(SymmetricEigenvalues, MatchDsyevd) {
    struct Case {
        int n, kind, samples;
    };
    // SPD covariances, indefinite, rank-deficient (samples < n), from tiny orders (one panel, no
    // sweep) to one above the dispatcher's threshold.
    for (const Case c : {Case{1, 1, 0}, Case{2, 0, 5}, Case{40, 0, 60}, Case{256, 0, 400}, Case{300, 1, 0},
                         Case{517, 0, 800}, Case{700, 0, 300}, Case{kTwoStageMinOrder + 1, 1, 0}}) {
        const Matrix a = random_symmetric(c.n, c.kind, 11 + c.n, c.samples);
        Matrix work = a;
        const std::vector<double> got = symmetric_eigenvalues_two_stage(work.data(), c.n, c.n);
        const double err = eigenvalue_error(got, reference_eigenvalues(a, c.n));
        EXPECT_LE(err, 1e-12) << "n " << c.n << " kind " << c.kind << " samples " << c.samples;
        EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
        Matrix dispatched = a;  // the dispatcher (dsyevd below kTwoStageMinOrder)
        EXPECT_LE(eigenvalue_error(symmetric_eigenvalues(dispatched.data(), c.n, c.n), got), 1e-12);
    }
}

TEST(SymmetricEigenvalues, LeadingDimensionLargerThanOrder) {
    const int n = 400, lda = 411;
    const Matrix a = random_symmetric(n, 1, 5);
    Matrix padded(static_cast<std::size_t>(lda) * n, -7.0);  // the padding rows must not be read
    for (int j = 0; j < n; ++j)
        std::copy_n(a.data() + static_cast<std::size_t>(j) * n, n,
                    padded.data() + static_cast<std::size_t>(j) * lda);
    EXPECT_LE(
        eigenvalue_error(symmetric_eigenvalues_two_stage(padded.data(), n, lda), reference_eigenvalues(a, n)),
        1e-12);
}

TEST(SymmetricEigenvalues, DiagonalZeroAndExtremeScales) {
    const int n = 300;
    Matrix diag(static_cast<std::size_t>(n) * n, 0.0);
    std::vector<double> want(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        want[i] = diag[static_cast<std::size_t>(i) * n + i] = std::sin(1.0 + i) * (i + 1);
    std::sort(want.begin(), want.end());
    EXPECT_EQ(symmetric_eigenvalues_two_stage(diag.data(), n, n),
              want);  // no reflector changes a diagonal matrix

    Matrix zero(static_cast<std::size_t>(n) * n, 0.0);
    EXPECT_EQ(symmetric_eigenvalues_two_stage(zero.data(), n, n),
              std::vector<double>(static_cast<std::size_t>(n), 0.0));

    const Matrix a = random_symmetric(n, 0, 3, 500);
    const std::vector<double> base = reference_eigenvalues(a, n);
    for (const double scale : {1e-150, 1e150}) {
        Matrix scaled = a;
        for (double& x : scaled) x *= scale;
        std::vector<double> want_scaled = base;
        for (double& x : want_scaled) x *= scale;
        EXPECT_LE(eigenvalue_error(symmetric_eigenvalues_two_stage(scaled.data(), n, n), want_scaled), 1e-12)
            << scale;
    }
}

TEST(BandReduction, PreservesEigenvalues) {
    for (const int threads : {1, 2})
        for (const int kd : {1, 7, 32}) {
            const int n = 333;
            const Matrix a = random_symmetric(n, 1, 21 + kd);
            Matrix work = a;
            BulgeBand band(n, kd);
            symmetric_to_band(work.data(), n, n, band, threads);
            const double err =
                eigenvalue_error(reference_eigenvalues(dense_of_band(band), n), reference_eigenvalues(a, n));
            EXPECT_LE(err, 1e-12) << "kd " << kd << " threads " << threads;
        }
}

TEST(BandToTridiagonal, PreservesEigenvalues) {
    for (const int kd : {0, 1, 2, 5, 32, 299, 400}) {
        const int n = 300;
        BulgeBand band = random_band(n, kd, 40 + kd);
        const std::vector<double> want = reference_eigenvalues(dense_of_band(band), n);
        std::vector<double> d(n), e(n);
        band_to_tridiagonal(band, d.data(), e.data(), 2);
        e.resize(n - 1);
        EXPECT_LE(eigenvalue_error(tridiagonal_eigenvalues(d, e), want), 1e-12) << "kd " << kd;
    }
}

TEST(BandToTridiagonal, SameBitsForAnyThreadCount) {
    const int saved = cpu_threads();
    set_cpu_threads(3);  // may exceed the cores: the waits must still make progress
    for (const int kd : {3, 16, 32}) {
        const int n = 900;
        std::vector<double> d1, e1;
        for (const int threads : {1, 2, 3}) {
            BulgeBand band = random_band(n, kd, 7);
            std::vector<double> d(n), e(n);
            band_to_tridiagonal(band, d.data(), e.data(), threads);
            if (threads == 1) {
                d1 = d;
                e1 = e;
                continue;
            }
            EXPECT_EQ(d, d1) << "kd " << kd << " threads " << threads;
            EXPECT_EQ(e, e1) << "kd " << kd << " threads " << threads;
        }
    }
    set_cpu_threads(saved);
}

TEST(BandToTridiagonal, InsideAParallelRegionRunsOnOneThread) {
    const int n = 500, kd = 8;
    BulgeBand reference = random_band(n, kd, 9);
    std::vector<double> d1(n), e1(n);
    band_to_tridiagonal(reference, d1.data(), e1.data(), 1);
    std::vector<double> d(n), e(n);
    parallel_run(2, [&](int t) {  // nested bodies would run one after the other: must not wait on each other
        if (t != 0) return;
        BulgeBand band = random_band(n, kd, 9);
        band_to_tridiagonal(band, d.data(), e.data(), 2);
    });
    EXPECT_EQ(d, d1);
    EXPECT_EQ(e, e1);
}

}  // namespace
}  // namespace lf
