// elementwise.h: y <- y + x over n elements (StyleGAN2 resnet block: skip + main path).
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

struct AddParams {
    float* y = nullptr;        // [n] in place
    const float* x = nullptr;  // [n]
    std::int64_t n = 0;
};

namespace cpu {
void add(const AddParams& p);
}  // namespace cpu

// CUDA kernel (elementwise.cu): lf::emu:: runs it under the SIMT emulation (host pointers),
// lf::cuda:: on the GPU (device pointers; only when LF_WITH_CUDA).
namespace emu {
void add(const AddParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void add(const AddParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
