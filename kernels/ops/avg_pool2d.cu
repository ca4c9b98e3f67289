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

#include <algorithm>
#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/avg_pool2d.h"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) avg_pool2d_kernel(AvgPool2dParams p, int out_h, int out_w) {
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
        float sum = 0.0f;
        for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix) sum += plane[static_cast<std::int64_t>(iy) * p.width + ix];
        p.y[((n * p.y_channels + p.y_channel_offset + c) * out_h + oy) * out_w + ox] =
            sum / static_cast<float>((y1 - y0) * (x1 - x0));
    }
}

}  // namespace

void avg_pool2d(const AvgPool2dParams& p, Stream stream) {
    avg_pool2d_check(p);
    if (p.batch == 0) return;
    const int out_h = p.out_height(), out_w = p.out_width();
    const std::int64_t total = static_cast<std::int64_t>(p.batch) * p.channels * out_h * out_w;
    const unsigned blocks =
        static_cast<unsigned>(std::min<std::int64_t>((total + kThreads - 1) / kThreads, 1 << 20));
    simt::launch<avg_pool2d_kernel>(dim3(blocks), dim3(kThreads), 0, stream, p, out_h, out_w);
}

}  // namespace lf::LF_KERNEL_NS
