// fully_connected.h: y = act((x W^T) + b) * gain, the equalized-lr FC layer of StyleGAN2's mapping
// network and style affines. Gains are folded into W and b by the caller (rounded to float32 once,
// as the official code does), so this op is a GEMM plus the bias_act epilogue.
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream
#include "kernels/ops/bias_act.h"

namespace lf {

struct FullyConnectedParams {
    const float* x = nullptr;       // [N, in], rows x_row_stride apart
    std::int64_t x_row_stride = 0;  // elements between rows of x; 0 means in_features
    const float* weight = nullptr;  // [out, in], gain already applied
    const float* bias = nullptr;    // [out], gain already applied, or nullptr
    float* y = nullptr;             // [N, out]
    int batch = 0, in_features = 0, out_features = 0;
    Activation act = Activation::Linear;
    float act_gain = 1.0f;
};

namespace cpu {
void fully_connected(const FullyConnectedParams& p);  // OpenBLAS SGEMM + bias_act
}  // namespace cpu

// Throws lf::Error on null pointers or non-positive sizes.
void fully_connected_check(const FullyConnectedParams& p);

// CUDA kernel (fully_connected.cu): lf::emu:: runs it under the SIMT emulation (host pointers),
// lf::cuda:: on the GPU (device pointers; only when LF_WITH_CUDA).
namespace emu {
void fully_connected(const FullyConnectedParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void fully_connected(const FullyConnectedParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
