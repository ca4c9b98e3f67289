// lstsq.h: least squares P = argmin ||X P - Z||_F by Householder QR, used to map components found in
// a feature space back to the latent space (GANSpace / the seed repo's regression): X [N, K] holds
// the per-sample coordinates, Z [N, m] the latents, P [K, m]; direction i = P[i] / ||P[i]||.
//   CPU:  LAPACKE dgeqrf (X = Q R), dormqr (Q^T Z), cblas_dtrsm (R P = (Q^T Z)[:K]), float64.
//   CUDA: cusolverDnDgeqrf + cusolverDnDormqr + cublasDtrsm on the device (lf::cuda::lstsq_qr).
// No intercept (as the seed repo and GANSpace). A rank-deficient X (|R_ii| <= 1e-12 max |R_jj|) is an
// lf::Error: the regression would not be unique.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/core/device.h"

namespace lf {

// x [n, kx] and z [n, m] row-major float64; returns P [kx, m]. `what` names the inputs in errors.
std::vector<double> lstsq_qr(const double* x, std::int64_t n, int kx, const double* z, int m,
                             const std::string& what = "least squares");

// Scales every row of a [rows, cols] to unit L2 norm (a zero row stays zero).
void normalize_rows(std::vector<double>& a, std::int64_t rows, std::int64_t cols);

namespace cuda {
// Same contract; the inputs are host arrays, the factorization runs on the current CUDA device.
std::vector<double> lstsq_qr(const double* x, std::int64_t n, int kx, const double* z, int m,
                             const std::string& what = "least squares", Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
