// torgb.h: StyleGAN2's ToRGB layer with the skip-image accumulation, as one op:
//   y[n,c] = clamp(sum_i W[c,i] s[n,i] x[n,i] + bias[c], +-clamp)  (+ upsample2d(skip)[n,c])
// (a modulated 1x1 conv without demodulation; the styles already carry the 1/sqrt(I) weight gain)
// where upsample2d is upfirdn2d(up=2, pad (2,1,2,1), gain 4) with the [4,4] resample filter.
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream
#include "kernels/ops/fp16_mode.h"

namespace lf {

struct ToRgbParams {
    const float* x = nullptr;       // [N, I, H, W] block features
    const float* weight = nullptr;  // [C, I] (the stored [C, I, 1, 1])
    const float* styles = nullptr;  // [N, I]
    const float* bias = nullptr;    // [C]
    const float* skip = nullptr;    // [N, C, H/2, W/2] previous image, or nullptr (first block / no skip)
    const float* filter = nullptr;  // [4, 4] resample filter (with skip)
    float* y = nullptr;             // [N, C, H, W]
    int batch = 0, in_channels = 0, out_channels = 0, height = 0, width = 0;
    float clamp = -1.0f;            // < 0: none
    // Official fp16 block numerics (fp16_mode.h; ToRGB does not demodulate, so no pre-normalization):
    //   NonFused: conv(half(half(x) * half(s)), half(W)); Fused (batch 1): conv(half(x), half(W s)).
    // The conv is rounded to half, then half(clamp(y + half(bias))); the skip image stays float32.
    Fp16Mode fp16 = Fp16Mode::Off;
};

void torgb_check(const ToRgbParams& p);

namespace cpu {
void torgb(const ToRgbParams& p);
}  // namespace cpu

// CUDA kernel (torgb.cu): lf::emu:: runs it under the SIMT emulation (host pointers),
// lf::cuda:: on the GPU (device pointers; only when LF_WITH_CUDA).
namespace emu {
void torgb(const ToRgbParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void torgb(const ToRgbParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
