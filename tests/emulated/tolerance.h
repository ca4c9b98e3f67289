// tolerance.h: per-op acceptance thresholds for comparing a kernel with its CPU twin, each with the
// reason for its value. Bounds are relative to the magnitude of the terms that were summed (not to
// the result, which may cancel to ~0), following the classic error bound of a length-k dot product.
#pragma once

#include <algorithm>
#include <cmath>

namespace lf::test::tol {

inline constexpr double kF32Unit = 0x1p-24;  // unit roundoff of fp32 (round to nearest)

// GEMM, fp32 inputs, fp32 accumulation (gemm_tiled): the kernel accumulates with FMA in k order,
// the twin rounds product and sum separately in k order. Each side is within gamma_k ~ k*u of the
// exact dot product (Higham, Accuracy and Stability, 3.1), so they differ by at most 2*k*u times
// sum_k |a_ik * b_kj|. Small-integer inputs are exact on both sides and compared bit for bit.
inline double gemm_f32(int k) {
    return 2.0 * std::max(k, 1) * kF32Unit;
}

// GEMM, TF32 tensor cores (gemm_wmma): the inputs are rounded to TF32 (10 explicit mantissa bits,
// unit roundoff 2^-11), so each product carries a relative error up to 2 * 2^-11 before the fp32
// accumulation error above; the twin uses the unrounded fp32 inputs.
inline double gemm_tf32(int k) {
    return 2.0 * 0x1p-11 + gemm_f32(k);
}

}  // namespace lf::test::tol
