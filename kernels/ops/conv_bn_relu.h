// conv_bn_relu.h: the InceptionV3 BasicConv2d at inference: a bias-free 2-D convolution (cross-
// correlation, zero padding, any kh x kw, separate strides) with eval-mode BatchNorm folded into the
// weights and a per-channel shift, then ReLU. The output is written straight into a channel slice of
// a wider tensor, so the branches of an Inception block fill the concatenated block output in place.
// Entry points:
//   lf::cpu::conv_bn_relu         CPU backend (conv_bn_relu_cpu.cpp): im2col over image/row chunks +
//                                 OpenBLAS SGEMM, then the shift + ReLU epilogue into the slice
//   lf::{emu,cuda}::conv_bn_relu  implicit-GEMM CUDA kernel (conv_bn_relu.cu), fp32 FMA
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

struct ConvBnReluParams {
    const float* x = nullptr;  // [batch, in_channels, height, width] NCHW
    const float* weight =
        nullptr;                  // [out_channels, in_channels, kernel_h, kernel_w] OIHW, BN scale folded in
    const float* bias = nullptr;  // [out_channels]: BN shift beta - mean * gamma / sqrt(var + eps)
    float* y = nullptr;           // [batch, y_channels, out_height(), out_width()]; this conv writes
                                  // channels [y_channel_offset, y_channel_offset + out_channels)
    int batch = 0, in_channels = 0, height = 0, width = 0;
    int out_channels = 0;
    int kernel_h = 1, kernel_w = 1;
    int stride_h = 1, stride_w = 1;
    int pad_h = 0, pad_w = 0;
    int y_channels = 0;  // channel count of the tensor y points into (>= offset + out_channels)
    int y_channel_offset = 0;
    bool relu = true;

    int out_height() const { return (height + 2 * pad_h - kernel_h) / stride_h + 1; }
    int out_width() const { return (width + 2 * pad_w - kernel_w) / stride_w + 1; }
};

// Throws lf::Error naming the first invalid field.
void conv_bn_relu_check(const ConvBnReluParams& p);

namespace cpu {
void conv_bn_relu(const ConvBnReluParams& p);
}  // namespace cpu

namespace emu {
void conv_bn_relu(const ConvBnReluParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void conv_bn_relu(const ConvBnReluParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
