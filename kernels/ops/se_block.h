// se_block.h: FastGAN's SEBlock, fused: big <- big * sigmoid(W2 swish(W1 * avgpool4(small))), where
// avgpool4 is AdaptiveAvgPool2d(4) (exact non-overlapping blocks), W1 a 4x4 valid conv (a [Cb, Cs*16]
// matrix on the pooled map) and W2 a 1x1 conv; the gate is broadcast over big's H and W.
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

struct SeBlockParams {
    const float* small = nullptr;  // [N, Cs, Hs, Ws], Hs and Ws multiples of 4
    float* big = nullptr;          // [N, Cb, Hb, Wb], scaled in place
    const float* w1 = nullptr;     // [Cb, Cs, 4, 4]
    const float* w2 = nullptr;     // [Cb, Cb, 1, 1]
    int batch = 0, small_channels = 0, small_height = 0, small_width = 0;
    int big_channels = 0;
    std::int64_t big_plane = 0;    // Hb * Wb
};

void se_block_check(const SeBlockParams& p);

namespace cpu {
void se_block(const SeBlockParams& p);
}  // namespace cpu

// CUDA kernels (se_block.cu): lf::emu:: runs them under the SIMT emulation (host pointers),
// lf::cuda:: on the GPU (device pointers; only when LF_WITH_CUDA).
namespace emu {
void se_block(const SeBlockParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void se_block(const SeBlockParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
