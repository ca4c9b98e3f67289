// avg_pool2d_cpu.cpp: the plain CPU twin of avg_pool2d (count_include_pad=False) and the shared
// parameter check: the in-bounds window elements summed in row-major order, divided by their count.
#include <algorithm>

#include "kernels/core/error.h"
#include "kernels/ops/avg_pool2d.h"

namespace lf {

void avg_pool2d_check(const AvgPool2dParams& p) {
    LF_CHECK(p.batch >= 0 && p.channels > 0 && p.height > 0 && p.width > 0,
             "avg_pool2d: bad sizes batch=", p.batch, " channels=", p.channels, " height=", p.height,
             " width=", p.width);
    LF_CHECK(p.kernel_h > 0 && p.kernel_w > 0 && p.stride_h > 0 && p.stride_w > 0 && p.pad_h >= 0 &&
                 p.pad_w >= 0 && 2 * p.pad_h <= p.kernel_h && 2 * p.pad_w <= p.kernel_w,
             "avg_pool2d: bad window ", p.kernel_h, "x", p.kernel_w, " stride ", p.stride_h, "x", p.stride_w,
             " pad ", p.pad_h, "x", p.pad_w, " (pad must be at most half the kernel)");
    LF_CHECK(p.height + 2 * p.pad_h >= p.kernel_h && p.width + 2 * p.pad_w >= p.kernel_w, "avg_pool2d: a ",
             p.kernel_h, "x", p.kernel_w, " window does not fit a ", p.height, "x", p.width, " input");
    LF_CHECK(p.y_channel_offset >= 0 && p.y_channel_offset + p.channels <= p.y_channels,
             "avg_pool2d: output channels [", p.y_channel_offset, ", ", p.y_channel_offset + p.channels,
             ") do not fit y_channels=", p.y_channels);
    if (p.batch > 0) LF_CHECK(p.x && p.y, "avg_pool2d: null tensor");
}

namespace cpu {

void avg_pool2d(const AvgPool2dParams& p) {
    avg_pool2d_check(p);
    const int H = p.height, W = p.width, Ho = p.out_height(), Wo = p.out_width();
    for (int n = 0; n < p.batch; ++n) {
        for (int c = 0; c < p.channels; ++c) {
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
    }
}

}  // namespace cpu
}  // namespace lf
