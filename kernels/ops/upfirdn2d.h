// upfirdn2d.h: upsample (zero insertion), pad/crop, FIR filter (true convolution), downsample, per
// channel, exactly as stylegan2-ada-pytorch upfirdn2d. Output size per axis:
// (in * up + pad0 + pad1 - taps) / down + 1.
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

struct Upfirdn2dParams {
    const float* x;         // [B, H, W] (B = N * C planes)
    const float* filter;    // [fh, fw] float32
    float* y;               // [B, Ho, Wo]
    std::int64_t planes;    // B
    int height, width;      // H, W
    int filter_h, filter_w; // fh, fw
    int up = 1, down = 1;
    int pad_x0 = 0, pad_x1 = 0, pad_y0 = 0, pad_y1 = 0;  // negative values crop
    bool flip_filter = false;
    float gain = 1.0f;      // multiplies the 2-D filter

    int out_height() const { return (height * up + pad_y0 + pad_y1 - filter_h) / down + 1; }
    int out_width() const { return (width * up + pad_x0 + pad_x1 - filter_w) / down + 1; }
};

namespace cpu {
void upfirdn2d(const Upfirdn2dParams& p);
}  // namespace cpu

// CUDA kernel (upfirdn2d.cu): lf::emu:: runs it under the SIMT emulation (host pointers),
// lf::cuda:: on the GPU (device pointers; only when LF_WITH_CUDA).
namespace emu {
void upfirdn2d(const Upfirdn2dParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void upfirdn2d(const Upfirdn2dParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
