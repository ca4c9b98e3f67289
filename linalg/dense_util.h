// dense_util.h: small dense helpers shared by the CPU factorization code (internal to lf_linalg):
// row-batch iteration over a RowSource, Householder orthonormalization, Gaussian matrices, and
// a passive thread pool for the parallel loops.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "linalg/row_source.h"

namespace lf::detail {

// Calls body(row0, count, block) for consecutive batches of at most batch_rows rows; block is a
// zero-copy view when the source stores f32, else a converted copy. Checks values are finite when
// check_finite is set (the first pass of every method).
void for_each_batch_f32(
    const RowSource& x, std::int64_t batch_rows, bool check_finite,
    const std::function<void(std::int64_t row0, std::int64_t count, const float* block)>& body);
void for_each_batch_f64(
    const RowSource& x, std::int64_t batch_rows, bool check_finite,
    const std::function<void(std::int64_t row0, std::int64_t count, const double* block)>& body);

// Orthonormalizes the columns of a [m, n] row-major (m >= n) in place: CholeskyQR2 (dsyrk + dpotrf
// + dtrsm, twice) when the block's condition number is below ~1e7, else Householder QR (dgeqrf +
// dorgqr). Returns true when CholeskyQR2 was used. Throws lf::Error on LAPACK failure.
bool orthonormalize_columns(double* a, std::int64_t m, int n);

// [rows, cols] standard normal values from a seeded 64-bit Mersenne Twister (polar method).
std::vector<double> gaussian_matrix(std::int64_t rows, std::int64_t cols, std::uint64_t seed);

// C[m, n] (+)= A^T B for row-major A [r, m], B [r, n] in float64 (cblas_dgemm).
void gemm_tn(const double* a, const double* b, std::int64_t r, std::int64_t m, std::int64_t n, double* c,
             double beta = 0.0);
// C[m, n] = A B for row-major A [m, r], B [r, n] in float64.
void gemm_nn(const double* a, const double* b, std::int64_t m, std::int64_t r, std::int64_t n, double* c,
             double beta = 0.0);

// Adds the column sums of (x - shift) over `rows` rows of x [rows, d] to cols [d] (float64) and the
// squared Frobenius norm to *sumsq. Vectorized (16 float lanes per row, float64 across rows;
// compiled for AVX-512/AVX2/baseline by target_clones).
void shifted_moments(const float* x, std::int64_t rows, std::int64_t d, const double* shift, double* cols,
                     double* sumsq);

// Parallel for over [0, n) in at most max_threads() contiguous chunks, on a persistent pool whose
// idle workers sleep (never spin). Bodies must not throw.
void parallel_for(std::int64_t n, const std::function<void(std::int64_t begin, std::int64_t end)>& body);
int max_threads();
void set_pool_threads(int threads);  // linalg_set_threads() calls it
// Runs body(t) for t in [0, count) (count <= max_threads()) on the pool; t = 0 on the caller.
void parallel_run(int count, const std::function<void(int t)>& body);

// Sets OpenBLAS to `threads` threads for the scope (the pool's workers call single-threaded BLAS
// inside parallel regions; a threaded OpenBLAS there would oversubscribe the cores).
class BlasThreadsScope {
public:
    explicit BlasThreadsScope(int threads);
    ~BlasThreadsScope();
    BlasThreadsScope(const BlasThreadsScope&) = delete;
    BlasThreadsScope& operator=(const BlasThreadsScope&) = delete;

private:
    int saved_;
};

}  // namespace lf::detail
