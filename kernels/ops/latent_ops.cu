// latent_ops.cu: the small latent-space ops of StyleGAN2's mapping network on the GPU. CPU twins:
// lf::cpu::normalize_2nd_moment and lf::cpu::broadcast_truncate (latent_ops_cpu.cpp).
//   normalize_2nd_moment_kernel  one 256-thread block per row: strided sum of squares, warp-shuffle
//                                then shared-memory reduction, x *= 1 / sqrt(mean + 1e-8) in place
//   broadcast_truncate_kernel    grid-stride over ws [N, num_ws, w_dim]: ws = w, or ATen's lerp
//                                form of lerp(w_avg, w, psi) for layers < cutoff
// v1 (this file).
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/latent_ops.h"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads)
    normalize_2nd_moment_kernel(float* x,  // [rows, cols], row_stride apart
                                int cols, std::int64_t row_stride) {
    __shared__ float partial[kThreads / 32];
    float* row = x + static_cast<std::int64_t>(blockIdx.x) * row_stride;
    const int t = static_cast<int>(threadIdx.x);
    float acc = 0.0f;
    for (int j = t; j < cols; j += kThreads) acc = fmaf(row[j], row[j], acc);
    for (int offset = 16; offset > 0; offset /= 2) acc += __shfl_xor_sync(0xffffffffu, acc, offset);
    if (t % 32 == 0) partial[t / 32] = acc;
    __syncthreads();
    float sum = 0.0f;
    for (int w = 0; w < kThreads / 32; ++w) sum += partial[w];  // every thread, same order
    const float scale = 1.0f / sqrtf(sum / static_cast<float>(cols) + 1e-8f);
    for (int j = t; j < cols; j += kThreads) row[j] = __fmul_rn(row[j], scale);
}

__global__ void __launch_bounds__(kThreads) broadcast_truncate_kernel(BroadcastTruncateParams p, int layers) {
    const std::int64_t total = static_cast<std::int64_t>(p.batch) * p.num_ws * p.w_dim;
    const bool small = fabsf(p.psi) < 0.5f;
    for (std::int64_t e = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x; e < total;
         e += static_cast<std::int64_t>(gridDim.x) * kThreads) {
        const int j = static_cast<int>(e % p.w_dim);
        const std::int64_t nk = e / p.w_dim;
        const int k = static_cast<int>(nk % p.num_ws), n = static_cast<int>(nk / p.num_ws);
        const float end = p.w[static_cast<std::int64_t>(n) * p.w_dim + j];
        float v = end;
        if (k < layers) {
            const float start = p.w_avg[j];
            const float diff = __fadd_rn(end, -start);
            v = small ? __fadd_rn(start, __fmul_rn(p.psi, diff))
                      : __fadd_rn(end, -__fmul_rn(diff, 1.0f - p.psi));
        }
        p.ws[e] = v;
    }
}

}  // namespace

void normalize_2nd_moment(const Normalize2ndMomentParams& p, Stream stream) {
    LF_CHECK(p.x && p.rows >= 0 && p.cols > 0, "normalize_2nd_moment: bad parameters");
    LF_CHECK(p.row_stride == 0 || p.row_stride >= p.cols, "normalize_2nd_moment: row_stride ", p.row_stride,
             " < cols ", p.cols);
    if (p.rows == 0) return;
    const std::int64_t stride = p.row_stride > 0 ? p.row_stride : p.cols;
    simt::launch<normalize_2nd_moment_kernel>(dim3(static_cast<unsigned>(p.rows)), dim3(kThreads), 0, stream,
                                              p.x, p.cols, stride);
}

void broadcast_truncate(const BroadcastTruncateParams& p, Stream stream) {
    LF_CHECK(p.w && p.ws && p.batch >= 0 && p.num_ws > 0 && p.w_dim > 0,
             "broadcast_truncate: bad parameters");
    LF_CHECK(p.psi == 1.0f || p.w_avg, "broadcast_truncate: truncation needs w_avg");
    const int layers = p.psi == 1.0f ? 0 : (p.cutoff < 0 ? p.num_ws : std::min(p.cutoff, p.num_ws));
    const std::int64_t total = static_cast<std::int64_t>(p.batch) * p.num_ws * p.w_dim;
    if (total == 0) return;
    const unsigned blocks =
        static_cast<unsigned>(std::min<std::int64_t>((total + kThreads - 1) / kThreads, 4096));
    simt::launch<broadcast_truncate_kernel>(dim3(blocks), dim3(kThreads), 0, stream, p, layers);
}

}  // namespace lf::LF_KERNEL_NS
