// max_pool2d.cu: 2-D max pooling (floor mode, -inf padding) into a channel slice of the output.
// CPU twin: lf::cpu::max_pool2d (max_pool2d_cpu.cpp).
//
// v1 (this file): one thread per output element over the whole batch (grid-stride), window scanned
// in row-major order keeping the first maximum, as the twin: the result is bit-exact.
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <algorithm>
#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/max_pool2d.h"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) max_pool2d_kernel(MaxPool2dParams p, int out_h, int out_w) {
    const std::int64_t total = static_cast<std::int64_t>(p.batch) * p.channels * out_h * out_w;
    const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * kThreads;
    for (std::int64_t e = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x; e < total;
         e += step) {
        const int ox = static_cast<int>(e % out_w);
        const int oy = static_cast<int>((e / out_w) % out_h);
        const std::int64_t nc = e / (static_cast<std::int64_t>(out_w) * out_h);
        const int c = static_cast<int>(nc % p.channels);
        const std::int64_t n = nc / p.channels;
        const float* plane = p.x + nc * p.height * p.width;
        const int y0 = max(oy * p.stride_h - p.pad_h, 0),
                  y1 = min(oy * p.stride_h - p.pad_h + p.kernel_h, p.height);
        const int x0 = max(ox * p.stride_w - p.pad_w, 0),
                  x1 = min(ox * p.stride_w - p.pad_w + p.kernel_w, p.width);
        float m = -INFINITY;
        for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix) {
                const float v = plane[static_cast<std::int64_t>(iy) * p.width + ix];
                if (v > m) m = v;
            }
        p.y[((n * p.y_channels + p.y_channel_offset + c) * out_h + oy) * out_w + ox] = m;
    }
}

}  // namespace

void max_pool2d(const MaxPool2dParams& p, Stream stream) {
    max_pool2d_check(p);
    if (p.batch == 0) return;
    const int out_h = p.out_height(), out_w = p.out_width();
    const std::int64_t total = static_cast<std::int64_t>(p.batch) * p.channels * out_h * out_w;
    const unsigned blocks =
        static_cast<unsigned>(std::min<std::int64_t>((total + kThreads - 1) / kThreads, 1 << 20));
    simt::launch<max_pool2d_kernel>(dim3(blocks), dim3(kThreads), 0, stream, p, out_h, out_w);
}

}  // namespace lf::LF_KERNEL_NS
