// column_moments.cu: float64 column sums and sums of squares of a shifted row batch (see
// column_moments.h). v1 (this file): column_moments_kernel gives every thread one column (threads of
// a warp read consecutive columns of a row: coalesced) and walks the rows in order, so both sums are
// deterministic and equal the twin's. CPU twin: lf::cpu::column_moments (column_moments_cpu.cpp).
#include "kernels/core/error.h"
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
#include "linalg/column_moments.h"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) column_moments_kernel(ColumnMomentsParams p) {
    const std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x;
    if (j >= p.cols) return;
    const double shift = p.shift[j];
    double s = 0.0, sq = 0.0;
    for (std::int64_t i = 0; i < p.rows; ++i) {
        const double v = static_cast<double>(p.x[i * p.ldx + j]) - shift;
        s += v;
        sq += v * v;
    }
    p.colsum[j] += s;
    p.colsumsq[j] += sq;
}

}  // namespace

void column_moments(const ColumnMomentsParams& p, Stream stream) {
    check_column_moments_params(p);
    if (p.rows == 0 || p.cols == 0) return;
    const std::int64_t blocks = (p.cols + kThreads - 1) / kThreads;
    LF_CHECK(blocks <= 2147483647, "column_moments: ", p.cols, " columns exceed the grid limit");
    simt::launch<column_moments_kernel>(dim3(static_cast<unsigned>(blocks)), dim3(kThreads), 0, stream, p);
}

}  // namespace lf::LF_KERNEL_NS
