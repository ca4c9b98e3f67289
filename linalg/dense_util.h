// dense_util.h: small dense helpers shared by the CPU factorization code (internal to lf_linalg):
// row-batch iteration over a RowSource, Householder orthonormalization, Gaussian matrices,
// and the names the parallel loops use for the shared CPU thread pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/core/cpu_threads.h"
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

// A pass that adds every value into float64 column sums can tell from them whether the rows are
// finite (a NaN or Inf makes its column's sum non-finite; float32 values cannot overflow it) instead
// of scanning every batch before use. True for rows stored as float32 (host views) or on a device;
// rows converted from float64 are checked before rounding (a finite double can round to inf).
bool finiteness_from_sums(const RowSource& x);
// After such a pass: throws lf::Error when a column sum is non-finite, naming the first bad value
// (host rows are scanned for it) or, for rows on a device, its column.
void check_finite_sums(const RowSource& x, std::int64_t batch_rows, const std::vector<double>& colsum);

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

// The thread pool lives in kernels/core/cpu_threads.h (shared with the CPU ops); the factorization
// code calls it by these names.
using lf::BlasThreadsScope;
using lf::parallel_for;
using lf::parallel_run;
inline int max_threads() { return lf::cpu_threads(); }
inline void set_pool_threads(int threads) { lf::set_cpu_threads(threads); }

// Whether LF_LINALG_TRACE is set (read once).
bool trace_enabled();
// LF_LINALG_TRACE=1 prints the wall time of every phase of a routine on stderr (profiling):
//   PhaseTrace phase("randomized PCA"); ...; phase("range finder"); ...
// prints "linalg: randomized PCA range finder  0.123 s" (time since the previous phase).
class PhaseTrace {
public:
    explicit PhaseTrace(const char* routine);
    void operator()(const char* phase);

private:
    const char* routine_;
    std::chrono::steady_clock::time_point last_;
};

}  // namespace lf::detail
