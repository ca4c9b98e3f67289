// eigh_cuda.cpp: lf::cuda::eigh_descending: cusolverDnDsyevd on the current CUDA device (CUDA builds).
#include <algorithm>
#include <limits>

#include "kernels/core/error.h"
#include "linalg/cuda_util.h"
#include "linalg/eigh.h"

namespace lf::cuda {

EighResult eigh_descending(const double* a, int n, int k, Stream stream) {
    LF_CHECK(n >= 1 && k >= 1 && k <= n, "eigh (CUDA): requested ", k, " eigenpairs of a ", n, "x", n,
             " matrix");
    LF_CHECK(static_cast<std::int64_t>(n) * n <= std::numeric_limits<int>::max(),
             "eigh (CUDA): matrix too large");
    const std::size_t nn = static_cast<std::size_t>(n) * n;
    detail::CusolverHandle solver(stream);
    detail::DeviceArray<double> da(nn, stream), dw(n, stream);
    detail::DeviceArray<int> info(1, stream);
    da.upload(a, nn);  // row-major upper triangle == column-major lower triangle
    int lwork = 0;
    LF_CUSOLVER_CHECK(cusolverDnDsyevd_bufferSize(solver.get(), CUSOLVER_EIG_MODE_VECTOR,
                                                  CUBLAS_FILL_MODE_LOWER, n, da.get(), n, dw.get(), &lwork));
    detail::DeviceArray<double> work(static_cast<std::size_t>(std::max(lwork, 1)), stream);
    LF_CUSOLVER_CHECK(cusolverDnDsyevd(solver.get(), CUSOLVER_EIG_MODE_VECTOR, CUBLAS_FILL_MODE_LOWER, n,
                                       da.get(), n, dw.get(), work.get(), lwork, info.get()));
    detail::check_dev_info(info, "cusolverDnDsyevd");
    std::vector<double> vecs(nn), w(n);
    da.download(vecs.data(), nn);
    dw.download(w.data(), n);
    EighResult r;
    r.n = n;
    r.k = k;
    r.values.resize(k);
    r.vectors.resize(static_cast<std::size_t>(k) * n);
    for (int i = 0; i < k; ++i) {  // column-major: eigenvector c is contiguous at c * n; ascending order
        const int src = n - 1 - i;
        r.values[i] = w[src];
        std::copy_n(vecs.data() + static_cast<std::size_t>(src) * n, n,
                    r.vectors.data() + static_cast<std::size_t>(i) * n);
    }
    sign_normalize_rows(r.vectors.data(), k, n);
    return r;
}

}  // namespace lf::cuda
