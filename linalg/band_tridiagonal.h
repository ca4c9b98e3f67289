// band_tridiagonal.h: the second stage of a two-stage symmetric eigenvalue solver: a symmetric band
// matrix (bandwidth kd) reduced to tridiagonal form by Householder bulge chasing, eigenvalues only
// (no transformations are kept). Sweep s annihilates column s below the subdiagonal and chases the
// bulge it creates down the band in steps of kd rows (the algorithm of LAPACK's DSYTRD_SB2ST).
// Parallel: each sweep is cut into one contiguous segment per thread, the segments of a sweep run
// one after the other on their threads (the reflector is handed on at the boundary) and sweep s
// step k waits until sweep s-1 has finished step k+2, so threads work on disjoint parts of the
// band. The result does not depend on the thread count (bit for bit).
#pragma once

#include <cstdint>
#include <vector>

namespace lf {

// Lower band with room for the bulge: A(i, j) for j <= i <= j + 2*kd lives at
// data[i + j * ld], i.e. a column-major matrix with leading dimension ld whose column j starts at
// its diagonal (offset j * (ld + 1)), so blocks are ordinary column-major submatrices and only the
// band is stored. ld = 2*kd + 7: the 7 rows above a diagonal fall in the previous column's padding
// (offsets 2*kd + 1 .. ld from its diagonal), which stays zero, so the bulge-chasing kernels can
// load a column's group of 8 rows from above its diagonal; the odd ld keeps successive columns off
// the same cache sets.
class BulgeBand {
public:
    BulgeBand(int n, int kd);
    int n() const { return n_; }
    int kd() const { return kd_; }
    int ld() const { return ld_; }
    double& at(int i, int j) {
        return data_[static_cast<std::size_t>(i) + static_cast<std::size_t>(j) * ld_];
    }
    double* data() { return data_.data(); }

private:
    int n_, kd_, ld_;
    std::vector<double> data_;  // [(n + 1) * (ld + 1)], zero outside the band
};

// Reduces `band` (destroyed) to the symmetric tridiagonal matrix with diagonal d [n] and
// subdiagonal e [n - 1] that has the same eigenvalues. threads: at most this many pool threads
// (lf::parallel_run; 1 inside another parallel region).
void band_to_tridiagonal(BulgeBand& band, double* d, double* e, int threads);

}  // namespace lf
