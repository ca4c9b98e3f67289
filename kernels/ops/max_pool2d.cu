// max_pool2d.cu: 2-D max pooling (floor mode, -inf padding) into a channel slice of the output.
// CPU twin: lf::cpu::max_pool2d (max_pool2d_cpu.cpp).
//
// v1 (this file): one thread per output element over the whole batch (grid-stride), window scanned
// in row-major order keeping the first maximum, as the twin: the result is bit-exact.
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/max_pool2d.h"
#include "kernels/ops/pool2d.cuh"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) max_pool2d_kernel(MaxPool2dParams p, int out_h, int out_w) {
    detail::pool2d_grid_stride<kThreads>(p, out_h, out_w, [](const float* plane, int w, int y0, int y1, int x0,
                                                             int x1) {
        float m = -INFINITY;
        for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix) {
                const float v = plane[static_cast<std::int64_t>(iy) * w + ix];
                if (v > m) m = v;
            }
        return m;
    });
}

}  // namespace

void max_pool2d(const MaxPool2dParams& p, Stream stream) {
    max_pool2d_check(p);
    if (p.batch == 0) return;
    const int out_h = p.out_height(), out_w = p.out_width();
    const unsigned blocks = detail::pool2d_blocks(p, kThreads);
    simt::launch<max_pool2d_kernel>(dim3(blocks), dim3(kThreads), 0, stream, p, out_h, out_w);
}

}  // namespace lf::LF_KERNEL_NS
