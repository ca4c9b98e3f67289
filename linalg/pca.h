// pca.h: principal component analysis of a sample matrix X [N, d], streamed in row batches.
//   exact:      one pass accumulates the shifted scatter matrix (scatter_stats, float64 across batches), then
//   the
//               top k eigenpairs of the covariance (LAPACKE dsyevr/dsyevd). O(d^2) memory.
//   randomized: Halko et al. range finder in feature space with implicit centering (rank-1
//               corrections, X is never copied or centered), Gaussian start of k + oversamples
//               columns, `iterations` passes each applying C = Xc^T Xc with float32 GEMMs and
//               re-orthonormalizing (CholeskyQR2, Householder QR when ill-conditioned; float64),
//               then a Rayleigh-Ritz step. Two
//               schemes: `krylov` keeps every block [Q0, C Q0, ..., C^q Q0] (block Krylov, Halko,
//               Martinsson, Shkolnisky & Tygert 2011, "An algorithm for the principal component
//               analysis of large data sets"); `subspace` keeps only the last block (power/subspace
//               iteration, Halko, Martinsson & Tropp 2011, Alg. 4.4, as scikit-learn). Memory
//               O(d (k + p) (q + 1)) plus one row batch; never O(N d).
// Threads: every streamed pass splits row sub-batches over the linalg thread pool, each thread calling
// single-threaded OpenBLAS with its own accumulators (LF_LINALG_TRACE=1 prints per-phase times).
// On CUDA (PcaOptions::device) the passes over X run on the GPU: each row batch is copied up once per
// pass and only the d x d (exact) or d x (k + p) (randomized) sums come back.
// Output as scikit-learn's PCA: unit components sorted by variance, explained variance (ddof = 1)
// and its ratio to the total variance, the mean, and the stdev of the projections (= sqrt of the
// explained variance). Signs: the largest-magnitude entry of every component is positive.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/core/device.h"
#include "linalg/row_source.h"

namespace lf {

enum class RandomizedScheme { Krylov, Subspace };

struct PcaOptions {
    int components = 0;  // k, 1 <= k <= min(N, d)
    bool randomized = false;
    int oversamples = 10;  // p: the range finder works with k + p columns
    int iterations = -1;   // q passes applying C; -1 = default (krylov 2, subspace 7)
    RandomizedScheme scheme = RandomizedScheme::Krylov;
    std::uint32_t seed = 0;          // Gaussian start (randomized only)
    std::int64_t batch_rows = 4096;  // rows per streamed batch
    // CUDA: exact PCA forms the scatter and its eigh on the device; randomized PCA streams every pass
    // over X on the device (cuBLAS) and keeps the d x (k + p) steps on the host.
    Device device = Device::cpu();
};

struct PcaResult {
    int k = 0;
    std::int64_t d = 0;
    std::int64_t samples = 0;
    std::vector<double> components;                // [k, d] unit rows, descending variance
    std::vector<double> explained_variance;        // [k] eigenvalues of the covariance (ddof = 1)
    std::vector<double> explained_variance_ratio;  // [k] explained_variance / total_variance
    std::vector<double> stdev;                     // [k] stdev of the projections (ddof = 1)
    std::vector<double> mean;                      // [d]
    double total_variance = 0.0;                   // sum of the per-feature variances (ddof = 1)
    int passes = 0;                                // passes over X
    int iterations = 0;                            // randomized: passes applying C
    std::string method;                            // "exact" | "randomized-krylov" | "randomized-subspace"
};

// Scatter statistics of X from one pass: mean [d] and S = (X - mean)^T (X - mean) [d, d] (row-major,
// full), float64, accumulated on data shifted by the first row (numerically safe for large means):
// float64 data through cblas_dsyrk; float32 data through cblas_ssyrk on sub-batches of 1024 rows
// whose float32 results are summed in float64 (compensated across batches).
// Throws lf::Error on non-finite values. Used by exact PCA and by FastICA's whitening.
struct ScatterStats {
    std::int64_t n = 0, d = 0;
    std::vector<double> mean;     // [d]
    std::vector<double> scatter;  // [d, d]
};
ScatterStats scatter_stats(const RowSource& x, std::int64_t batch_rows = 4096);

// Throws lf::Error naming x.name() for 1-D data, bad k, NaN/Inf, etc.
PcaResult pca_exact(const RowSource& x, const PcaOptions& opt);
PcaResult pca_randomized(const RowSource& x, const PcaOptions& opt);
// Dispatches on opt.randomized.
PcaResult pca(const RowSource& x, const PcaOptions& opt);

namespace cuda {
// scatter_stats on the current CUDA device: batches are copied up, shifted (scatter_shift kernel),
// multiplied with cublasSsyrk in float32 and added into a float64 total (accumulate_f64 kernel).
ScatterStats scatter_stats(const RowSource& x, std::int64_t batch_rows = 4096, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
