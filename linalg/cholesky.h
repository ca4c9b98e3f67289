// cholesky.h: the Cholesky factorization A = L L^T of a symmetric positive definite float64 matrix
// (lower triangle, in place), blocked right-looking on the pool threads with single-threaded BLAS
// per block and look-ahead: the thread that updates the next block column first also factors it
// (DPOTRF of the diagonal block, DTRSM of the panel below) while the others update the rest of the
// trailing matrix (DSYRK / DGEMM per column block). Against OpenBLAS's threaded DPOTRF this drops
// the per-call thread hand-offs; the result does not depend on the thread count (bit for bit).
#pragma once

namespace lf {

// Factors the lower triangle of a [n, n] (column-major, leading dimension lda; the strict upper
// triangle is neither read nor written). Returns 0 on success, else j + 1 where column j had a
// non-positive pivot (LAPACK's info convention; a is then partly overwritten). threads: at most
// this many pool threads.
int cholesky_lower(double* a, int n, int lda, int threads);

}  // namespace lf
