// lstsq_cuda.cpp: lf::cuda::lstsq_qr: cusolverDnDgeqrf + cusolverDnDormqr + cublasDtrsm (CUDA builds).
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/core/error.h"
#include "linalg/cuda_util.h"
#include "linalg/lstsq.h"

namespace lf::cuda {

std::vector<double> lstsq_qr(const double* x, std::int64_t n, int kx, const double* z, int m,
                             const std::string& what, Stream stream) {
    LF_CHECK(kx >= 1 && m >= 1, what, ": need at least one column in X and Z");
    LF_CHECK(n >= kx, what, ": ", n, " samples cannot determine ", kx,
             " coefficients per output (need N >= K)");
    LF_CHECK(n <= std::numeric_limits<int>::max(), what, ": too many samples for cuSOLVER (", n, ")");
    const int ni = static_cast<int>(n);
    // cuSOLVER is column-major: transpose on the host.
    std::vector<double> a(static_cast<std::size_t>(n) * kx), b(static_cast<std::size_t>(n) * m);
    for (std::int64_t i = 0; i < n; ++i) {
        for (int j = 0; j < kx; ++j) a[static_cast<std::size_t>(j) * n + i] = x[i * kx + j];
        for (int j = 0; j < m; ++j) b[static_cast<std::size_t>(j) * n + i] = z[i * m + j];
    }
    for (double v : a) LF_CHECK(std::isfinite(v), what, ": X holds a non-finite value");
    for (double v : b) LF_CHECK(std::isfinite(v), what, ": Z holds a non-finite value");
    detail::CusolverHandle solver(stream);
    detail::CublasHandle blas(stream);
    detail::DeviceArray<double> da(a.size(), stream), db(b.size(), stream), tau(kx, stream);
    detail::DeviceArray<int> info(1, stream);
    da.upload(a.data(), a.size());
    db.upload(b.data(), b.size());
    int lwork_qr = 0, lwork_mqr = 0;
    LF_CUSOLVER_CHECK(cusolverDnDgeqrf_bufferSize(solver.get(), ni, kx, da.get(), ni, &lwork_qr));
    LF_CUSOLVER_CHECK(cusolverDnDormqr_bufferSize(solver.get(), CUBLAS_SIDE_LEFT, CUBLAS_OP_T, ni, m, kx,
                                                  da.get(), ni, tau.get(), db.get(), ni, &lwork_mqr));
    detail::DeviceArray<double> work(static_cast<std::size_t>(std::max({lwork_qr, lwork_mqr, 1})), stream);
    LF_CUSOLVER_CHECK(
        cusolverDnDgeqrf(solver.get(), ni, kx, da.get(), ni, tau.get(), work.get(), lwork_qr, info.get()));
    detail::check_dev_info(info, "cusolverDnDgeqrf");
    // Rank check on R's diagonal.
    std::vector<double> diag(kx);
    for (int i = 0; i < kx; ++i) da.download(&diag[i], 1, static_cast<std::size_t>(i) * n + i);
    double rmax = 0.0;
    for (double v : diag) rmax = std::max(rmax, std::fabs(v));
    for (int i = 0; i < kx; ++i)
        LF_CHECK(std::fabs(diag[i]) > 1e-12 * rmax && rmax > 0, what, ": X is rank deficient (column ", i,
                 " is a linear combination of the others)");
    LF_CUSOLVER_CHECK(cusolverDnDormqr(solver.get(), CUBLAS_SIDE_LEFT, CUBLAS_OP_T, ni, m, kx, da.get(), ni,
                                       tau.get(), db.get(), ni, work.get(), lwork_mqr, info.get()));
    detail::check_dev_info(info, "cusolverDnDormqr");
    const double one = 1.0;
    LF_CUBLAS_CHECK(cublasDtrsm(blas.get(), CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_N,
                                CUBLAS_DIAG_NON_UNIT, kx, m, &one, da.get(), ni, db.get(), ni));
    db.download(b.data(), b.size());
    std::vector<double> p(static_cast<std::size_t>(kx) * m);
    for (int i = 0; i < kx; ++i)
        for (int j = 0; j < m; ++j)
            p[static_cast<std::size_t>(i) * m + j] = b[static_cast<std::size_t>(j) * n + i];
    return p;
}

}  // namespace lf::cuda
