// batchnorm_glu.h: FastGAN's conv epilogue: optional NoiseInjection (x + strength * noise, the noise
// broadcast over channels), BatchNorm2d (eval: running statistics; batch: the mini-batch mean and
// biased variance over N, H, W, as the upstream code's train-mode forward), then GLU over channels:
//   y[n, c] = bn(x)[n, c] * sigmoid(bn(x)[n, c + C]),  c < C.
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

enum class BatchNormMode { Eval, Batch };

struct BatchNormGluParams {
    const float* x = nullptr;             // [N, 2C, H, W] conv output
    float* y = nullptr;                   // [N, C, H, W]
    const float* noise = nullptr;         // [N, H, W] standard normal, or nullptr
    float noise_strength = 0.0f;          // NoiseInjection.weight
    const float* bn_weight = nullptr;     // [2C] gamma
    const float* bn_bias = nullptr;       // [2C] beta
    const float* running_mean = nullptr;  // [2C] (Eval)
    const float* running_var = nullptr;   // [2C] (Eval)
    float eps = 1e-5f;
    BatchNormMode mode = BatchNormMode::Eval;
    int batch = 0, channels = 0;          // channels = C (output channels; the input has 2C)
    std::int64_t plane = 0;               // H * W
};

void batchnorm_glu_check(const BatchNormGluParams& p);

namespace cpu {
// Note: with noise, x is not modified; the noisy value is recomputed where needed.
void batchnorm_glu(const BatchNormGluParams& p);
}  // namespace cpu

// CUDA kernels (batchnorm_glu.cu): lf::emu:: runs them under the SIMT emulation (host pointers),
// lf::cuda:: on the GPU (device pointers; only when LF_WITH_CUDA).
namespace emu {
void batchnorm_glu(const BatchNormGluParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void batchnorm_glu(const BatchNormGluParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
