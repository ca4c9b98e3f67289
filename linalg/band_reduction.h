// band_reduction.h: the first stage of a two-stage symmetric eigenvalue solver: a dense symmetric
// matrix reduced to a band matrix with kd sub-diagonals by orthogonal similarity, A = Q B Q^T (Q is
// not kept). Panel by panel (kd columns): a QR of the panel below the band (LAPACK DGEQRT, compact
// WY form V, T), then the two-sided update of the trailing matrix A <- Q^T A Q written as
//   X = A V T,  Y = X - 1/2 V (T^T V^T X),  A <- A - V Y^T - Y V^T        (4 m^2 kd flops)
// split over the pool threads: X = A V by a hand-written kernel over tiles of A's lower triangle,
// each tile read once for both of its products (A V and A^T V), the rest by BLAS3 calls
// (single-threaded OpenBLAS inside: no hand-off to OpenBLAS's own threads per call). Look-ahead: the thread
// that updates the next panel's columns first factors that panel while the others finish the update. Same
// result as LAPACK's DSYTRD_SY2SB up to rounding.
#pragma once

#include "linalg/band_tridiagonal.h"

namespace lf {

// The widest band (panel) symmetric_to_band takes: the X = A V kernel keeps rows of this many
// doubles (a multiple of 8).
inline constexpr int kMaxPanelWidth = 32;

// Reduces the symmetric matrix whose lower triangle is in a [n, n] (column-major, leading dimension
// lda; the upper triangle is not read) to band form, written into `band` (n and kd set by the
// caller; band.n() == n, band.kd() <= kMaxPanelWidth). a is destroyed. threads: at most this many pool
// threads.
void symmetric_to_band(double* a, int n, int lda, BulgeBand& band, int threads);

}  // namespace lf
