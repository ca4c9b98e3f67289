// column_moments.h: the moments of a row batch on the GPU for randomized PCA's first pass
// (pca_cuda.cpp): for every column j of x [rows, cols],
//   colsum[j]   += sum_i (x_ij - shift_j)      and
//   colsumsq[j] += sum_i (x_ij - shift_j)^2,
// both in float64 (the difference is formed in float64 from the float32 value, as
// detail::shifted_moments does on the CPU); the host adds colsumsq over the columns for the total sum
// of squares. Entry points: lf::cpu:: twin (column_moments_cpu.cpp, plain loops) and lf::{emu,cuda}::
// (column_moments.cu).
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream

namespace lf {

struct ColumnMomentsParams {
    std::int64_t rows = 0, cols = 0;
    const float* x = nullptr;  // [rows, cols] row stride ldx (>= cols)
    std::int64_t ldx = 0;
    const double* shift = nullptr;  // [cols]
    double* colsum = nullptr;       // [cols] accumulated (+=)
    double* colsumsq = nullptr;     // [cols] accumulated (+=)
};

void check_column_moments_params(const ColumnMomentsParams& p);

namespace cpu {
void column_moments(const ColumnMomentsParams& p);
}  // namespace cpu

namespace emu {
void column_moments(const ColumnMomentsParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void column_moments(const ColumnMomentsParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
