// projection_cuda.cpp: the CUDA route of project_rows (projection.h), CUDA builds only.
#include <climits>

#include "kernels/core/error.h"
#include "linalg/cuda_util.h"
#include "linalg/projection.h"

namespace lf::cuda {

std::vector<double> project_rows(const RowSource& x, const std::vector<double>& comps,
                                 const std::vector<double>& mean, const std::vector<double>& stdev, int k,
                                 std::int64_t batch_rows, Stream stream) {
    const std::int64_t n = x.rows(), d = x.cols();
    const std::int64_t b = std::min(batch_rows, n);
    LF_CHECK(d <= INT_MAX && b <= INT_MAX, x.name(), ": d = ", d, " or batch rows = ", b,
             " exceed the int range of cuBLAS");
    const int di = static_cast<int>(d);
    // mean . comp_c in float64, subtracted on the host.
    std::vector<double> mean_dot(k, 0.0);
    for (int c = 0; c < k; ++c)
        for (std::int64_t j = 0; j < d; ++j) mean_dot[c] += mean[j] * comps[c * d + j];
    const std::vector<float> comps32(comps.begin(), comps.end());  // [k, d] == column-major d x k
    detail::CublasHandle blas(stream);
    detail::DeviceArray<float> c_dev(comps32.size(), stream), p_dev(static_cast<std::size_t>(b * k), stream);
    detail::DeviceArray<float> staging(detail::staging_floats(x, b), stream);
    c_dev.upload(comps32.data(), comps32.size());
    std::vector<double> a(static_cast<std::size_t>(n) * k);  // [N, k]
    std::vector<float> p(static_cast<std::size_t>(b * k));
    const float one = 1.0f, zero = 0.0f;
    detail::for_each_device_batch(x, batch_rows, false, staging,
                                  [&](std::int64_t r0, std::int64_t count, const float* block) {
                                      // P^T [k, count] (column-major) = C [k, d] X_b^T [d, count]: row-major
                                      // P [count, k] = X_b C^T.
                                      LF_CUBLAS_CHECK(cublasSgemm(blas.get(), CUBLAS_OP_T, CUBLAS_OP_N, k,
                                                                  static_cast<int>(count), di, &one, c_dev.get(),
                                                                  di, block, di, &zero, p_dev.get(), k));
                                      p_dev.download(p.data(), static_cast<std::size_t>(count * k));
                                      for (std::int64_t i = 0; i < count; ++i)
                                          for (int c = 0; c < k; ++c) {
                                              const double s = p[i * k + c] - mean_dot[c];
                                              a[(r0 + i) * k + c] = stdev[c] > 0 ? s / stdev[c] : s;
                                          }
                                  });
    return a;
}

}  // namespace lf::cuda
