// scatter_accumulate.cu: the elementwise steps of the streamed GPU covariance (see
// scatter_accumulate.h). v1 (this file): scatter_shift_kernel gives every thread one column (threads
// of a warp read consecutive columns of a row: coalesced) and walks the rows in order, writing the
// shifted float32 value and summing in float64, so the column sums are deterministic and equal the
// twin's; accumulate_f64_kernel is a grid-stride elementwise add. CPU twins: lf::cpu::scatter_shift,
// lf::cpu::accumulate_f64 (scatter_accumulate_cpu.cpp).
#include <algorithm>

#include "kernels/core/error.h"
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
#include "linalg/scatter_accumulate.h"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) scatter_shift_kernel(ScatterShiftParams p) {
    const std::int64_t j = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x;
    if (j >= p.cols) return;
    const double shift = p.shift[j];
    double s = 0.0;
    for (std::int64_t i = 0; i < p.rows; ++i) {
        const double v = static_cast<double>(p.x[i * p.ldx + j]) - shift;
        p.out[i * p.ldo + j] = static_cast<float>(v);
        s += v;
    }
    p.colsum[j] += s;
}

__global__ void __launch_bounds__(kThreads) accumulate_f64_kernel(AccumulateF64Params p) {
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * kThreads;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x; i < p.n;
         i += stride)
        p.dst[i] += static_cast<double>(p.src[i]);
}

}  // namespace

void scatter_shift(const ScatterShiftParams& p, Stream stream) {
    check_scatter_shift_params(p);
    if (p.rows == 0 || p.cols == 0) return;
    const std::int64_t blocks = (p.cols + kThreads - 1) / kThreads;
    LF_CHECK(blocks <= 2147483647, "scatter_shift: ", p.cols, " columns exceed the grid limit");
    simt::launch<scatter_shift_kernel>(dim3(static_cast<unsigned>(blocks)), dim3(kThreads), 0, stream, p);
}

void accumulate_f64(const AccumulateF64Params& p, Stream stream) {
    check_accumulate_f64_params(p);
    if (p.n == 0) return;
    const std::int64_t blocks = std::min<std::int64_t>((p.n + kThreads - 1) / kThreads, 4096);
    simt::launch<accumulate_f64_kernel>(dim3(static_cast<unsigned>(blocks)), dim3(kThreads), 0, stream, p);
}

}  // namespace lf::LF_KERNEL_NS
