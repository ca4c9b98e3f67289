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

// FastGAN ops (conv2d, batchnorm_glu, upconv_bn_glu, se_block): max |got - twin| / max |twin| over
// the whole output <= 1e-4, the acceptance bound and the FastGAN fixture tolerance
// (../shared/fixtures/README.md). What differs is summation order (OpenBLAS blocking vs fmaf in k
// order, warp-shuffle dot products in the SE gates, float64 batch statistics summed in a tree),
// bounded by 2 K u sum |w x| ~ 4e-5 of sum |w x| for the tests' K <= 630 (the sum sits within a few
// times max |output| for random data), and a few ulp from expf/tanhf/sqrtf in the epilogues.
inline constexpr double fastgan_rel = 1e-4;

// StyleGAN2 ops (modulated_conv2d FP32, upfirdn2d, torgb, fully_connected, normalize_2nd_moment)
// and the whole generator on the kernels vs the CPU backend: max |got - twin| / max |twin| over the
// output <= 1e-4, the acceptance bound. Only the summation order differs (OpenBLAS blocking
// vs fmaf in k order, separable vs 2-D FIR, tree reductions): <= 2 K u sum|w x| ~ 4e-5 of sum|w x|
// for the tests' K <= 512, and for the generator a few such errors carried through ~10 layers whose
// demodulation keeps activations at unit scale.
inline constexpr double stylegan2_rel = 1e-4;

// TF32 modulated conv (modulated_conv2d_wmma): its error against an fp64 reference (max |diff| /
// max |ref|) may be at most twice the error of a same-precision computation against the same
// reference: what PyTorch computes with TF32 convolutions (weights W s d and input x rounded to TF32,
// fp32 accumulation), evaluated on the CPU in the test (the flash-attention acceptance rule).
inline constexpr double modconv_tf32_ratio = 2.0;

// The official fp16 block numerics (modulated_conv2d / torgb with Fp16Mode) vs the CPU twin: both
// round the same values to half at the same points, but the float32 sums before a rounding are
// formed in different orders and can land on different sides of a rounding boundary, moving that
// output by one half ulp (2^-11 relative, ~4.9e-4), and once more through the following op of the
// same call (e.g. x * d + noise after the conv): max |diff| / max |twin| <= 2e-3.
inline constexpr double fp16_rel = 2e-3;

}  // namespace lf::test::tol
