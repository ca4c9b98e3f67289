// batchnorm_glu.cu: the batchnorm_glu op of batchnorm_glu.h on CUDA: NoiseInjection, BatchNorm2d
// (eval: running statistics; batch: mini-batch mean and biased variance over N, H, W) and GLU.
// FastGAN uses it after the init layer's GEMM and as the second pass of the batch-statistics
// up-block path (upconv_bn_glu.cu). CPU twin: lf::cpu::batchnorm_glu (batchnorm_glu_cpu.cpp).
//
// Kernels (launched by batchnorm_glu()):
//   batchnorm_stats_kernel   batch mode: grid (chunks S, channels 2C); each block sums one chunk
//                            of one channel (noise added) in float64 and reduces in shared memory
//                            in a fixed tree order -> partial [2C, S, 2] (sum, sum of squares)
//   batchnorm_fold_kernel    one thread per channel: mean/var from the partials (batch; float64,
//                            var = E[x^2] - mean^2 clamped at 0, as the twin) or from the running
//                            statistics (eval) -> alpha = gamma / sqrt(var + eps),
//                            beta = bias - mean * alpha into fold [2, 2C]
//   batchnorm_glu_apply_kernel  grid-stride over [N, C, H*W]: y = (a alpha_c + beta_c) *
//                            sigmoid(b alpha_{c+C} + beta_{c+C}), a = x[n, c] (+ noise),
//                            b = x[n, c + C] (+ noise)
// v1 (this file). Deterministic: no atomics, the reductions have a fixed order. Scratch: fold
// [2, 2C] f32 and (batch) partial [2C, S, 2] f64, stream-ordered on CUDA.
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <algorithm>
#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/batchnorm_glu.h"
#include "kernels/ops/fastgan_conv_gemm.cuh"

namespace lf::LF_KERNEL_NS {
namespace {

using fastgan::kThreads;
constexpr std::int64_t kStatsChunk = 8192;  // elements per statistics block (at least)
constexpr int kMaxChunks = 256;

__device__ __forceinline__ float noisy_value(const BatchNormGluParams& p, int n, int c, std::int64_t q) {
    const float v = p.x[(static_cast<std::int64_t>(n) * 2 * p.channels + c) * p.plane + q];
    return p.noise ? __fadd_rn(v, __fmul_rn(p.noise_strength, p.noise[n * p.plane + q])) : v;
}

__global__ void __launch_bounds__(kThreads) batchnorm_stats_kernel(BatchNormGluParams p,
                                                                   double* partial,  // [2C, S, 2]
                                                                   std::int64_t chunk) {
    __shared__ double sum_s[kThreads];
    __shared__ double sq_s[kThreads];
    const int c = static_cast<int>(blockIdx.y), s = static_cast<int>(blockIdx.x),
              S = static_cast<int>(gridDim.x);
    const int t = static_cast<int>(threadIdx.x);
    const std::int64_t count = static_cast<std::int64_t>(p.batch) * p.plane;
    const std::int64_t e0 = s * chunk, e1 = e0 + chunk < count ? e0 + chunk : count;
    double sum = 0.0, sq = 0.0;
    for (std::int64_t e = e0 + t; e < e1; e += kThreads) {
        const int n = static_cast<int>(e / p.plane);
        const double v = noisy_value(p, n, c, e % p.plane);
        sum += v;
        sq += v * v;
    }
    sum_s[t] = sum;
    sq_s[t] = sq;
    __syncthreads();
    for (int half = kThreads / 2; half > 0; half /= 2) {
        if (t < half) {
            sum_s[t] += sum_s[t + half];
            sq_s[t] += sq_s[t + half];
        }
        __syncthreads();
    }
    if (t == 0) {
        partial[(static_cast<std::int64_t>(c) * S + s) * 2] = sum_s[0];
        partial[(static_cast<std::int64_t>(c) * S + s) * 2 + 1] = sq_s[0];
    }
}

__global__ void __launch_bounds__(kThreads)
    batchnorm_fold_kernel(BatchNormGluParams p,
                          const double* partial,  // [2C, S, 2] or null
                          int chunks,
                          float* fold) {  // [2, 2C] alpha, beta
    const int c2 = 2 * p.channels;
    const int c = static_cast<int>(blockIdx.x) * kThreads + static_cast<int>(threadIdx.x);
    if (c >= c2) return;
    float mean, var;
    if (partial) {
        double s = 0.0, s2 = 0.0;
        for (int k = 0; k < chunks; ++k) {
            s += partial[(static_cast<std::int64_t>(c) * chunks + k) * 2];
            s2 += partial[(static_cast<std::int64_t>(c) * chunks + k) * 2 + 1];
        }
        const double count = static_cast<double>(p.batch) * static_cast<double>(p.plane);
        const double m = s / count;
        mean = static_cast<float>(m);
        var = static_cast<float>(max(0.0, s2 / count - m * m));  // biased, as BatchNorm normalizes
    } else {
        mean = p.running_mean[c];
        var = p.running_var[c];
    }
    const fastgan::BnFold f = fastgan::bn_fold(p.bn_weight[c], p.bn_bias[c], mean, var, p.eps);
    fold[c] = f.alpha;
    fold[c2 + c] = f.beta;
}

__global__ void __launch_bounds__(kThreads) batchnorm_glu_apply_kernel(BatchNormGluParams p,
                                                                       const float* fold) {  // [2, 2C]
    const int C = p.channels;
    const std::int64_t total = static_cast<std::int64_t>(p.batch) * C * p.plane;
    for (std::int64_t e = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x; e < total;
         e += static_cast<std::int64_t>(gridDim.x) * kThreads) {
        const std::int64_t q = e % p.plane, nc = e / p.plane;
        const int c = static_cast<int>(nc % C), n = static_cast<int>(nc / C);
        const fastgan::BnFold fa{fold[c], fold[2 * C + c]};
        const fastgan::BnFold fb{fold[c + C], fold[3 * C + c]};
        p.y[e] = fastgan::bn_glu(noisy_value(p, n, c, q), fa, noisy_value(p, n, c + C, q), fb);
    }
}

}  // namespace

void batchnorm_glu(const BatchNormGluParams& p, Stream stream) {
    batchnorm_glu_check(p);
    LF_CHECK(p.eps >= 0.0f, "batchnorm_glu: eps ", p.eps, " is negative");
    const int c2 = 2 * p.channels;
    LF_CHECK(c2 <= static_cast<int>(fastgan::kMaxGridYZ), "batchnorm_glu: too many channels (", p.channels,
             ")");
    Tensor fold = fastgan::fastgan_scratch(2 * c2, DType::F32, stream);  // [2, 2C]
    Tensor partial;
    int chunks = 0;
    if (p.mode == BatchNormMode::Batch) {
        const std::int64_t count = static_cast<std::int64_t>(p.batch) * p.plane;
        chunks = static_cast<int>(
            std::clamp<std::int64_t>((count + kStatsChunk - 1) / kStatsChunk, 1, kMaxChunks));
        const std::int64_t chunk = (count + chunks - 1) / chunks;
        partial = fastgan::fastgan_scratch(static_cast<std::int64_t>(c2) * chunks * 2, DType::F64, stream);
        simt::launch<batchnorm_stats_kernel>(dim3(static_cast<unsigned>(chunks), static_cast<unsigned>(c2)),
                                             dim3(kThreads), 0, stream, p, partial.data<double>(), chunk);
    }
    simt::launch<batchnorm_fold_kernel>(
        dim3(static_cast<unsigned>((c2 + kThreads - 1) / kThreads)), dim3(kThreads), 0, stream, p,
        static_cast<const double*>(chunks ? partial.data<double>() : nullptr), chunks, fold.data<float>());
    const std::int64_t total = static_cast<std::int64_t>(p.batch) * p.channels * p.plane;
    const unsigned blocks =
        static_cast<unsigned>(std::min<std::int64_t>((total + kThreads - 1) / kThreads, 65536));
    simt::launch<batchnorm_glu_apply_kernel>(dim3(blocks), dim3(kThreads), 0, stream, p,
                                             static_cast<const float*>(fold.data<float>()));
}

}  // namespace lf::LF_KERNEL_NS
