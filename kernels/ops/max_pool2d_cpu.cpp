// max_pool2d_cpu.cpp: the plain CPU twin of max_pool2d (checks: pool2d_check). Windows are scanned
// in row-major order keeping the first maximum; padding never wins (it is -inf).
#include <algorithm>
#include <limits>

#include "kernels/core/cpu_threads.h"
#include "kernels/core/error.h"
#include "kernels/ops/max_pool2d.h"

namespace lf {

void max_pool2d_check(const MaxPool2dParams& p) { pool2d_check(p, "max_pool2d"); }

namespace cpu {

void max_pool2d(const MaxPool2dParams& p) {
    max_pool2d_check(p);
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
                    float m = -std::numeric_limits<float>::infinity();
                    for (int iy = y0; iy < y1; ++iy)
                        for (int ix = x0; ix < x1; ++ix) {
                            const float v = plane[static_cast<std::int64_t>(iy) * W + ix];
                            if (v > m) m = v;
                        }
                    out[static_cast<std::int64_t>(oy) * Wo + ox] = m;
                }
            }
        }
    });
}

}  // namespace cpu
}  // namespace lf
