// avg_pool2d.h: 2-D average pooling with count_include_pad=False (floor mode): each output is the sum
// of the in-bounds window elements in row-major order divided by their count, as
// torch.nn.functional.avg_pool2d(..., count_include_pad=False). InceptionV3 uses 3x3 stride 1 pad 1
// (the FIDInceptionA/C/E_1 pool branches) and a whole-map window (the global pool to the 2048-d
// pool3 features, and the spatial means of the 64/192/768-d block outputs).
// Entry points:
//   lf::cpu::avg_pool2d         the plain CPU twin (avg_pool2d_cpu.cpp)
//   lf::{emu,cuda}::avg_pool2d  one thread per output element (avg_pool2d.cu)
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

struct AvgPool2dParams {
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

// Throws lf::Error naming the first invalid field (every window must hold at least one input element).
void avg_pool2d_check(const AvgPool2dParams& p);

namespace cpu {
void avg_pool2d(const AvgPool2dParams& p);
}  // namespace cpu

namespace emu {
void avg_pool2d(const AvgPool2dParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void avg_pool2d(const AvgPool2dParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
