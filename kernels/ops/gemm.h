// gemm.h: C = alpha * A·B + beta * C for row-major fp32 matrices. Entry points:
//   lf::cpu::gemm              the plain CPU twin (gemm_cpu.cpp): triple loop, fp32 accumulation
//   lf::{emu,cuda}::gemm_tiled shared-memory tiled CUDA kernel, fp32 FMA (gemm_tiled.cu)
//   lf::{emu,cuda}::gemm_wmma  tensor-core kernel through nvcuda::wmma, TF32 inputs, fp32
//                              accumulation (gemm_wmma.cu); needs sm_80 or newer on the GPU
// lf::emu:: runs the CUDA kernel under the SIMT emulation (host pointers; lf_kernels_emulated),
// lf::cuda:: on the GPU (device pointers; lf_kernels, only when LF_WITH_CUDA).
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

struct GemmParams {
    int m = 0, n = 0, k = 0;   // C is [m, n], the reduction length is k
    const float* a = nullptr;  // [m, k] row-major, row stride lda (>= k)
    std::int64_t lda = 0;
    const float* b = nullptr;  // [k, n] row-major, row stride ldb (>= n)
    std::int64_t ldb = 0;
    float* c = nullptr;        // [m, n] row-major, row stride ldc (>= n); read only when beta != 0
    std::int64_t ldc = 0;
    float alpha = 1.0f;
    float beta = 0.0f;
};

// Throws lf::Error naming the first invalid field (negative sizes, short strides, null pointers).
void check_gemm_params(const GemmParams& p);

namespace cpu {
void gemm(const GemmParams& p);
}  // namespace cpu

namespace emu {
void gemm_tiled(const GemmParams& p, Stream stream = nullptr);
void gemm_wmma(const GemmParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void gemm_tiled(const GemmParams& p, Stream stream = nullptr);
void gemm_wmma(const GemmParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
