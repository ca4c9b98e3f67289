// eigh.h: symmetric eigendecomposition, largest eigenvalues first, for the factorization methods.
//   CPU:  LAPACKE_dsyevd (all pairs) or LAPACKE_dsyevr (the top k only), float64.
//   CUDA: cusolverDnDsyevd on the device (eigh_descending_cuda, LF_WITH_CUDA builds only).
// Eigenvector signs are made deterministic: the entry of largest magnitude of every vector is
// positive (the first such entry on ties).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/core/device.h"

namespace lf {

struct EighResult {
    int n = 0;                    // matrix order
    int k = 0;                    // pairs returned
    std::vector<double> values;   // [k] descending
    std::vector<double> vectors;  // [k, n] row i = unit eigenvector of values[i]
};

// Top-k eigenpairs of the symmetric matrix a [n, n] (row-major; only the upper triangle in
// row-major terms, i.e. a[i*n + j] with j >= i, is read). Throws lf::Error when LAPACK fails or n
// exceeds the 32-bit LAPACK index range.
EighResult eigh_descending(const double* a, int n, int k);

// Makes the largest-magnitude entry of each row of rows [k, n] positive (flips the row otherwise).
void sign_normalize_rows(double* rows, int k, int n);

// The number of threads OpenBLAS and the linalg CPU loops use (default: all cores). lfgen's
// --threads sets it; the benchmarks pin it to compare with scikit-learn at equal thread counts.
void linalg_set_threads(int threads);
int linalg_threads();

namespace cuda {
// Same contract; a [n, n] is a host matrix, the decomposition runs on the current CUDA device.
EighResult eigh_descending(const double* a, int n, int k, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
