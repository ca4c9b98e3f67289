// pool2d.h: the window geometry avg_pool2d and max_pool2d share (floor mode, stride, symmetric
// padding, output written into a channel slice of a wider tensor) and its one parameter check.
#pragma once

#include <cstdint>

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

}  // namespace lf
