// avg_pool2d_cpu.cpp: the plain CPU twin of avg_pool2d (count_include_pad=False): the in-bounds
// window elements summed in row-major order, divided by their count (checks: pool2d_check); the
// (sample, channel) planes spread over the CPU thread pool.
#include <algorithm>

#include "kernels/core/cpu_threads.h"
#include "kernels/core/error.h"
#include "kernels/ops/avg_pool2d.h"

namespace lf {

void avg_pool2d_check(const AvgPool2dParams& p) { pool2d_check(p, "avg_pool2d"); }

namespace cpu {

void avg_pool2d(const AvgPool2dParams& p) {
    avg_pool2d_check(p);
    const int H = p.height, W = p.width, Ho = p.out_height(), Wo = p.out_width();
    parallel_for(static_cast<std::int64_t>(p.batch) * p.channels, [&](std::int64_t i0, std::int64_t i1) {
        for (std::int64_t i = i0; i < i1; ++i) {
            const int n = static_cast<int>(i / p.channels), c = static_cast<int>(i % p.channels);
            const float* plane = p.x + (static_cast<std::int64_t>(n) * p.channels + c) * H * W;
            float* out =
                p.y + (static_cast<std::int64_t>(n) * p.y_channels + p.y_channel_offset + c) * Ho * Wo;
            for (int oy = 0; oy < Ho; ++oy) {
                const int y0 = std::max(oy * p.stride_h - p.pad_h, 0);
                const int y1 = std::min(oy * p.stride_h - p.pad_h + p.kernel_h, H);
                for (int ox = 0; ox < Wo; ++ox) {
                    const int x0 = std::max(ox * p.stride_w - p.pad_w, 0);
                    const int x1 = std::min(ox * p.stride_w - p.pad_w + p.kernel_w, W);
                    float sum = 0.0f;
                    for (int iy = y0; iy < y1; ++iy)
                        for (int ix = x0; ix < x1; ++ix) sum += plane[static_cast<std::int64_t>(iy) * W + ix];
                    out[static_cast<std::int64_t>(oy) * Wo + ox] =
                        sum / static_cast<float>((y1 - y0) * (x1 - x0));
                }
            }
        }
    });
}

}  // namespace cpu
}  // namespace lf
