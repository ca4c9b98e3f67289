// fastica.h: FastICA (Hyvärinen & Oja 2000) as scikit-learn's FastICA computes it, on a sample
// matrix X [N, d] streamed in row batches:
//   1. centering and PCA whitening to k components: the top-k eigenpairs of the scatter matrix
//      (exact, float64; or randomized PCA when `randomized_whitening`), K = D^-1 U^T with
//      U's columns signed so their first entry is positive (sklearn: u *= sign(u[0])), and the
//      whitened samples X1 = sqrt(N) K (X - mean)^T [k, N] in float32, in memory;
//   2. the fixed-point iteration on X1: parallel (symmetric decorrelation W <- (W W^T)^-1/2 W, in
//      float64) or deflation (Gram-Schmidt), with logcosh(alpha), exp or cube; the products
//      W X1 and g(W X1) X1^T are float32 GEMMs over column blocks, the nonlinearity and the mean of
//      its derivative are one fused pass (ica_nonlinearity.h);
//   3. outputs as sklearn (unmixing = components_ = W K, scaled to unit-variance sources or not;
//      mixing = its pseudo-inverse) plus the GANSpace directions: the unmixing rows normalized to
//      unit length, sorted by the stdev (ddof = 1) of the centered data projected on them.
// w_init defaults to NumpyRandomState(seed).standard_normal() k x k row-major, exactly
// sklearn's random_state.normal(size=(k, k)) for FastICA(random_state=seed). Non-convergence is
// reported in the result (converged = false, iterations, last_change), never silently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernels/core/device.h"
#include "linalg/ica_nonlinearity.h"
#include "linalg/row_source.h"

namespace lf {

enum class IcaAlgorithm { Parallel, Deflation };
enum class IcaWhiten { UnitVariance, ArbitraryVariance };

struct IcaOptions {
    int components = 0;  // k, 1 <= k <= min(N, d)
    IcaAlgorithm algorithm = IcaAlgorithm::Parallel;
    IcaFunction fun = IcaFunction::Logcosh;
    float alpha = 1.0f;  // logcosh, in [1, 2]
    double tol = 1e-4;
    int max_iter = 200;
    std::uint32_t seed = 0;
    std::vector<double> w_init;  // [k, k] row-major; empty = from seed
    IcaWhiten whiten = IcaWhiten::UnitVariance;
    bool randomized_whitening = false;  // randomized PCA (block Krylov) for the whitening
    std::int64_t batch_rows = 4096;
    std::int64_t block_cols = 4096;  // column block of X1 per fused step
    Device device = Device::cpu();   // CUDA: X1 lives on the device (LF_WITH_CUDA builds)
};

struct IcaResult {
    int k = 0;
    std::int64_t d = 0;
    std::int64_t samples = 0;
    // GANSpace directions: unit unmixing rows sorted by projected stdev (descending).
    std::vector<double> directions;      // [k, d]
    std::vector<double> stdev;           // [k] stdev (ddof = 1) of (X - mean) . direction
    std::vector<double> variance_ratio;  // [k] stdev^2 / total variance
    std::vector<std::int64_t> order;     // [k] directions[i] = normalized unmixing[order[i]]
    // Raw sklearn matrices (component order of the algorithm).
    std::vector<double> unmixing;   // [k, d] components_
    std::vector<double> mixing;     // [d, k] mixing_ = pinv(components_)
    std::vector<double> whitening;  // [k, d] K (sklearn whitening_)
    std::vector<double> rotation;   // [k, k] W (the unmixing in whitened space, before scaling)
    std::vector<double> mean;       // [d]
    double total_variance = 0.0;
    // Convergence report.
    int iterations = 0;        // parallel: iterations; deflation: max over components
    double last_change = 0.0;  // max |abs(diag(W1 W^T)) - 1| of the last iteration
    bool converged = false;
    std::string whiten_method;  // "exact" | "randomized-krylov"
};

// Throws lf::Error naming x.name() for 1-D data, bad k, NaN/Inf, alpha outside [1, 2], a
// w_init of the wrong shape, rank-deficient data (fewer than k directions with variance), etc.
IcaResult fastica(const RowSource& x, const IcaOptions& opt);

// The Amari distance between an estimated unmixing W [k, k'] (or W A as a square matrix) and a
// true mixing A: for P = W A (square), the sum over rows and columns of (sum_j |p_ij| / max_j |p_ij| - 1)
// normalized by 2 k (k - 1); 0 iff P is a scaled permutation. Used by the tests and the benchmark.
double amari_distance(const std::vector<double>& p, int k);

}  // namespace lf
