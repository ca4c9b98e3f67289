// pca_pass.h (internal to lf_linalg): what the CPU and CUDA PCA paths share. The streamed pass of
// randomized PCA, the only part that reads X, as one function per device with the same inputs and
// the same raw sums:
//   detail::apply_scatter_pass (pca.cpp):      pool threads, each with single-threaded OpenBLAS and
//                                              its own accumulators over sub-batches of 1024 rows;
//   cuda::apply_scatter_pass (pca_cuda.cpp):   every row batch copied up once, cuBLAS GEMM/SYRK and
//                                              the scatter_shift / accumulate_f64 / column_moments
//                                              kernels; only the sums come back.
// Per batch X_b [rows, d] (float32): T = X_b Q - 1 offset^T in float32, then X_b^T T, the column sums
// of T and T^T T, each formed in float32 within a (sub-)batch and summed in float64 across them.
// pca.cpp (apply_scatter) prepares the inputs and turns the sums into C q, the Ritz Gram matrix and
// the moments, so both devices share every step but the streamed one. And the step that turns exact
// PCA's raw scatter sums into its statistics (scatter_stats_from_sums).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/core/device.h"  // defines: lf::Stream
#include "linalg/pca.h"
#include "linalg/row_source.h"

namespace lf::detail {

struct ScatterPassInput {
    std::int64_t batch_rows = 0;
    int l = 0;                      // columns of Q
    const double* shift = nullptr;  // [d] the first row of X (moments are of X - 1 shift^T)
    const float* q = nullptr;       // [d, l] row-major
    const float* offset = nullptr;  // [l] subtracted from every row of T = X Q
    bool want_xtt = false;          // X^T T and the column sums of T
    bool want_gram = false;         // T^T T
    bool want_moments = false;      // column sums and sum of squares of X - 1 shift^T; checks finiteness
};

// Sums over all rows of X; the vectors that were not asked for are empty.
struct ScatterPassSums {
    std::vector<double> xtt;     // [d, l] X^T T (want_xtt)
    std::vector<double> tsum;    // [l] column sums of T (want_xtt)
    std::vector<double> gram;    // [l, l] T^T T, upper triangle (row-major; the lower one is zero)
    std::vector<double> colsum;  // [d] column sums of X - 1 shift^T (want_moments)
    double sumsq = 0.0;          // squared Frobenius norm of X - 1 shift^T (want_moments)
};

using ScatterPassFn = ScatterPassSums (*)(const RowSource& x, const ScatterPassInput& in);

ScatterPassSums apply_scatter_pass(const RowSource& x, const ScatterPassInput& in);

// Exact PCA's scatter statistics (pca.h) from the raw sums of the shifted data X - 1 shift^T, shared
// by the CPU and CUDA scatter_stats: colsum [d] its column sums, scatter [d, d] (row-major, upper
// triangle read) its Xs^T Xs; the result is mirrored and centred (minus n m m^T).
ScatterStats scatter_stats_from_sums(std::int64_t n, const std::vector<double>& shift,
                                     const std::vector<double>& colsum, std::vector<double> scatter);

}  // namespace lf::detail

namespace lf::cuda {
// On the current CUDA device (CUDA builds only).
detail::ScatterPassSums apply_scatter_pass(const RowSource& x, const detail::ScatterPassInput& in,
                                           Stream stream = nullptr);
}  // namespace lf::cuda
