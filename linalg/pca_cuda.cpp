// pca_cuda.cpp: lf::cuda::scatter_stats: the streamed scatter matrix on the GPU (CUDA builds). Each
// row batch is copied up once, shifted by the first row (scatter_shift kernel: float32 values and
// float64 column sums), multiplied with cublasSsyrk in float32 and added into the float64 total
// (accumulate_f64 kernel). Only the d x d result comes back.
#include <algorithm>

#include "kernels/core/error.h"
#include "linalg/cuda_util.h"
#include "linalg/dense_util.h"
#include "linalg/pca.h"
#include "linalg/scatter_accumulate.h"

namespace lf::cuda {

ScatterStats scatter_stats(const RowSource& x, std::int64_t batch_rows, Stream stream) {
    const std::int64_t n = x.rows(), d = x.cols();
    LF_CHECK(d <= 46340, x.name(), ": d = ", d, " is too large for a d x d scatter matrix");
    const std::int64_t b = std::min(batch_rows, n);
    detail::CublasHandle blas(stream);
    detail::DeviceArray<float> batch(static_cast<std::size_t>(b * d), stream),
        shifted(static_cast<std::size_t>(b * d), stream);
    detail::DeviceArray<float> c32(static_cast<std::size_t>(d * d), stream);
    detail::DeviceArray<double> c64(static_cast<std::size_t>(d * d), stream), colsum(d, stream),
        shift_d(d, stream);
    c64.zero();
    c32.zero();  // cublasSsyrk writes one triangle; the other is added as zeros
    colsum.zero();
    std::vector<double> shift(d);
    x.read(0, 1, shift.data());
    shift_d.upload(shift.data(), d);
    const int di = static_cast<int>(d);
    detail::for_each_batch_f32(x, batch_rows, true,
                               [&](std::int64_t, std::int64_t count, const float* block) {
                                   batch.upload(block, static_cast<std::size_t>(count * d));
                                   ScatterShiftParams sp;
                                   sp.rows = count;
                                   sp.cols = d;
                                   sp.x = batch.get();
                                   sp.ldx = d;
                                   sp.shift = shift_d.get();
                                   sp.out = shifted.get();
                                   sp.ldo = d;
                                   sp.colsum = colsum.get();
                                   scatter_shift(sp, stream);
                                   // Row-major [count, d] == column-major [d, count]: C (d x d) = A A^T with
                                   // A = shifted (d x count).
                                   const float one = 1.0f, zero = 0.0f;
                                   LF_CUBLAS_CHECK(cublasSsyrk(blas.get(), CUBLAS_FILL_MODE_LOWER,
                                                               CUBLAS_OP_N, di, static_cast<int>(count), &one,
                                                               shifted.get(), di, &zero, c32.get(), di));
                                   AccumulateF64Params ap;
                                   ap.n = d * d;
                                   ap.src = c32.get();
                                   ap.dst = c64.get();
                                   accumulate_f64(ap, stream);
                               });
    std::vector<double> scatter(static_cast<std::size_t>(d * d)), sums(d);
    c64.download(scatter.data(), scatter.size());
    colsum.download(sums.data(), d);
    // Column-major lower == row-major upper: mirror it, then remove n m m^T.
    ScatterStats s;
    s.n = n;
    s.d = d;
    s.mean.resize(d);
    std::vector<double> m(d);
    for (std::int64_t j = 0; j < d; ++j) {
        m[j] = sums[j] / static_cast<double>(n);
        s.mean[j] = shift[j] + m[j];
    }
    for (std::int64_t i = 0; i < d; ++i)
        for (std::int64_t j = i; j < d; ++j) {
            const double v = scatter[i * d + j] - static_cast<double>(n) * m[i] * m[j];
            scatter[i * d + j] = v;
            scatter[j * d + i] = v;
        }
    s.scatter = std::move(scatter);
    return s;
}

}  // namespace lf::cuda
