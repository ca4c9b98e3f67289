// test_frechet_distance.cpp: Gaussian statistics and the Fréchet distance (linalg/frechet_distance.h).
//  - fixtures: fd_A / fd_B of ../shared/fixtures/fid_inception_random_golden.npz (unpacked by the
//    fixture setup) against pytorch-fid's calculate_frechet_distance value, 1e-6 relative (the
//    fixture README's tolerance: float64 statistics, two different square-root routes);
//  - unit: statistics against a plain two-pass float64 computation; rank-deficient covariances
//    (N < d, where pytorch-fid's sqrtm route raises "imaginary component") give a finite value that
//    matches the eigenvalues of S1 S2 from a general (nonsymmetric) LAPACK dgeev; identities
//    FD(a, a) = 0, FD(a, b) = FD(b, a); shape errors name the file.
#include <cblas.h>
#include <gtest/gtest.h>
#include <lapacke.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <random>

#include "kernels/core/error.h"
#include "kernels/io/npy.h"
#include "linalg/frechet_distance.h"
#include "linalg/symmetric_eigenvalues.h"

namespace lf {
namespace {

Tensor random_features(std::int64_t n, std::int64_t d, std::uint32_t seed, double shift = 0.0) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g;
    Tensor t = Tensor::empty({n, d}, DType::F64);
    // correlated columns: x_j = z_j + 0.5 z_{j-1} + shift
    std::vector<double> z(static_cast<std::size_t>(d));
    for (std::int64_t i = 0; i < n; ++i) {
        for (auto& v : z) v = g(rng);
        for (std::int64_t j = 0; j < d; ++j)
            t.data<double>()[i * d + j] = z[j] + (j ? 0.5 * z[j - 1] : 0.0) + shift;
    }
    return t;
}

// Tr sqrt(S1 S2) through the general eigenvalues of S1 S2 (torch-fidelity's route): sum of the real
// parts of sqrt(lambda), negatives clipped.
double sqrt_trace_dgeev(const GaussianStats& a, const GaussianStats& b) {
    const int d = static_cast<int>(a.mu.dim(0));
    std::vector<double> prod(static_cast<std::size_t>(d) * d, 0.0), wr(d), wi(d);
    const double* s1 = a.sigma.data<double>();
    const double* s2 = b.sigma.data<double>();
    for (int i = 0; i < d; ++i)
        for (int k = 0; k < d; ++k)
            for (int j = 0; j < d; ++j) prod[i * d + j] += s1[i * d + k] * s2[k * d + j];
    EXPECT_EQ(LAPACKE_dgeev(LAPACK_ROW_MAJOR, 'N', 'N', d, prod.data(), d, wr.data(), wi.data(), nullptr, 1,
                            nullptr, 1),
              0);
    double sum = 0.0;
    for (int i = 0; i < d; ++i) sum += wr[i] > 0 ? std::sqrt(wr[i]) : 0.0;
    return sum;
}

TEST(GaussianStats, MatchesTwoPassCovariance) {
    const std::int64_t n = 2100, d = 7;  // more rows than one DSYRK chunk
    const Tensor x = random_features(n, d, 1, 3.0);
    const GaussianStats s = gaussian_stats(x, "x");
    for (std::int64_t j = 0; j < d; ++j) {
        double m = 0;
        for (std::int64_t i = 0; i < n; ++i) m += x.data<double>()[i * d + j];
        m /= n;
        EXPECT_NEAR(s.mu.data<double>()[j], m, 1e-12 * (1 + std::fabs(m)));
    }
    for (std::int64_t j = 0; j < d; ++j)
        for (std::int64_t k = 0; k < d; ++k) {
            double c = 0;
            const double mj = s.mu.data<double>()[j], mk = s.mu.data<double>()[k];
            for (std::int64_t i = 0; i < n; ++i)
                c += (x.data<double>()[i * d + j] - mj) * (x.data<double>()[i * d + k] - mk);
            c /= (n - 1);  // unbiased, as np.cov
            EXPECT_NEAR(s.sigma.data<double>()[j * d + k], c, 1e-11) << j << "," << k;
        }
}

TEST(GaussianStats, RejectsFewerThanTwoRows) {
    EXPECT_THROW(gaussian_stats(Tensor::zeros({1, 4}, DType::F32), "one"), Error);
}

TEST(FrechetDistance, RankDeficientIsFiniteAndMatchesGeneralEigenvalues) {
    // N = 10 < d = 48: both covariances have rank 9.
    const GaussianStats a = gaussian_stats(random_features(10, 48, 2), "a");
    const GaussianStats b = gaussian_stats(random_features(10, 48, 3, 0.25), "b");
    const FrechetResult r = frechet_distance(a, b);
    ASSERT_TRUE(std::isfinite(r.value));
    EXPECT_EQ(r.route, FrechetRoute::PivotedCholesky);  // S1 is singular: not the plain Cholesky route
    EXPECT_EQ(r.rank1, 9);
    const FrechetResult e = frechet_distance(a, b, "a", "b", FrechetRoute::Eigen);
    EXPECT_EQ(e.route, FrechetRoute::Eigen);
    EXPECT_EQ(e.rank1, 9);
    const double want = sqrt_trace_dgeev(a, b);
    // dgeev returns the 39 zero eigenvalues of the singular nonsymmetric S1 S2 as noise of size
    // ~d * eps * |S1| |S2|, and each adds sqrt(noise) to its sum: that bounds the difference.
    double n1 = 0, n2 = 0;
    for (std::int64_t i = 0; i < 48 * 48; ++i) {
        n1 += a.sigma.data<double>()[i] * a.sigma.data<double>()[i];
        n2 += b.sigma.data<double>()[i] * b.sigma.data<double>()[i];
    }
    const double noise = std::sqrt(48 * 2.3e-16 * std::sqrt(n1) * std::sqrt(n2));
    EXPECT_NEAR(r.sqrt_trace, want, (48 - 9) * noise + 1e-10 * r.trace_sum);
    EXPECT_NEAR(e.sqrt_trace, want, (48 - 9) * noise + 1e-10 * r.trace_sum);
    // both routes drop S1's null space exactly, so they agree far more closely than with dgeev
    EXPECT_NEAR(r.sqrt_trace, e.sqrt_trace, 1e-10 * r.trace_sum);
}

TEST(FrechetDistance, Identities) {
    const GaussianStats a = gaussian_stats(random_features(300, 32, 4), "a");
    const GaussianStats b = gaussian_stats(random_features(300, 32, 5, 0.5), "b");
    const FrechetResult aa = frechet_distance(a, a);
    EXPECT_NEAR(aa.value, 0.0, 1e-10 * aa.trace_sum);  // Tr sqrt(S S) = Tr S
    const double ab = frechet_distance(a, b).value, ba = frechet_distance(b, a).value;
    EXPECT_NEAR(ab, ba, 1e-10 * ab);
    EXPECT_NEAR(frechet_distance(a, b).sqrt_trace, sqrt_trace_dgeev(a, b), 1e-10 * ab);
}

TEST(FrechetDistance, CholeskyAndEigenRoutesAgree) {
    const GaussianStats a = gaussian_stats(random_features(400, 40, 8), "a");
    const GaussianStats b = gaussian_stats(random_features(400, 40, 9, 0.3), "b");
    const FrechetResult chol = frechet_distance(a, b);
    const FrechetResult eig = frechet_distance(a, b, "a", "b", FrechetRoute::Eigen);
    EXPECT_EQ(chol.route, FrechetRoute::Cholesky);
    EXPECT_EQ(eig.route, FrechetRoute::Eigen);
    EXPECT_EQ(eig.rank1, 40);
    // both are backward-stable float64 factorizations of the same matrices: agree to ~1e-12 of the
    // trace terms
    EXPECT_NEAR(chol.sqrt_trace, eig.sqrt_trace, 1e-12 * chol.trace_sum);
    EXPECT_NEAR(chol.value, eig.value, 1e-11 * chol.trace_sum);
}

// Tr sqrt(S1 S2) by the eigen route written with plain LAPACK (dsyevd twice, no two-stage code):
// S1 = V diag(l) V^T, F = V diag(sqrt(l)) over l > d eps max(l), eigenvalues of F^T S2 F.
double sqrt_trace_plain_lapack(const GaussianStats& a, const GaussianStats& b) {
    const int d = static_cast<int>(a.mu.dim(0));
    std::vector<double> v(a.sigma.data<double>(), a.sigma.data<double>() + static_cast<std::size_t>(d) * d),
        l(d);
    EXPECT_EQ(LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', d, v.data(), d, l.data()), 0);
    const double cutoff = d * std::numeric_limits<double>::epsilon() * l.back();
    std::vector<double> f;  // [d, r] column-major
    for (int c = 0; c < d; ++c)
        if (l[c] > cutoff)
            for (int i = 0; i < d; ++i) f.push_back(v[static_cast<std::size_t>(c) * d + i] * std::sqrt(l[c]));
    const int r = static_cast<int>(f.size() / d);
    std::vector<double> t(static_cast<std::size_t>(d) * r), m(static_cast<std::size_t>(r) * r), w(r);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, d, r, d, 1.0, b.sigma.data<double>(), d, f.data(),
                d, 0.0, t.data(), d);
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, r, r, d, 1.0, f.data(), d, t.data(), d, 0.0,
                m.data(), r);
    EXPECT_EQ(LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', r, m.data(), r, w.data()), 0);
    double sum = 0.0;
    for (double x : w) sum += x > 0.0 ? std::sqrt(x) : 0.0;
    return sum;
}

TEST(FrechetDistance, TwoStageOrdersMatchPlainLapack) {
    // d above kTwoStageMinOrder: the eigenvalues come from the two-stage solver. Full rank
    // (Cholesky route) and rank 1049 of 1074 (pivoted route, a 1049 x 1049 eigenproblem).
    const std::int64_t d = kTwoStageMinOrder + 50;
    for (const std::int64_t n : {std::int64_t{1600}, std::int64_t{1050}}) {
        const GaussianStats a = gaussian_stats(random_features(n, d, 31), "a");
        const GaussianStats b = gaussian_stats(random_features(n, d, 32, 0.2), "b");
        const FrechetResult r = frechet_distance(a, b);
        EXPECT_EQ(r.route, n > d ? FrechetRoute::Cholesky : FrechetRoute::PivotedCholesky);
        EXPECT_EQ(r.rank1, n > d ? d : n - 1);
        EXPECT_NEAR(r.sqrt_trace, sqrt_trace_plain_lapack(a, b), 1e-12 * r.trace_sum) << n;
    }
}

TEST(FrechetDistance, ConsumingOverloadGivesTheSameBits) {
    // Full rank (in-place Cholesky), rank-deficient (dpotrf fails on the sigma buffer itself, which
    // must be restored before the pivoted route) and the forced eigen route.
    for (const std::int64_t n : {500, 120})
        for (const FrechetRoute route : {FrechetRoute::Cholesky, FrechetRoute::Eigen}) {
            const GaussianStats a = gaussian_stats(random_features(n, 260, 41), "a");
            const GaussianStats b = gaussian_stats(random_features(n, 260, 42, 0.1), "b");
            const FrechetResult kept = frechet_distance(a, b, "a", "b", route);
            GaussianStats a2{a.mu.clone(), a.sigma.clone()}, b2{b.mu.clone(), b.sigma.clone()};
            const FrechetResult consumed = frechet_distance(std::move(a2), std::move(b2), "a", "b", route);
            EXPECT_EQ(consumed.value, kept.value) << n;
            EXPECT_EQ(consumed.route, kept.route) << n;
            EXPECT_EQ(consumed.rank1, kept.rank1) << n;
            EXPECT_EQ(a2.sigma.rank(), 0) << "the consumed statistics are left empty";
        }
}

TEST(FrechetDistance, ShapeErrorsNameTheSource) {
    GaussianStats a = gaussian_stats(random_features(20, 6, 6), "a");
    GaussianStats bad{a.mu, Tensor::zeros({3, 4}, DType::F64)};
    try {
        frechet_distance(a, bad, "A.npz", "B.npz");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "B.npz: 'sigma' has shape [3, 4], expected [6, 6] (mu has 6 entries)");
    }
    GaussianStats other = gaussian_stats(random_features(20, 5, 7), "c");
    EXPECT_THROW(frechet_distance(a, other, "A.npz", "C.npz"), Error);
}

TEST(FrechetDistanceFixture, MatchesPytorchFid) {
    const char* dir = std::getenv("LF_FID_FIXTURE_DIR");
    if (!dir || !std::filesystem::exists(std::string(dir) + "/fd_A.npy"))
        GTEST_SKIP()
            << "no unpacked fid_inception_random_golden fixture (../shared/fixtures or Python+NumPy missing)";
    const std::string d = dir;
    const GaussianStats a = gaussian_stats(npy::load(d + "/fd_A.npy"), "fd_A");
    const GaussianStats b = gaussian_stats(npy::load(d + "/fd_B.npy"), "fd_B");
    const double want = npy::load(d + "/fd_value.npy").data<double>()[0];
    const double got = frechet_distance(a, b).value;
    const double rel = std::fabs(got - want) / std::fabs(want);
    std::printf("fd: %.17g golden %.17g rel %.3e\n", got, want, rel);
    EXPECT_LE(rel, 1e-6) << "fixture tolerance (../shared/fixtures/README.md)";
}

}  // namespace
}  // namespace lf
