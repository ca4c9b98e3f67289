// upconv_bn_glu.h: one FastGAN up-block stage as a single op: optional nearest x2 upsample, a
// bias-free 3x3 conv (padding 1) to 2C channels, NoiseInjection (x + strength * noise, the noise
// broadcast over channels), BatchNorm2d (eval: running statistics; batch: the mini-batch mean and
// biased variance over N, H, W) and GLU over channels:
//   t = conv3x3(up(x)) [N, 2C, Ho, Wo];  y[n, c] = bn(t + s n)[n, c] * sigmoid(bn(t + s n)[n, c + C])
// UpBlock is one stage with upsample 2; UpBlockComp is two (upsample 2, then 1).
// Entry points:
//   lf::cpu::upconv_bn_glu        the CPU twin: cpu::conv2d into scratch, then cpu::batchnorm_glu
//   lf::{emu,cuda}::upconv_bn_glu eval mode: one implicit-GEMM kernel with the noise + BN + GLU
//                                 epilogue in registers; batch mode: conv2d into scratch, then the
//                                 batchnorm_glu kernels (statistics, fold, apply) (upconv_bn_glu.cu)
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream
#include "kernels/ops/batchnorm_glu.h"

namespace lf {

struct UpConvBnGluParams {
    const float* x = nullptr;             // [N, I, H, W]
    const float* weight = nullptr;        // [2C, I, 3, 3] OIHW
    float* y = nullptr;                   // [N, C, Ho, Wo], Ho = H * upsample, Wo = W * upsample
    float* scratch = nullptr;             // [N, 2C, Ho, Wo] the conv output; needed in batch mode
                                          // (the CPU twin allocates it in eval mode when null)
    const float* noise = nullptr;         // [N, Ho, Wo] standard normal, or nullptr
    float noise_strength = 0.0f;          // NoiseInjection.weight
    const float* bn_weight = nullptr;     // [2C] gamma
    const float* bn_bias = nullptr;       // [2C] beta
    const float* running_mean = nullptr;  // [2C] (Eval)
    const float* running_var = nullptr;   // [2C] (Eval)
    float eps = 1e-5f;
    BatchNormMode mode = BatchNormMode::Eval;
    int batch = 0, in_channels = 0, channels = 0;  // channels = C (the conv has 2C outputs)
    int height = 0, width = 0;                     // of x
    int upsample = 2;                              // 1, or 2 for nearest x2 before the conv

    int out_height() const { return height * upsample; }
    int out_width() const { return width * upsample; }
};

// Throws lf::Error naming the first invalid field.
void upconv_bn_glu_check(const UpConvBnGluParams& p);

namespace cpu {
void upconv_bn_glu(const UpConvBnGluParams& p);
}  // namespace cpu

namespace emu {
void upconv_bn_glu(const UpConvBnGluParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void upconv_bn_glu(const UpConvBnGluParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
