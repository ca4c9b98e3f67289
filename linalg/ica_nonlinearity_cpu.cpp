// ica_nonlinearity_cpu.cpp: the CPU twin of ica_nonlinearity.cu, also the CPU backend of FastICA.
// Plain loops, no intrinsics; the hot loop is compiled for AVX-512, AVX2 and baseline x86-64 by
// target_clones (picked at load time), and written so GCC vectorizes it without -ffast-math: a
// Cephes-style expf with magic-number rounding, and 16 independent float partial sums (no
// reassociation needed) flushed to float64 every 1024 columns.
#include <bit>
#include <cmath>
#include <cstring>

#include "kernels/core/cpu_clones.h"
#include "kernels/core/error.h"
#include "linalg/ica_nonlinearity.h"

namespace lf {

void check_ica_nonlinearity_params(const IcaNonlinearityParams& p) {
    LF_CHECK(p.rows >= 0, "ica_nonlinearity: rows = ", p.rows, " is negative");
    LF_CHECK(p.cols >= 0, "ica_nonlinearity: cols = ", p.cols, " is negative");
    LF_CHECK(p.ldy >= p.cols, "ica_nonlinearity: ldy = ", p.ldy, " is smaller than cols = ", p.cols);
    LF_CHECK(p.rows == 0 || p.cols == 0 || p.y != nullptr, "ica_nonlinearity: y is null");
    LF_CHECK(p.rows == 0 || p.gp_sum != nullptr, "ica_nonlinearity: gp_sum is null");
    LF_CHECK(p.fun == IcaFunction::Logcosh || p.fun == IcaFunction::Exp || p.fun == IcaFunction::Cube,
             "ica_nonlinearity: unknown function ", static_cast<int>(p.fun));
    LF_CHECK(p.alpha >= 1.0f && p.alpha <= 2.0f, "ica_nonlinearity: alpha = ", p.alpha, " is not in [1, 2]");
}

int ica_nonlinearity_chunks(std::int64_t cols) {
    constexpr std::int64_t kColsPerChunk = 8192;  // 256 threads x 32 columns
    const std::int64_t c = (cols + kColsPerChunk - 1) / kColsPerChunk;
    return static_cast<int>(c < 1 ? 1 : (c > 1024 ? 1024 : c));
}

std::int64_t ica_nonlinearity_workspace(int rows, std::int64_t cols) {
    return static_cast<std::int64_t>(rows) * ica_nonlinearity_chunks(cols);
}

namespace cpu {
namespace {

// expf for x in [-87, 88] (callers clamp), relative error ~1 ulp: x = n ln2 + r, |r| <= ln2/2,
// Cephes polynomial for e^r, 2^n from the exponent bits. Rounding to nearest by the 1.5 * 2^23 trick.
__attribute__((always_inline)) inline float exp_poly(float x) {
    constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
    const float t = x * 1.44269504088896341f + kMagic;
    const float n = t - kMagic;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    const std::int32_t e = std::bit_cast<std::int32_t>(t) - std::bit_cast<std::int32_t>(kMagic);
    return p * std::bit_cast<float>((e + 127) << 23);
}

__attribute__((always_inline)) inline float clamp_exp_arg(float x) {
    x = x < -87.0f ? -87.0f : x;
    return x > 88.0f ? 88.0f : x;
}

constexpr int kLanes = 16;
constexpr std::int64_t kFlush = 1024;  // columns per float64 flush (multiple of kLanes)

template <IcaFunction F>
__attribute__((always_inline)) inline void apply(float u, float alpha, float& g, float& gp) {
    if constexpr (F == IcaFunction::Logcosh) {
        const float a = alpha * u;
        const float t = exp_poly(clamp_exp_arg(-2.0f * std::fabs(a)));  // e^{-2|a|} in (0, 1]
        const float th = (1.0f - t) / (1.0f + t);                       // tanh(|a|)
        g = std::copysign(th, a);
        gp = alpha * (1.0f - th * th);
    } else if constexpr (F == IcaFunction::Exp) {
        const float e = exp_poly(clamp_exp_arg(-0.5f * u * u));
        g = u * e;
        gp = (1.0f - u * u) * e;
    } else {
        g = u * u * u;
        gp = 3.0f * u * u;
    }
}

template <IcaFunction F>
__attribute__((always_inline)) inline double row_kernel(float* y, std::int64_t cols, float alpha) {
    double total = 0.0;
    for (std::int64_t c0 = 0; c0 < cols; c0 += kFlush) {
        const std::int64_t c1 = c0 + kFlush < cols ? c0 + kFlush : cols;
        float lanes[kLanes] = {};
        std::int64_t j = c0;
        for (; j + kLanes <= c1; j += kLanes) {
            for (int l = 0; l < kLanes; ++l) {
                float g, gp;
                apply<F>(y[j + l], alpha, g, gp);
                y[j + l] = g;
                lanes[l] += gp;
            }
        }
        for (; j < c1; ++j) {
            float g, gp;
            apply<F>(y[j], alpha, g, gp);
            y[j] = g;
            lanes[0] += gp;
        }
        double s = 0.0;
        for (int l = 0; l < kLanes; ++l) s += lanes[l];
        total += s;
    }
    return total;
}

LF_CPU_CLONES double row_logcosh(float* y, std::int64_t cols, float alpha) {
    return row_kernel<IcaFunction::Logcosh>(y, cols, alpha);
}
LF_CPU_CLONES double row_exp(float* y, std::int64_t cols, float alpha) {
    return row_kernel<IcaFunction::Exp>(y, cols, alpha);
}
LF_CPU_CLONES double row_cube(float* y, std::int64_t cols, float alpha) {
    return row_kernel<IcaFunction::Cube>(y, cols, alpha);
}

}  // namespace

void ica_nonlinearity(const IcaNonlinearityParams& p) {
    check_ica_nonlinearity_params(p);
    for (int r = 0; r < p.rows; ++r) {
        float* y = p.y + r * p.ldy;
        switch (p.fun) {
            case IcaFunction::Logcosh:
                p.gp_sum[r] = row_logcosh(y, p.cols, p.alpha);
                break;
            case IcaFunction::Exp:
                p.gp_sum[r] = row_exp(y, p.cols, p.alpha);
                break;
            case IcaFunction::Cube:
                p.gp_sum[r] = row_cube(y, p.cols, p.alpha);
                break;
        }
    }
}

}  // namespace cpu
}  // namespace lf
