// modulated_conv2d_epilogue.cuh: device helpers shared by the modulated-conv kernels
// (modulated_conv2d.cu, modulated_conv2d_wmma.cu) and the other StyleGAN2 op kernels: the fused
// epilogue (demodulate, + noise * strength, + bias, activation, gain, clamp) in the CPU twin's
// order and rounding, and the device that scratch tensors of a launch live on. No __global__
// functions here.
#pragma once

// clang-format off
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, LF_SIMT_EMULATION
#include "kernels/simt/launch.h"       // defines (nvcc): LF_CUDA_CHECK
// clang-format on

#include "kernels/core/device.h"
#include "kernels/core/tensor.h"  // defines: lf::Tensor (kernel scratch)
#include "kernels/ops/bias_act.h"
#include "kernels/ops/fp16_mode.h"
#include "kernels/ops/modulated_conv2d.h"

// `#pragma unroll` for nvcc (loops over register arrays must be unrolled to stay in registers);
// nothing under g++, which would warn about the unknown pragma.
#if LF_SIMT_EMULATION
#define LF_PRAGMA_UNROLL
#else
#define LF_PRAGMA_UNROLL _Pragma("unroll")
#endif

namespace lf::LF_KERNEL_NS::detail {

// The device a launch's scratch memory lives on: the current CUDA device, or the host (the
// emulation's device memory is host memory).
inline Device kernel_device() {
#if LF_SIMT_EMULATION
    return Device::cpu();
#else
    int index = 0;
    LF_CUDA_CHECK(cudaGetDevice(&index));
    return Device::cuda(index);
#endif
}

// A float32 scratch tensor of `count` elements on the launch's device (stream-ordered on CUDA).
inline Tensor kernel_scratch(std::int64_t count, Stream stream) {
    return Tensor::empty({count}, DType::F32, kernel_device(), stream);
}

// The epilogue of one conv output in the CPU twin's order; explicit _rn operations keep nvcc from
// contracting into FMAs so that both builds round like the twin:
//   v = v * demod; v = v + noise * strength; v = v + bias; lrelu; v = v * gain; clamp (NaN stays).
// In an fp16 mode (fp16_mode.h, modulated_conv2d.h) every op output is rounded to half as the
// official fp16 block does: the conv, x * d + noise (one float32 fma, as torch.addcmul), bias_act.
struct ConvEpilogue {
    float noise_strength;
    bool lrelu;
    float gain;
    float clamp;  // < 0: none
    Fp16Mode fp16 = Fp16Mode::Off;
    bool demodulate = false;  // fp16 NonFused: whether x * half(d) is applied

    __device__ __forceinline__ float apply(float v, float demod, const float* noise, float bias) const {
        if (fp16 == Fp16Mode::Off) {
            v = __fmul_rn(v, demod);
            if (noise) v = __fadd_rn(v, __fmul_rn(*noise, noise_strength));
            v = __fadd_rn(v, bias);
        } else {
            v = round_to_half(v);  // the conv's (or the FIR's) half output
            const float n = noise ? __fmul_rn(*noise, noise_strength) : 0.0f;
            if (fp16 == Fp16Mode::Fused) {
                if (noise) v = round_to_half(__fadd_rn(v, n));  // x.add_(noise): float32 noise
            } else if (demodulate) {
                v = round_to_half(fmaf(v, round_to_half(demod), round_to_half(n)));  // fma(x, d, noise)
            } else if (noise) {
                v = round_to_half(__fadd_rn(v, round_to_half(n)));
            }
            v = __fadd_rn(v, round_to_half(bias));
        }
        if (lrelu && v < 0.0f) v = __fmul_rn(v, 0.2f);
        v = __fmul_rn(v, gain);
        if (clamp >= 0.0f) v = v < -clamp ? -clamp : (v > clamp ? clamp : v);
        return fp16 == Fp16Mode::Off ? v : round_to_half(v);
    }
};

inline ConvEpilogue conv_epilogue_of(float noise_strength, Activation act, float gain, float clamp,
                                     Fp16Mode fp16 = Fp16Mode::Off, bool demodulate = false) {
    return ConvEpilogue{noise_strength, act == Activation::LRelu, gain, clamp, fp16, demodulate};
}

// What a modulated-conv GEMM (FP32 or wmma) runs with, made on the device by modulated_conv2d.cu's
// pre-pass: the demodulation coefficients and, in the fp16 modes, the pre-normalized half operands
// (the params' weight and styles replaced; styles nullptr = unit styles in the Fused mode).
struct ModConvOperands {
    Tensor w32, w16, s32, s16, wmod, demod;  // scratch: [O, K], [O, K], [N, I], [N, I], [O, K], [N, O]
    ModulatedConv2dParams params;            // what the GEMM reads
    const float* demod_or_null = nullptr;    // what the epilogue multiplies by ([N, O])
};
void modulated_conv2d_operands(const ModulatedConv2dParams& p, ModConvOperands& ops, Stream stream);

// The B operand of a modulated-conv GEMM: input x times the style s (sn == nullptr: unit styles), as
// float32 (Off) or as the fp16 modes round it: half(half(x) * s) with s already half.
__device__ __forceinline__ float styled_input(float x, const float* sn, int i, Fp16Mode fp16) {
    if (fp16 == Fp16Mode::Off) return __fmul_rn(x, sn[i]);
    return fp16_styled(x, sn ? sn + i : nullptr);
}

}  // namespace lf::LF_KERNEL_NS::detail
