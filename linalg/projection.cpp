// projection.cpp: see projection.h (the CPU route and the dispatch).
#include "linalg/projection.h"

#include <cblas.h>

#include "kernels/core/error.h"
#include "linalg/dense_util.h"

namespace lf {

std::vector<double> project_rows(const RowSource& x, const std::vector<double>& comps,
                                 const std::vector<double>& mean, const std::vector<double>& stdev, int k,
                                 std::int64_t batch_rows, Device device) {
    const std::int64_t n = x.rows(), d = x.cols();
    LF_ASSERT(static_cast<std::int64_t>(comps.size()) == k * d && static_cast<std::int64_t>(mean.size()) == d &&
              static_cast<std::int64_t>(stdev.size()) == k);
    check_source_device(x, device);
    if (device.is_cuda()) {
#if defined(LF_WITH_CUDA)
        return cuda::project_rows(x, comps, mean, stdev, k, batch_rows);
#else
        fail("projection on ", device.to_string(), ": this build has no CUDA backend");
#endif
    }
    std::vector<double> a(static_cast<std::size_t>(n) * k);  // [N, k]
    std::vector<double> centred;                              // [count, d] x - mean of one batch
    detail::for_each_batch_f64(x, batch_rows, false, [&](std::int64_t r0, std::int64_t count, const double* rows) {
        centred.resize(static_cast<std::size_t>(count * d));
        detail::parallel_for(count, [&](std::int64_t i0, std::int64_t i1) {
            for (std::int64_t i = i0; i < i1; ++i)
                for (std::int64_t j = 0; j < d; ++j) centred[i * d + j] = rows[i * d + j] - mean[j];
        });
        // a[r0:r0+count, :] = centred comps^T (threaded BLAS), then each column over its stdev.
        double* out = a.data() + r0 * k;
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(count), k, static_cast<int>(d), 1.0,
                    centred.data(), static_cast<int>(d), comps.data(), static_cast<int>(d), 0.0, out, k);
        for (std::int64_t i = 0; i < count; ++i)
            for (int c = 0; c < k; ++c)
                if (stdev[c] > 0) out[i * k + c] /= stdev[c];
    });
    return a;
}

}  // namespace lf
