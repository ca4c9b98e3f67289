// modulated_conv2d.h: StyleGAN2's modulated convolution with its whole epilogue, one batched op:
//   y[n,o] = act( d[n,o] * conv(x[n] * s[n], W)[o]  (+ noise * strength)  + bias[o] ) * gain, clamped
// with d[n,o] = rsqrt(sum_{i,ky,kx} (W[o,i,ky,kx] s[n,i])^2 + 1e-8) when demodulating, else 1.
// up = 1: 'same' cross-correlation (padding k/2), the SynthesisLayer conv1 / ToRGB (k = 1).
// up = 2: the official conv0 path: stride-2 transposed conv with the stored (unflipped) W, then
//         upfirdn2d with the [4,4] resample filter, padding 1, gain 4 -> 2H x 2W.
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream
#include "kernels/ops/bias_act.h"
#include "kernels/ops/fp16_mode.h"

namespace lf {

struct ModulatedConv2dParams {
    const float* x = nullptr;               // [N, I, H, W]
    const float* weight = nullptr;          // [O, I, k, k] OIHW, as stored (no gain)
    const float* styles = nullptr;          // [N, I] affine output, any gain already applied
    const float* noise = nullptr;           // [Ho, Wo] (noise_batch_stride 0) or [N, Ho, Wo]; nullptr: none
    std::int64_t noise_batch_stride = 0;    // elements between samples' noise planes
    float noise_strength = 0.0f;            // noise term = noise * strength (rounded to f32 first)
    const float* bias = nullptr;            // [O] or nullptr
    const float* resample_filter = nullptr; // [4, 4] (up = 2 only)
    float* y = nullptr;                     // [N, O, Ho, Wo], Ho = H * up
    int batch = 0, in_channels = 0, out_channels = 0, height = 0, width = 0;
    int kernel = 3;                         // 3 (SynthesisLayer) or 1 (ToRGB)
    int up = 1;                             // 1 or 2
    bool demodulate = true;
    Activation act = Activation::LRelu;
    float act_gain = 1.41421356f;           // sqrt(2) * layer gain
    float clamp = -1.0f;                    // < 0: no clamp
    // Official fp16 block numerics (fp16_mode.h). In both fp16 modes W and s are first
    // pre-normalized when demodulating (W * (1/sqrt(I k k)) / max|W[o]|, s / max|s[n]|) and d is
    // computed from those in float32; every product below is formed in float32 and rounded to half:
    //   NonFused: xs = half(half(x) * half(s)); y = half(conv(xs, half(W)))  (up=2: the transposed
    //             conv rounded, then half(FIR)); y = half(y * half(d) + half(noise * strength)).
    //   Fused (batch 1): y = half(conv(half(x), half(W s d))); y = half(y + noise * strength).
    // Then y + half(bias), activation, gain, clamp in float32, rounded to half.
    Fp16Mode fp16 = Fp16Mode::Off;
};

// Validates the parameters (sizes, up/kernel combinations); throws lf::Error.
void modulated_conv2d_check(const ModulatedConv2dParams& p);

namespace cpu {
// CPU backend: input scaling by the styles, im2col + one OpenBLAS SGEMM per row chunk over the
// shared weight, demodulation/noise/bias/act/clamp applied as an epilogue.
void modulated_conv2d(const ModulatedConv2dParams& p);
}  // namespace cpu

// CUDA kernels (modulated_conv2d.cu, modulated_conv2d_wmma.cu): lf::emu:: runs them under the SIMT
// emulation (host pointers; lf_kernels_emulated), lf::cuda:: on the GPU (device pointers; lf_kernels,
// only when LF_WITH_CUDA). Pointers of the params are on that device.
//   modulated_conv2d        FP32 implicit GEMM (any valid params: up 1/2, k 1/3)
//   modulated_conv2d_wmma   TF32 tensor cores (wmma m16n16k8, fp32 accumulation) for up=1 k=3; the
//                           other configurations run the FP32 kernels. Needs sm_80+ on the GPU.
//   modulated_conv2d_demod  only the demodulation coefficients demod [N, O] (device memory)
namespace emu {
void modulated_conv2d(const ModulatedConv2dParams& p, Stream stream = nullptr);
void modulated_conv2d_wmma(const ModulatedConv2dParams& p, Stream stream = nullptr);
void modulated_conv2d_demod(const ModulatedConv2dParams& p, float* demod, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void modulated_conv2d(const ModulatedConv2dParams& p, Stream stream = nullptr);
void modulated_conv2d_wmma(const ModulatedConv2dParams& p, Stream stream = nullptr);
void modulated_conv2d_demod(const ModulatedConv2dParams& p, float* demod, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
