// symmetric_eigenvalues.h: every eigenvalue of a dense symmetric float64 matrix, no vectors, by a
// two-stage reduction: dense -> band (band_reduction.h: BLAS3 on the pool threads, look-ahead),
// band -> tridiagonal (band_tridiagonal.h: bulge chasing pipelined on the pool threads),
// tridiagonal -> eigenvalues (LAPACK DSTERF). DSYEVD's one-stage reduction spends half its flops in DSYMV,
// which streams the trailing matrix from memory once per column; here almost all flops are BLAS3. Below
// kTwoStageMinOrder DSYEVD is as fast or faster and is called instead.
#pragma once

#include <vector>

namespace lf {

// Measured on 2 AVX-512 cores, 2 threads (bench_inception BM_SymmetricEigenvalues): two-stage /
// DSYEVD 10.4 / 9.8 ms at n = 512, 23.0 / 23.9 at 768, 42 / 51 at 1024, 199 / 373 at 2048.
inline constexpr int kTwoStageMinOrder = 1024;
// Bandwidth of the intermediate band matrix. Wider: fewer, wider dense -> band panels, but the
// bulge chasing (6 n^2 kd flops) grows; measured at n = 2048 on 2 AVX-512 cores, 2 threads, both
// stages: kd 24 / 28 / 32 / 40 take 0.18-0.20 / 0.19 / 0.18 / 0.19 s.
inline constexpr int kTwoStageBandwidth = 32;

// Eigenvalues of the symmetric matrix whose lower triangle is in a [n, n] (column-major, leading
// dimension lda; the upper triangle is not read), ascending. a is destroyed. Throws lf::Error when
// LAPACK fails.
std::vector<double> symmetric_eigenvalues(double* a, int n, int lda);

// The same, always through the two stages (any n; tests and benchmarks).
std::vector<double> symmetric_eigenvalues_two_stage(double* a, int n, int lda);

}  // namespace lf
