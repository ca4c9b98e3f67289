// pool2d.h: the window geometry avg_pool2d and max_pool2d share (floor mode, stride, symmetric
// padding, output written into a channel slice of a wider tensor), its one parameter check, and the
// CPU twins' shared window loop.
#pragma once

#include <algorithm>
#include <cstdint>

#include "kernels/core/cpu_threads.h"

namespace lf {

struct Pool2dParams {
    const float* x = nullptr;  // [batch, channels, height, width] NCHW
    float* y = nullptr;        // [batch, y_channels, out_height(), out_width()]; the op writes
                               // channels [y_channel_offset, y_channel_offset + channels)
    int batch = 0, channels = 0, height = 0, width = 0;
    int kernel_h = 3, kernel_w = 3;
    int stride_h = 1, stride_w = 1;
    int pad_h = 0, pad_w = 0;
    int y_channels = 0;  // channel count of the tensor y points into (>= offset + channels)
    int y_channel_offset = 0;

    int out_height() const { return (height + 2 * pad_h - kernel_h) / stride_h + 1; }
    int out_width() const { return (width + 2 * pad_w - kernel_w) / stride_w + 1; }
};

// Throws lf::Error("<op>: ...") naming the first invalid field; every window holds at least one
// input element (padding is at most half the kernel).
void pool2d_check(const Pool2dParams& p, const char* op);

namespace cpu {

// The CPU twins' loop: the (sample, channel) planes spread over the CPU thread pool; every output
// element is reduce(plane, W, y0, y1, x0, x1) over its in-bounds window rows [y0, y1) and columns
// [x0, x1) of the plane (row stride W).
template <class Reduce>
void pool2d_each_window(const Pool2dParams& p, Reduce reduce) {
    const int H = p.height, W = p.width, Ho = p.out_height(), Wo = p.out_width();
    parallel_for(static_cast<std::int64_t>(p.batch) * p.channels, [&](std::int64_t i0, std::int64_t i1) {
        for (std::int64_t i = i0; i < i1; ++i) {
            const std::int64_t n = i / p.channels, c = i % p.channels;
            const float* plane = p.x + i * H * W;
            float* out = p.y + (n * p.y_channels + p.y_channel_offset + c) * Ho * Wo;
            for (int oy = 0; oy < Ho; ++oy) {
                const int y0 = std::max(oy * p.stride_h - p.pad_h, 0);
                const int y1 = std::min(oy * p.stride_h - p.pad_h + p.kernel_h, H);
                for (int ox = 0; ox < Wo; ++ox) {
                    const int x0 = std::max(ox * p.stride_w - p.pad_w, 0);
                    const int x1 = std::min(ox * p.stride_w - p.pad_w + p.kernel_w, W);
                    out[static_cast<std::int64_t>(oy) * Wo + ox] = reduce(plane, W, y0, y1, x0, x1);
                }
            }
        }
    });
}

}  // namespace cpu

}  // namespace lf
