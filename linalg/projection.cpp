// projection.cpp: see projection.h (the CPU route and the dispatch).
#include "linalg/projection.h"

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
    detail::for_each_batch_f64(x, batch_rows, false, [&](std::int64_t r0, std::int64_t count, const double* rows) {
        for (std::int64_t i = 0; i < count; ++i) {
            const double* row = rows + i * d;
            for (int c = 0; c < k; ++c) {
                double s = 0.0;
                for (std::int64_t j = 0; j < d; ++j) s += (row[j] - mean[j]) * comps[c * d + j];
                a[(r0 + i) * k + c] = stdev[c] > 0 ? s / stdev[c] : s;
            }
        }
    });
    return a;
}

}  // namespace lf
