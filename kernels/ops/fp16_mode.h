// fp16_mode.h: the official stylegan2-ada-pytorch fp16 block numerics (num_fp16_res) as the
// StyleGAN2 ops take them, and the float -> half -> float rounding they are built from.
//
// In an fp16 block the official code keeps x, the weights, the styles, the bias and the noise as
// half tensors; every op computes in float32 internally and rounds its output to half. Which
// modulated-conv form runs depends on the batch (eval mode): N > 1 the non-fused form (x scaled by
// the half styles, conv with the shared half weight, then x * d + noise), N = 1 the fused form
// (per-sample weights W s d in float32, rounded to half once). Both pre-normalize W and s by their
// max-abs when demodulating. ../shared/docs/stylegan2.md section 7 has the details; the ops' headers
// say where each rounding happens. Storage stays float32: the values are exactly representable as
// half, so the numerics are the official ones (the memory traffic is that of float32).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#include <cuda_fp16.h>
#define LF_FP16_HD __host__ __device__
#else
#define LF_FP16_HD
#endif

namespace lf {

enum class Fp16Mode : std::uint8_t {
    Off,       // float32 (an fp32 block, or force_fp32)
    NonFused,  // fp16 block, N > 1: x * half(s), conv with half(W), then half(x * half(d) + half(noise))
    Fused,     // fp16 block, N = 1: conv with half(W s d), then half(x + noise)
};

// float -> nearest half (ties to even, overflow to +-inf, half subnormals) -> float.
LF_FP16_HD inline float round_to_half(float v) {
#if defined(__CUDA_ARCH__)
    return __half2float(__float2half_rn(v));
#else
    const float a = std::fabs(v);
    if (!(a < 65520.0f)) return a >= 65520.0f && a == a ? std::copysign(INFINITY, v) : v;  // inf, NaN
    if (a < 6.103515625e-05f) {  // below 2^-14: half subnormals, a fixed quantum of 2^-24
        return std::nearbyint(v * 16777216.0f) / 16777216.0f;  // scaling by 2^24 is exact
    }
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    bits += 0x0fffu + ((bits >> 13) & 1u);  // round the low 13 mantissa bits to nearest even
    bits &= 0xffffe000u;
    std::memcpy(&v, &bits, 4);
    return v;
#endif
}

// An fp16 block's input times its style: half(half(x) * s_half) with the style already half, or
// half(x) for unit styles (s_half == nullptr: the Fused mode, whose weights carry the styles). No
// add follows the product, so no compiler can contract it into an FMA.
LF_FP16_HD inline float fp16_styled(float x, const float* s_half) {
    const float xh = round_to_half(x);
    return s_half ? round_to_half(xh * *s_half) : xh;
}

}  // namespace lf
