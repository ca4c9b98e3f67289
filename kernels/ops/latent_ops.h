// latent_ops.h: the small latent-space ops of StyleGAN2's mapping network:
//   normalize_2nd_moment: x <- x * rsqrt(mean_j x_j^2 + 1e-8) per row (on a column slice)
//   broadcast_truncate:   ws[n, k] = lerp(w_avg, w[n], psi) for k < cutoff, else w[n]
//                         (ATen's lerp form: start + t (end - start) if |t| < 0.5,
//                          else end - (end - start)(1 - t))
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

struct Normalize2ndMomentParams {
    float* x = nullptr;           // [rows, cols] slice, rows row_stride apart (in place)
    int rows = 0, cols = 0;
    std::int64_t row_stride = 0;  // 0 means cols
};

struct BroadcastTruncateParams {
    const float* w = nullptr;      // [N, w_dim]
    const float* w_avg = nullptr;  // [w_dim]; may be null when psi == 1
    float* ws = nullptr;           // [N, num_ws, w_dim]
    int batch = 0, num_ws = 0, w_dim = 0;
    float psi = 1.0f;
    int cutoff = -1;               // truncate ws[:, :cutoff]; < 0: all layers
};

namespace cpu {
void normalize_2nd_moment(const Normalize2ndMomentParams& p);
void broadcast_truncate(const BroadcastTruncateParams& p);
}  // namespace cpu

// CUDA kernel (latent_ops.cu): lf::emu:: runs it under the SIMT emulation (host pointers),
// lf::cuda:: on the GPU (device pointers; only when LF_WITH_CUDA).
namespace emu {
void normalize_2nd_moment(const Normalize2ndMomentParams& p, Stream stream = nullptr);
void broadcast_truncate(const BroadcastTruncateParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void normalize_2nd_moment(const Normalize2ndMomentParams& p, Stream stream = nullptr);
void broadcast_truncate(const BroadcastTruncateParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
