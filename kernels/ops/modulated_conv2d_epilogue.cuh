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
struct ConvEpilogue {
    float noise_strength;
    bool lrelu;
    float gain;
    float clamp;  // < 0: none

    __device__ __forceinline__ float apply(float v, float demod, const float* noise, float bias) const {
        v = __fmul_rn(v, demod);
        if (noise) v = __fadd_rn(v, __fmul_rn(*noise, noise_strength));
        v = __fadd_rn(v, bias);
        if (lrelu && v < 0.0f) v = __fmul_rn(v, 0.2f);
        v = __fmul_rn(v, gain);
        if (clamp >= 0.0f) v = v < -clamp ? -clamp : (v > clamp ? clamp : v);
        return v;
    }
};

inline ConvEpilogue conv_epilogue_of(float noise_strength, Activation act, float gain, float clamp) {
    return ConvEpilogue{noise_strength, act == Activation::LRelu, gain, clamp};
}

}  // namespace lf::LF_KERNEL_NS::detail
