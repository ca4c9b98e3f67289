// batchnorm_glu_cpu.cpp: CPU twin of batchnorm_glu. Batch statistics accumulate in float64 (as
// PyTorch's CPU batch norm does); the normalization itself is float32 x * alpha + beta with
// alpha = gamma / sqrt(var + eps), beta = bias - mean * alpha. Channels (statistics) and (sample,
// channel) planes (the GLU) spread over the CPU thread pool.
#include <cmath>
#include <vector>

#include "kernels/core/cpu_threads.h"
#include "kernels/core/error.h"
#include "kernels/ops/batchnorm_glu.h"

namespace lf {

void batchnorm_glu_check(const BatchNormGluParams& p) {
    LF_CHECK(p.x && p.y && p.bn_weight && p.bn_bias && p.batch > 0 && p.channels > 0 && p.plane > 0,
             "batchnorm_glu: bad parameters");
    LF_CHECK(p.mode == BatchNormMode::Batch || (p.running_mean && p.running_var),
             "batchnorm_glu: eval mode needs running statistics");
}

namespace cpu {

void batchnorm_glu(const BatchNormGluParams& p) {
    batchnorm_glu_check(p);
    const int C2 = 2 * p.channels;
    auto value = [&](int n, int c, std::int64_t q) {
        const float v = p.x[(static_cast<std::int64_t>(n) * C2 + c) * p.plane + q];
        return p.noise ? v + p.noise_strength * p.noise[n * p.plane + q] : v;
    };
    std::vector<float> alpha(C2), beta(C2);
    auto channel_affine = [&](int c) {
        float mean, var;
        if (p.mode == BatchNormMode::Eval) {
            mean = p.running_mean[c];
            var = p.running_var[c];
        } else {
            double s = 0.0, s2 = 0.0;
            for (int n = 0; n < p.batch; ++n)
                for (std::int64_t q = 0; q < p.plane; ++q) {
                    const double v = value(n, c, q);
                    s += v;
                    s2 += v * v;
                }
            const double count = static_cast<double>(p.batch) * static_cast<double>(p.plane);
            const double m = s / count;
            mean = static_cast<float>(m);
            var = static_cast<float>(std::max(0.0, s2 / count - m * m));  // biased, as BN normalizes
        }
        const float invstd = 1.0f / std::sqrt(var + p.eps);
        alpha[c] = p.bn_weight[c] * invstd;
        beta[c] = p.bn_bias[c] - mean * alpha[c];
    };
    if (p.mode == BatchNormMode::Eval) {
        for (int c = 0; c < C2; ++c) channel_affine(c);
    } else {
        parallel_for(C2, [&](std::int64_t c0, std::int64_t c1) {
            for (std::int64_t c = c0; c < c1; ++c) channel_affine(static_cast<int>(c));
        });
    }
    parallel_for(static_cast<std::int64_t>(p.batch) * p.channels, [&](std::int64_t i0, std::int64_t i1) {
        for (std::int64_t i = i0; i < i1; ++i) {
            const int n = static_cast<int>(i / p.channels), c = static_cast<int>(i % p.channels);
            float* out = p.y + (static_cast<std::int64_t>(n) * p.channels + c) * p.plane;  // [H*W]
            const int g = c + p.channels;
            for (std::int64_t q = 0; q < p.plane; ++q) {
                const float a = value(n, c, q) * alpha[c] + beta[c];
                const float b = value(n, g, q) * alpha[g] + beta[g];
                out[q] = a * (1.0f / (1.0f + std::exp(-b)));
            }
        }
    });
}

}  // namespace cpu
}  // namespace lf
