// ica_nonlinearity.h: the fused FastICA nonlinearity: y <- g(y) in place and, per row, the sum of
// g'(y) over the columns (the caller divides by the sample count for E[g'(w^T x)]), for
//   logcosh: g(u) = tanh(alpha u),        g'(u) = alpha (1 - tanh^2(alpha u))
//   exp:     g(u) = u exp(-u^2 / 2),      g'(u) = (1 - u^2) exp(-u^2 / 2)
//   cube:    g(u) = u^3,                  g'(u) = 3 u^2
// Entry points:
//   lf::cpu::ica_nonlinearity         the CPU twin and the CPU backend (ica_nonlinearity_cpu.cpp):
//                                     plain loops written to auto-vectorize (own expf, 16-lane float
//                                     partial sums flushed to float64 every 1024 columns)
//   lf::{emu,cuda}::ica_nonlinearity  ica_nonlinearity.cu: grid (column chunks, rows); each thread
//                                     applies g to a grid-stride set of columns with tanhf/expf and
//                                     sums g' in float; the block reduces in float64 through shared
//                                     memory into partial[row, chunk]; a second kernel sums each row's
//                                     partials in chunk order (deterministic, no atomics).
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

enum class IcaFunction : int { Logcosh = 0, Exp = 1, Cube = 2 };

struct IcaNonlinearityParams {
    int rows = 0;           // r (k for the parallel algorithm, 1 for deflation)
    std::int64_t cols = 0;  // samples in this block
    float* y = nullptr;     // [rows, cols] row-major, row stride ldy (>= cols); overwritten by g(y)
    std::int64_t ldy = 0;
    double* gp_sum = nullptr;  // [rows] out: sum over the columns of g'(y) (overwritten)
    IcaFunction fun = IcaFunction::Logcosh;
    float alpha = 1.0f;         // logcosh only, in [1, 2]
    double* partial = nullptr;  // CUDA/emulated only: workspace of ica_nonlinearity_workspace() doubles
};

// Throws lf::Error naming the first invalid field.
void check_ica_nonlinearity_params(const IcaNonlinearityParams& p);

// Column chunks per row used by the CUDA kernel, and the workspace it needs (rows * chunks doubles).
int ica_nonlinearity_chunks(std::int64_t cols);
std::int64_t ica_nonlinearity_workspace(int rows, std::int64_t cols);

namespace cpu {
void ica_nonlinearity(const IcaNonlinearityParams& p);
}  // namespace cpu

namespace emu {
void ica_nonlinearity(const IcaNonlinearityParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void ica_nonlinearity(const IcaNonlinearityParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
