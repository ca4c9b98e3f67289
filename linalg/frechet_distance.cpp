// frechet_distance.cpp: Gaussian statistics (mean, unbiased covariance via DSYRK over row chunks)
// and the CPU Fréchet distance: the pool Cholesky (cholesky.h) or LAPACKE dpstrf / dsyevd, DTRMM /
// DSYMM / DGEMM and the eigenvalues-only solver (symmetric_eigenvalues.h); see frechet_distance.h.
#include "linalg/frechet_distance.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "kernels/core/error.h"
#include "linalg/cholesky.h"
#include "linalg/dense_util.h"
#include "linalg/symmetric_eigenvalues.h"

namespace lf {
namespace {

constexpr std::int64_t kChunkRows = 1024;  // rows centred per DSYRK (bounds the f64 scratch)

// float64 scratch from the host allocator (cached, huge-page backed) rather than std::vector, whose
// d x d blocks would be fresh mmaps paying a page fault per 4 KiB on first touch.
class Scratch {
public:
    Scratch() = default;
    explicit Scratch(std::size_t n) : t_(Tensor::empty({static_cast<std::int64_t>(n)}, DType::F64)) {}
    Scratch(const double* src, std::size_t n) : Scratch(n) { std::copy(src, src + n, data()); }
    double* data() { return t_.data<double>(); }
    double& operator[](std::size_t i) { return data()[i]; }

private:
    Tensor t_;  // [n] f64 host
};

// all_finite (row_source.h) over chunks of the pool: it streams the whole d x d covariance.
bool all_finite_parallel(const double* x, std::size_t n) {
    std::atomic<bool> finite{true};
    detail::parallel_for(static_cast<std::int64_t>(n), [&](std::int64_t begin, std::int64_t end) {
        if (!all_finite(x + begin, end - begin)) finite.store(false, std::memory_order_relaxed);
    });
    return finite.load();
}

}  // namespace

GaussianStats gaussian_stats(const Tensor& features, const std::string& what) {
    LF_CHECK(features.device().is_cpu(), what, ": features must be on the host");
    LF_CHECK(features.rank() == 2, what, ": features must be [N, d], got ",
             shape_to_string(features.shape()));
    LF_CHECK(features.dtype() == DType::F32 || features.dtype() == DType::F64, what,
             ": features must be f32 or f64, got ", dtype_name(features.dtype()));
    const std::int64_t n = features.dim(0), d = features.dim(1);
    LF_CHECK(n >= 2, what, ": ", n, " feature vector(s); the covariance needs at least 2");
    LF_CHECK(d >= 1 && d <= std::numeric_limits<int>::max() / 2, what, ": bad feature size ", d);
    auto row_value = [&](std::int64_t i, std::int64_t j) -> double {
        return features.dtype() == DType::F32 ? features.data<float>()[i * d + j]
                                              : features.data<double>()[i * d + j];
    };

    GaussianStats s;
    s.mu = Tensor::zeros({d}, DType::F64);
    s.sigma = Tensor::zeros({d, d}, DType::F64);
    double* mu = s.mu.data<double>();
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < d; ++j) mu[j] += row_value(i, j);
    for (std::int64_t j = 0; j < d; ++j) mu[j] /= static_cast<double>(n);

    // sigma = sum over chunks of Xc^T Xc (upper triangle, row-major), then / (n - 1) and mirrored.
    double* sigma = s.sigma.data<double>();
    std::vector<double> centred(static_cast<std::size_t>(std::min(n, kChunkRows) * d));
    for (std::int64_t r0 = 0; r0 < n; r0 += kChunkRows) {
        const std::int64_t rows = std::min(kChunkRows, n - r0);
        for (std::int64_t i = 0; i < rows; ++i)
            for (std::int64_t j = 0; j < d; ++j) centred[i * d + j] = row_value(r0 + i, j) - mu[j];
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<int>(d), static_cast<int>(rows), 1.0,
                    centred.data(), static_cast<int>(d), 1.0, sigma, static_cast<int>(d));
    }
    const double inv = 1.0 / static_cast<double>(n - 1);
    for (std::int64_t i = 0; i < d; ++i)
        for (std::int64_t j = i; j < d; ++j) {
            const double v = sigma[i * d + j] * inv;
            sigma[i * d + j] = v;
            sigma[j * d + i] = v;
        }
    return s;
}

void check_gaussian_stats(const GaussianStats& s, const std::string& what) {
    LF_CHECK(s.mu.defined() && s.sigma.defined(), what, ": statistics need 'mu' and 'sigma'");
    LF_CHECK(s.mu.rank() == 1 && s.mu.dim(0) >= 1, what, ": 'mu' has shape ", shape_to_string(s.mu.shape()),
             ", expected a vector [d]");
    const std::int64_t d = s.mu.dim(0);
    LF_CHECK(s.sigma.rank() == 2 && s.sigma.dim(0) == d && s.sigma.dim(1) == d, what, ": 'sigma' has shape ",
             shape_to_string(s.sigma.shape()), ", expected [", d, ", ", d, "] (mu has ", d, " entries)");
    LF_CHECK(s.mu.dtype() == DType::F64 && s.sigma.dtype() == DType::F64, what,
             ": 'mu' and 'sigma' must be f64");
    LF_CHECK(s.mu.device().is_cpu() && s.sigma.device().is_cpu(), what, ": statistics must be on the host");
    LF_CHECK(d <= 46340, what, ": d = ", d, " is too large for 32-bit LAPACK indices");
    LF_CHECK(all_finite(s.mu.data<double>(), d), what, ": 'mu' is not finite");
    LF_CHECK(all_finite_parallel(s.sigma.data<double>(), static_cast<std::size_t>(d) * d), what,
             ": 'sigma' is not finite");
}

FrechetResult frechet_plain_terms(const GaussianStats& a, const GaussianStats& b, const std::string& what_a,
                                  const std::string& what_b) {
    check_gaussian_stats(a, what_a);
    check_gaussian_stats(b, what_b);
    const std::int64_t d = a.mu.dim(0);
    LF_CHECK(b.mu.dim(0) == d, "cannot compare ", d, "-d statistics (", what_a, ") with ", b.mu.dim(0),
             "-d statistics (", what_b, ")");
    const double* mu1 = a.mu.data<double>();
    const double* mu2 = b.mu.data<double>();
    const double* s1 = a.sigma.data<double>();
    const double* s2 = b.sigma.data<double>();
    FrechetResult r;
    for (std::int64_t i = 0; i < d; ++i) {
        const double diff = mu1[i] - mu2[i];
        r.mean_term += diff * diff;
        r.trace_sum += s1[i * d + i] + s2[i * d + i];
    }
    return r;
}

namespace {

// M = L^T S L for the lower triangular L in l's lower triangle and the symmetric S (full storage)
// in s: M's lower triangle replaces S's. Column block J of M's lower part, M[J:, J] =
// L[J:, J:]^T (S[J:, J:] L[J:, J]), needs only the trailing block of S, so the blocks are
// independent: W = S[J:, J:] L[J:, J] (DSYMM on S's upper triangle, 2 m^2 b flops), then
// L[J:, J:]^T W (DTRMM, m^2 b): d^3 flops in all, where forming S L first costs 4 d^3 / 3. Blocks
// go to the pool (one BLAS thread each), widest first. Every block reads S's upper triangle and
// writes M below the diagonal, so none reads what another writes; M's diagonal waits aside.
void lower_congruence(const double* l, double* s, int d) {
    constexpr int kBlock = 128;
    const int blocks = (d + kBlock - 1) / kBlock;
    const int threads = coupled_region_threads(detail::max_threads(), blocks);
    std::vector<double> diagonal(static_cast<std::size_t>(d));  // M's diagonal
    std::atomic<int> next{0};
    std::optional<detail::BlasThreadsScope> single_threaded_blas;
    if (threads > 1) single_threaded_blas.emplace(1);
    const std::size_t per_buffer = static_cast<std::size_t>(d) * kBlock;
    Scratch buffers(2 * per_buffer * threads);   // per thread: L[J:, J] and W (no fresh pages per call)
    parallel_run_pinned(threads, [&](int tid) {  // the scheduler may stack both on one core
        double* const lj = buffers.data() + 2 * per_buffer * tid;  // [m, b] L[J:, J], zeros above
        double* const w = lj + per_buffer;                         // [m, b] W, then M[J:, J]
        for (int b; (b = next.fetch_add(1, std::memory_order_relaxed)) < blocks;) {
            const int j0 = b * kBlock, width = std::min(kBlock, d - j0), m = d - j0;
            const std::size_t corner = static_cast<std::size_t>(j0) * d + j0;  // (j0, j0)
            for (int c = 0; c < width; ++c) {
                double* dst = lj + static_cast<std::size_t>(c) * m;
                const double* src = l + corner + static_cast<std::size_t>(c) * d;
                std::fill_n(dst, c, 0.0);
                std::copy(src + c, src + m, dst + c);
            }
            cblas_dsymm(CblasColMajor, CblasLeft, CblasUpper, m, width, 1.0, s + corner, d, lj, m, 0.0, w,
                        m);  // [m, b] S[J:, J:] L[J:, J]
            cblas_dtrmm(CblasColMajor, CblasLeft, CblasLower, CblasTrans, CblasNonUnit, m, width, 1.0,
                        l + corner, d, w, m);  // [m, b] L[J:, J:]^T W
            for (int c = 0; c < width; ++c) {
                const double* src = w + static_cast<std::size_t>(c) * m;
                diagonal[static_cast<std::size_t>(j0 + c)] = src[c];
                std::copy(src + c + 1, src + m, s + corner + static_cast<std::size_t>(c) * d + c + 1);
            }
        }
    });
    for (int i = 0; i < d; ++i)
        s[static_cast<std::size_t>(i) * d + i] = diagonal[static_cast<std::size_t>(i)];
}

// Tr sqrt(S1 S2) into r.sqrt_trace (and r.route, r.rank1, r.clipped) from writable copies of the
// two covariances: s1 and s2 are full symmetric [d, d] (column-major = row-major) and both are
// destroyed. Column-major throughout.
void sqrt_trace_in_place(FrechetResult& r, double* s1, double* s2, int d, FrechetRoute route,
                         const std::string& what_a) {
    detail::PhaseTrace phase("Fréchet distance");  // LF_LINALG_TRACE=1: phase times on stderr
    // The Cholesky overwrites S1's lower triangle and diagonal; after a failed factorization they
    // come back from the untouched upper triangle and this copy of the diagonal.
    std::vector<double> s1_diagonal(d);
    for (int i = 0; i < d; ++i) s1_diagonal[i] = s1[static_cast<std::size_t>(i) * d + i];
    auto restore_s1 = [&] {
        for (int j = 0; j < d; ++j) {
            s1[static_cast<std::size_t>(j) * d + j] = s1_diagonal[j];
            for (int i = j + 1; i < d; ++i)
                s1[static_cast<std::size_t>(j) * d + i] = s1[static_cast<std::size_t>(i) * d + j];
        }
    };

    // Fast route: S1 = L L^T (Cholesky). L = sqrt(S1) U for an orthogonal U, so L^T S2 L =
    // U^T sqrt(S1) S2 sqrt(S1) U has the same eigenvalues.
    double* m = nullptr;  // the symmetric matrix whose eigenvalues are wanted (lower triangle)
    Scratch m_storage;
    int order = 0;
    if (route != FrechetRoute::Eigen) {
        // Pivots at the rounding level mean S1 is singular to working precision (the Cholesky may
        // still succeed on a semidefinite matrix): then the pivoted route finds the rank properly.
        const double max_diag = *std::max_element(s1_diagonal.begin(), s1_diagonal.end());
        const double tiny = d * std::numeric_limits<double>::epsilon() * max_diag;
        bool definite = cholesky_lower(s1, d, d, detail::max_threads()) == 0;  // lower triangle only
        for (int i = 0; definite && i < d; ++i) {
            const double p = s1[static_cast<std::size_t>(i) * d + i];
            definite = p * p > tiny;
        }
        phase("Cholesky of S1");
        if (definite) {
            lower_congruence(s1, s2, d);  // s2's lower triangle: M = L^T S2 L
            phase("L^T S2 L");
            m = s2;
            order = d;
            r.rank1 = d;
            r.route = FrechetRoute::Cholesky;
        } else {
            restore_s1();
        }
    }
    if (order == 0 && route != FrechetRoute::Eigen) {
        // S1 singular (N <= d samples): pivoted Cholesky P^T S1 P = L L^T with L [d, r] lower
        // trapezoidal, r = the rank at dpstrf's default tolerance d * eps * max(diag); F = P L.
        // The first r columns of the factor are complete; the trailing block is not part of it.
        double* chol = s1;
        std::vector<lapack_int> piv(d);
        lapack_int rank = 0;
        const lapack_int info = LAPACKE_dpstrf(LAPACK_COL_MAJOR, 'L', d, chol, d, piv.data(), &rank, -1.0);
        LF_CHECK(info >= 0, what_a, ": pivoted Cholesky of sigma failed (LAPACK dpstrf info ", info, ")");
        r.rank1 = static_cast<int>(rank);
        r.route = FrechetRoute::PivotedCholesky;
        order = static_cast<int>(rank);
        if (rank > 0) {
            Scratch f(static_cast<std::size_t>(d) * rank);
            std::fill_n(f.data(), static_cast<std::size_t>(d) * rank, 0.0);  // [d, r] col-major, rows of P L
            for (int c = 0; c < rank; ++c)
                for (int i = c; i < d; ++i)
                    f[static_cast<std::size_t>(c) * d + (piv[i] - 1)] =
                        chol[static_cast<std::size_t>(c) * d + i];
            Scratch t(static_cast<std::size_t>(d) * rank);
            m_storage = Scratch(static_cast<std::size_t>(rank) * rank);
            m = m_storage.data();
            cblas_dsymm(CblasColMajor, CblasLeft, CblasUpper, d, rank, 1.0, s2, d, f.data(), d, 0.0, t.data(),
                        d);
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, rank, rank, d, 1.0, f.data(), d, t.data(), d,
                        0.0, m, rank);
        }
    }
    if (order == 0 && r.route != FrechetRoute::PivotedCholesky) {
        // The eigen route (forced): S1 = V diag(l) V^T.
        double* v = s1;
        std::vector<double> l(d);
        const lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', d, v, d, l.data());
        LF_CHECK(info == 0, what_a, ": eigendecomposition of sigma failed (LAPACK dsyevd info ", info, ")");
        // B = V diag(sqrt(l)) over the eigenvalues above the rounding level d * eps * max(l)
        // (LAPACK's usual rank tolerance): with N <= d samples the d - N + 1 null-space eigenvalues
        // come out as +-1e-16-sized noise, whose square roots would otherwise add up in the trace.
        const double cutoff = std::max(0.0, d * std::numeric_limits<double>::epsilon() * l.back());
        const int first = static_cast<int>(std::upper_bound(l.begin(), l.end(), cutoff) - l.begin());
        const int rank = d - first;
        r.rank1 = rank;
        r.route = FrechetRoute::Eigen;
        if (rank > 0) {
            double* bmat = v + static_cast<std::size_t>(first) * d;  // [d, rank] column-major
            for (int c = 0; c < rank; ++c) {
                const double sq = std::sqrt(l[first + c]);
                double* col = bmat + static_cast<std::size_t>(c) * d;
                for (int i = 0; i < d; ++i) col[i] *= sq;
            }
            Scratch t(static_cast<std::size_t>(d) * rank);
            m_storage = Scratch(static_cast<std::size_t>(rank) * rank);
            m = m_storage.data();
            cblas_dsymm(CblasColMajor, CblasLeft, CblasUpper, d, rank, 1.0, s2, d, bmat, d, 0.0, t.data(), d);
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, rank, rank, d, 1.0, bmat, d, t.data(), d,
                        0.0, m, rank);
            order = rank;
        }
    }
    if (order > 0) {
        // Eigenvalues only (symmetric_eigenvalues.h: two-stage from order 1024, DSYEVD below); M's
        // lower triangle is read.
        const std::vector<double> eig = symmetric_eigenvalues(m, order, order);
        phase("eigenvalues");
        for (double e : eig) {
            if (e < 0.0) {
                ++r.clipped;
                continue;
            }
            r.sqrt_trace += std::sqrt(e);
        }
    }
}

}  // namespace

FrechetResult frechet_distance(const GaussianStats& a, const GaussianStats& b, const std::string& what_a,
                               const std::string& what_b, FrechetRoute route) {
    FrechetResult r = frechet_plain_terms(a, b, what_a, what_b);
    const int d = static_cast<int>(a.mu.dim(0));
    const std::size_t dd = static_cast<std::size_t>(d) * d;
    Scratch s1(a.sigma.data<double>(), dd), s2(b.sigma.data<double>(), dd);
    sqrt_trace_in_place(r, s1.data(), s2.data(), d, route, what_a);
    r.value = r.mean_term + r.trace_sum - 2.0 * r.sqrt_trace;
    return r;
}

FrechetResult frechet_distance(GaussianStats&& a, GaussianStats&& b, const std::string& what_a,
                               const std::string& what_b, FrechetRoute route) {
    FrechetResult r = frechet_plain_terms(a, b, what_a, what_b);
    sqrt_trace_in_place(r, a.sigma.data<double>(), b.sigma.data<double>(), static_cast<int>(a.mu.dim(0)),
                        route, what_a);
    a = GaussianStats();  // their sigmas were the scratch
    b = GaussianStats();
    r.value = r.mean_term + r.trace_sum - 2.0 * r.sqrt_trace;
    return r;
}

#ifndef LF_WITH_CUDA
namespace cuda {
FrechetResult frechet_distance(const GaussianStats&, const GaussianStats&, int, const std::string&,
                               const std::string&) {
    fail("the CUDA Fréchet distance is not available: this build has no CUDA");
}
}  // namespace cuda
#endif

}  // namespace lf
