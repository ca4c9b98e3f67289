// bilinear_resize.h: bilinear resampling of NCHW planes with align_corners=False half-pixel
// centres and no antialiasing, as torch.nn.functional.interpolate(mode='bilinear',
// align_corners=False, size=...) computes it on the CPU for float32 input:
//   scale = float(in) / float(out) (float32); src = max(scale * (dst + 0.5) - 0.5, 0) in double;
//   i0 = int(src); i1 = i0 + (i0 < in - 1); l1 = float(src - i0); l0 = 1 - l1 (float32); an axis
//   whose size does not change is copied (torch's special case);
//   out = (x[h0,w0] * lw0 + x[h0,w1] * lw1) * lh0 + (x[h1,w0] * lw0 + x[h1,w1] * lw1) * lh1.
// The taps are bit-identical to torch 1.13's (probed with one-hot inputs); the blend differs from
// torch's vectorised CPU loop by at most 1 ulp on some pixels (its exact FMA/order is not public API).
// An affine map out * alpha + beta follows (pytorch-fid's 2x - 1 normalisation; alpha 1, beta 0 for
// none). Entry points:
//   lf::cpu::bilinear_resize         the plain CPU twin (bilinear_resize_cpu.cpp)
//   lf::{emu,cuda}::bilinear_resize  one thread per output pixel (bilinear_resize.cu)
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

struct BilinearResizeParams {
    const float* x = nullptr;  // [planes, height, width] (planes = N * C)
    float* y = nullptr;        // [planes, out_height, out_width]
    std::int64_t planes = 0;
    int height = 0, width = 0;
    int out_height = 0, out_width = 0;
    float alpha = 1.0f, beta = 0.0f;  // y = resized * alpha + beta
};

// Throws lf::Error naming the first invalid field.
void bilinear_resize_check(const BilinearResizeParams& p);

// The per-axis source indices and weights (torch's compute_source_index_and_lambda); shared by the
// CPU twin and the CUDA kernel so both use bit-identical weights.
struct BilinearTap {
    int i0, i1;
    float l0, l1;
};
#if defined(__CUDACC__)
__host__ __device__
#endif
    inline BilinearTap
    bilinear_tap(int dst, int in_size, int out_size) {
    if (in_size == out_size) return {dst, dst, 1.0f, 0.0f};
    const float scale = static_cast<float>(in_size) / static_cast<float>(out_size);
#if defined(__CUDA_ARCH__)
    // explicit rounding: nvcc must not contract this into an FMA (the twin rounds twice)
    double src = __dadd_rn(__dmul_rn(static_cast<double>(scale), static_cast<double>(dst) + 0.5), -0.5);
#else
    double src = static_cast<double>(scale) * (static_cast<double>(dst) + 0.5) - 0.5;
#endif
    if (src < 0.0) src = 0.0;
    const int i0 = static_cast<int>(src);
    const int i1 = i0 + (i0 < in_size - 1 ? 1 : 0);
    double frac = src - static_cast<double>(i0);
    frac = frac < 0.0 ? 0.0 : (frac > 1.0 ? 1.0 : frac);
    const float l1 = static_cast<float>(frac);
    return {i0, i1, 1.0f - l1, l1};
}

namespace cpu {
void bilinear_resize(const BilinearResizeParams& p);
}  // namespace cpu

namespace emu {
void bilinear_resize(const BilinearResizeParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void bilinear_resize(const BilinearResizeParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
