// frechet_distance_cuda.cpp: lf::cuda::frechet_distance (CUDA builds): the CPU algorithm of
// frechet_distance.cpp on the device. Cholesky route: cusolverDnDpotrf on S1 (pivots checked as on
// the CPU), M = L^T S2 L with two cublasDtrmm. Eigen route: cusolverDnDsyevd (vectors) on S1, the
// columns of the kept eigenvalues scaled by sqrt(l) (cublasDdgmm), M = B^T S2 B (cublasDsymm +
// cublasDgemm). Then cusolverDnDsyevd (values only) on M; the square roots are summed on the host.
// Every call is checked, and so is each devInfo.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/core/error.h"
#include "linalg/cuda_util.h"
#include "linalg/frechet_distance.h"

namespace lf::cuda {
namespace {

// Eigenvalues (ascending) of the symmetric n x n column-major matrix `a` on the device; with
// vectors, `a` is overwritten by them.
std::vector<double> device_syevd(detail::CusolverHandle& solver, double* a, int n, bool vectors,
                                 Stream stream) {
    const cusolverEigMode_t mode = vectors ? CUSOLVER_EIG_MODE_VECTOR : CUSOLVER_EIG_MODE_NOVECTOR;
    detail::DeviceArray<double> w(static_cast<std::size_t>(n), stream);
    detail::DeviceArray<int> info(1, stream);
    int lwork = 0;
    LF_CUSOLVER_CHECK(
        cusolverDnDsyevd_bufferSize(solver.get(), mode, CUBLAS_FILL_MODE_UPPER, n, a, n, w.get(), &lwork));
    detail::DeviceArray<double> work(static_cast<std::size_t>(std::max(lwork, 1)), stream);
    LF_CUSOLVER_CHECK(cusolverDnDsyevd(solver.get(), mode, CUBLAS_FILL_MODE_UPPER, n, a, n, w.get(),
                                       work.get(), lwork, info.get()));
    detail::check_dev_info(info, "cusolverDnDsyevd");
    std::vector<double> host(static_cast<std::size_t>(n));
    w.download(host.data(), host.size());
    return host;
}

}  // namespace

FrechetResult frechet_distance(const GaussianStats& a, const GaussianStats& b, int device_index,
                               const std::string& what_a, const std::string& what_b) {
    FrechetResult r = frechet_plain_terms(a, b, what_a, what_b);
    LF_CHECK(device_index >= 0 && device_index < cuda_device_count(), "Fréchet distance: no CUDA device ",
             device_index);
    LF_CUDA_CHECK(cudaSetDevice(device_index));
    const int d = static_cast<int>(a.mu.dim(0));
    const double* s1 = a.sigma.data<double>();
    const double* s2 = b.sigma.data<double>();
    const std::size_t dd = static_cast<std::size_t>(d) * d;

    Stream stream = nullptr;
    detail::CusolverHandle solver(stream);
    detail::CublasHandle blas(stream);
    detail::DeviceArray<double> f(dd, stream), ds2(dd, stream);
    f.upload(s1, dd);  // symmetric: row-major bytes = the column-major matrix
    ds2.upload(s2, dd);
    const double one = 1.0, zero = 0.0;

    // Cholesky route (see frechet_distance.h): potrf, pivots checked as on the CPU.
    bool definite = false;
    {
        detail::DeviceArray<int> info(1, stream);
        int lwork = 0;
        LF_CUSOLVER_CHECK(
            cusolverDnDpotrf_bufferSize(solver.get(), CUBLAS_FILL_MODE_LOWER, d, f.get(), d, &lwork));
        detail::DeviceArray<double> work(static_cast<std::size_t>(std::max(lwork, 1)), stream);
        LF_CUSOLVER_CHECK(cusolverDnDpotrf(solver.get(), CUBLAS_FILL_MODE_LOWER, d, f.get(), d, work.get(),
                                           lwork, info.get()));
        int host_info = 0;
        info.download(&host_info, 1);
        LF_CHECK(host_info >= 0, "cusolverDnDpotrf failed: devInfo = ", host_info);
        if (host_info == 0) {
            std::vector<double> diag(static_cast<std::size_t>(d));
            detail::DeviceArray<double> ddiag(diag.size(), stream);
            LF_CUBLAS_CHECK(cublasDcopy(blas.get(), d, f.get(), d + 1, ddiag.get(), 1));
            ddiag.download(diag.data(), diag.size());
            double max_diag = 0.0;
            for (int i = 0; i < d; ++i)
                max_diag = std::max(max_diag, s1[static_cast<std::size_t>(i) * d + i]);
            const double tiny = d * std::numeric_limits<double>::epsilon() * max_diag;
            definite = true;
            for (double p : diag) definite = definite && p * p > tiny;
        }
    }
    std::vector<double> e;
    if (definite) {
        r.rank1 = d;
        r.route = FrechetRoute::Cholesky;
        detail::DeviceArray<double> t(dd, stream);
        LF_CUBLAS_CHECK(cublasDtrmm(blas.get(), CUBLAS_SIDE_RIGHT, CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_N,
                                    CUBLAS_DIAG_NON_UNIT, d, d, &one, f.get(), d, ds2.get(), d, t.get(),
                                    d));  // S2 L
        LF_CUBLAS_CHECK(cublasDtrmm(blas.get(), CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_T,
                                    CUBLAS_DIAG_NON_UNIT, d, d, &one, f.get(), d, t.get(), d, ds2.get(),
                                    d));  // L^T S2 L
        e = device_syevd(solver, ds2.get(), d, /*vectors=*/false, stream);
    } else {
        // Eigen route: S1 = V diag(l) V^T (f is overwritten: upload S1 again).
        f.upload(s1, dd);
        r.route = FrechetRoute::Eigen;
        const std::vector<double> l = device_syevd(solver, f.get(), d, /*vectors=*/true, stream);
        const double cutoff =
            std::max(0.0, d * std::numeric_limits<double>::epsilon() * l.back());  // as the CPU path
        const int first = static_cast<int>(std::upper_bound(l.begin(), l.end(), cutoff) - l.begin());
        const int rank = d - first;
        r.rank1 = rank;
        if (rank > 0) {
            std::vector<double> sq(static_cast<std::size_t>(rank));
            for (int c = 0; c < rank; ++c) sq[c] = std::sqrt(l[first + c]);
            detail::DeviceArray<double> dsq(sq.size(), stream), t(static_cast<std::size_t>(d) * rank, stream),
                m(static_cast<std::size_t>(rank) * rank, stream);
            dsq.upload(sq.data(), sq.size());
            double* bmat = f.get() + static_cast<std::size_t>(first) * d;  // [d, rank] column-major
            LF_CUBLAS_CHECK(
                cublasDdgmm(blas.get(), CUBLAS_SIDE_RIGHT, d, rank, bmat, d, dsq.get(), 1, bmat, d));
            LF_CUBLAS_CHECK(cublasDsymm(blas.get(), CUBLAS_SIDE_LEFT, CUBLAS_FILL_MODE_UPPER, d, rank, &one,
                                        ds2.get(), d, bmat, d, &zero, t.get(), d));
            LF_CUBLAS_CHECK(cublasDgemm(blas.get(), CUBLAS_OP_T, CUBLAS_OP_N, rank, rank, d, &one, bmat, d,
                                        t.get(), d, &zero, m.get(), rank));
            e = device_syevd(solver, m.get(), rank, /*vectors=*/false, stream);
        }
    }
    for (double x : e) {
        if (x < 0.0) {
            ++r.clipped;
            continue;
        }
        r.sqrt_trace += std::sqrt(x);
    }
    LF_CUDA_CHECK(cudaStreamSynchronize(stream));
    r.value = r.mean_term + r.trace_sum - 2.0 * r.sqrt_trace;
    return r;
}

}  // namespace lf::cuda
