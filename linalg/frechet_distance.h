// frechet_distance.h: Gaussian statistics of feature sets and the Fréchet distance between them
// (FID), in float64 throughout.
//   statistics: mu = column mean, sigma = unbiased covariance (np.cov(rowvar=False), N - 1).
//   distance:   d^2 = |mu1 - mu2|^2 + Tr S1 + Tr S2 - 2 Tr sqrt(S1 S2), where
//               Tr sqrt(S1 S2) = sum_i sqrt(lambda_i(sqrt(S1) S2 sqrt(S1))), the eigenvalues of a
//               symmetric PSD matrix with tiny negatives (rounding) clipped to 0. The eigenvalues
//               come from an orthogonally similar matrix F^T S2 F with S1 = F F^T:
//                 Cholesky route (S1 positive definite, the usual N > d case): F = L (cholesky.h);
//                   L = sqrt(S1) U with U orthogonal, so L^T S2 L = U^T sqrt(S1) S2 sqrt(S1) U.
//                   Cost: Cholesky + the lower triangle of L^T S2 L by independent column blocks
//                   (DSYMM + DTRMM each, d^3 flops in all) + the eigenvalues only, two-stage
//                   (symmetric_eigenvalues.h).
//                 pivoted Cholesky route (S1 singular, N <= d, or numerically semidefinite: a
//                   Cholesky pivot at the rounding level d * eps * max diag): P^T S1 P = L L^T with
//                   dpstrf at that tolerance, L [d, r], r = rank(S1); F = P L, F^T S2 F is r x r.
//                   Cost: dpstrf + SYMM + GEMM (d x r) + the eigenvalues of r x r.
//                 eigen route (on request; the CUDA path's fallback, cuSOLVER has no pivoted
//                   Cholesky): S1 = V diag(l) V^T, F = V diag(sqrt(l)) over the l above
//                   d * eps * max(l). Cost: dsyevd with vectors + SYMM + GEMM + eigenvalues.
//               Unlike pytorch-fid's scipy.linalg.sqrtm(S1 S2) (complex Schur) it never fails
//               ("imaginary component") when N < d makes the covariances singular.
// CPU: LAPACKE/OpenBLAS (frechet_distance.cpp); CUDA: cuSOLVER/cuBLAS on the device
// (frechet_distance_cuda.cpp, LF_WITH_CUDA builds only).
#pragma once

#include <cstdint>
#include <string>

#include "kernels/core/device.h"
#include "kernels/core/tensor.h"

namespace lf {

struct GaussianStats {
    Tensor mu;     // [d] f64, host
    Tensor sigma;  // [d, d] f64, host, symmetric
};

// features [N, d] (f32 or f64, host) with N >= 2 -> mean and unbiased covariance. `what` names the
// feature source in errors.
GaussianStats gaussian_stats(const Tensor& features, const std::string& what);

// Checks that mu is [d] and sigma [d, d] (f64, host, finite); `what` names the source in errors
// ("<what>: 'sigma' has shape [3, 4], expected [2048, 2048] (mu has 2048 entries)").
void check_gaussian_stats(const GaussianStats& s, const std::string& what);

enum class FrechetRoute { Cholesky, PivotedCholesky, Eigen };

struct FrechetResult {
    double value = 0.0;       // the Fréchet distance d^2 (what FID reports)
    double mean_term = 0.0;   // |mu1 - mu2|^2
    double trace_sum = 0.0;   // Tr S1 + Tr S2
    double sqrt_trace = 0.0;  // Tr sqrt(S1 S2)
    int rank1 = 0;            // rank of S1 used: d (Cholesky) or the eigenvalues kept (eigen route)
    FrechetRoute route = FrechetRoute::Cholesky;
    int clipped = 0;  // negative eigenvalues of sqrt(S1) S2 sqrt(S1) clipped to 0
};

// Both statistics must have the same d (lf::Error otherwise, naming `what_a` / `what_b`).
// `route` Cholesky (the default) tries the Cholesky route and falls back to the pivoted Cholesky
// route; Eigen forces the eigen route (tests, benchmarks).
FrechetResult frechet_distance(const GaussianStats& a, const GaussianStats& b,
                               const std::string& what_a = "a", const std::string& what_b = "b",
                               FrechetRoute route = FrechetRoute::Cholesky);

// The same, consuming the statistics: their sigma buffers serve as the scratch (two d x d copies
// fewer; a and b are left empty). For callers that own them outright (lfgen fid): a Tensor
// sharing those buffers would see them overwritten.
FrechetResult frechet_distance(GaussianStats&& a, GaussianStats&& b, const std::string& what_a = "a",
                               const std::string& what_b = "b", FrechetRoute route = FrechetRoute::Cholesky);

// The checks both routes make (valid statistics of the same d) and the terms that need no
// factorization: |mu1 - mu2|^2 and Tr S1 + Tr S2 (the CPU and CUDA frechet_distance start here).
FrechetResult frechet_plain_terms(const GaussianStats& a, const GaussianStats& b, const std::string& what_a,
                                  const std::string& what_b);

namespace cuda {
// Same contract; the two eigendecompositions and products run on CUDA device `device_index`
// (cusolverDnDsyevd, cublasDsymm/Dgemm). Throws lf::Error in a build without CUDA.
FrechetResult frechet_distance(const GaussianStats& a, const GaussianStats& b, int device_index = 0,
                               const std::string& what_a = "a", const std::string& what_b = "b");
}  // namespace cuda

}  // namespace lf
