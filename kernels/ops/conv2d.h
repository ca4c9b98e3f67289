// conv2d.h: a plain bias-free 2-D convolution (cross-correlation, zero padding, stride 1) with an
// optional nearest-neighbour x2 upsample of the input fused into the gather, and an optional
// output activation. Used by FastGAN's up-blocks (through upconv_bn_glu) and its to_big / to_128
// output convs (tanh at im_size 1024).
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

enum class OutputActivation { None, Tanh };

struct Conv2dParams {
    const float* x = nullptr;       // [N, I, H, W]
    const float* weight = nullptr;  // [O, I, k, k]
    float* y = nullptr;             // [N, O, Ho, Wo], Ho = H * upsample + 2 * pad - k + 1
    int batch = 0, in_channels = 0, out_channels = 0, height = 0, width = 0;
    int kernel = 3, pad = 1;
    int upsample = 1;               // 1, or 2 for nearest-neighbour x2 before the conv
    OutputActivation act = OutputActivation::None;

    int out_height() const { return height * upsample + 2 * pad - kernel + 1; }
    int out_width() const { return width * upsample + 2 * pad - kernel + 1; }
};

void conv2d_check(const Conv2dParams& p);

namespace cpu {
// im2col (reading the upsampled input in place) + OpenBLAS SGEMM per row chunk.
void conv2d(const Conv2dParams& p);
}  // namespace cpu

// CUDA kernel (conv2d.cu): lf::emu:: runs it under the SIMT emulation (host pointers), lf::cuda::
// on the GPU (device pointers; only when LF_WITH_CUDA).
namespace emu {
void conv2d(const Conv2dParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void conv2d(const Conv2dParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
