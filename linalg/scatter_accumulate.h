// scatter_accumulate.h: the two elementwise steps of the streamed covariance on the GPU (exact PCA
// and FastICA whitening, pca_cuda.cpp), between which cublasSsyrk forms the batch scatter; randomized
// PCA's GPU pass uses them too (T -= offset in place with the column sums of T; float64 totals):
//   scatter_shift:   out = x - shift (float32, per column), and colsum[j] += sum_i (x_ij - shift_j)
//                    accumulated in float64 (one thread per column walks the rows in order); out may
//                    be x itself (in place, ldo == ldx);
//   accumulate_f64:  dst[i] += src[i], a float32 batch scatter added into the float64 total
//                    (compensates the float32 syrk across batches: float32 within a batch, float64
//                    across batches).
// Entry points: lf::cpu:: twins (scatter_accumulate_cpu.cpp, plain loops) and lf::{emu,cuda}::
// (scatter_accumulate.cu).
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

struct ScatterShiftParams {
    std::int64_t rows = 0, cols = 0;
    const float* x = nullptr;  // [rows, cols] row stride ldx (>= cols)
    std::int64_t ldx = 0;
    const double* shift = nullptr;  // [cols]
    float* out = nullptr;           // [rows, cols] row stride ldo (>= cols); may equal x (ldo == ldx)
    std::int64_t ldo = 0;
    double* colsum = nullptr;  // [cols] accumulated (+=)
};

struct AccumulateF64Params {
    std::int64_t n = 0;
    const float* src = nullptr;  // [n]
    double* dst = nullptr;       // [n] accumulated (+=)
};

void check_scatter_shift_params(const ScatterShiftParams& p);
void check_accumulate_f64_params(const AccumulateF64Params& p);

namespace cpu {
void scatter_shift(const ScatterShiftParams& p);
void accumulate_f64(const AccumulateF64Params& p);
}  // namespace cpu

namespace emu {
void scatter_shift(const ScatterShiftParams& p, Stream stream = nullptr);
void accumulate_f64(const AccumulateF64Params& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void scatter_shift(const ScatterShiftParams& p, Stream stream = nullptr);
void accumulate_f64(const AccumulateF64Params& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
