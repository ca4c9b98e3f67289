// max_pool2d.h: 2-D max pooling (floor mode; padding counts as -inf, as torch.nn.functional.max_pool2d),
// written into a channel slice of a wider output. InceptionV3 uses 3x3 stride 2 (stem, Mixed_6a,
// Mixed_7a, whose pooled branch lands in its slice of the block output) and 3x3 stride 1 pad 1
// (FIDInceptionE_2, Mixed_7c).
// Entry points:
//   lf::cpu::max_pool2d         the plain CPU twin (max_pool2d_cpu.cpp)
//   lf::{emu,cuda}::max_pool2d  one thread per output element (max_pool2d.cu)
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

struct MaxPool2dParams {
    const float* x = nullptr;  // [batch, channels, height, width] NCHW
    float* y = nullptr;        // [batch, y_channels, out_height(), out_width()]; this op writes
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

// Throws lf::Error naming the first invalid field.
void max_pool2d_check(const MaxPool2dParams& p);

namespace cpu {
void max_pool2d(const MaxPool2dParams& p);
}  // namespace cpu

namespace emu {
void max_pool2d(const MaxPool2dParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void max_pool2d(const MaxPool2dParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
