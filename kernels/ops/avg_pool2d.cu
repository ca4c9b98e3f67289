// avg_pool2d.cu: 2-D average pooling with count_include_pad=False (floor mode) into a channel slice
// of the output. CPU twin: lf::cpu::avg_pool2d (avg_pool2d_cpu.cpp).
//
// v1 (this file): one thread per output element over the whole batch (grid-stride); the in-bounds
// window is summed in row-major order and divided by its element count, as the twin (plain adds,
// nothing to contract into an FMA): the result is bit-exact.
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/avg_pool2d.h"
#include "kernels/ops/pool2d.cuh"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) avg_pool2d_kernel(AvgPool2dParams p, int out_h, int out_w) {
    detail::pool2d_grid_stride<kThreads>(p, out_h, out_w, [](const float* plane, int w, int y0, int y1, int x0,
                                                             int x1) {
        float sum = 0.0f;
        for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix) sum += plane[static_cast<std::int64_t>(iy) * w + ix];
        return sum / static_cast<float>((y1 - y0) * (x1 - x0));
    });
}

}  // namespace

void avg_pool2d(const AvgPool2dParams& p, Stream stream) {
    avg_pool2d_check(p);
    if (p.batch == 0) return;
    const int out_h = p.out_height(), out_w = p.out_width();
    const unsigned blocks = detail::pool2d_blocks(p, kThreads);
    simt::launch<avg_pool2d_kernel>(dim3(blocks), dim3(kThreads), 0, stream, p, out_h, out_w);
}

}  // namespace lf::LF_KERNEL_NS
