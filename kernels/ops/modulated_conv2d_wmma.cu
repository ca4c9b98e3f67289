// modulated_conv2d_wmma.cu: the tensor-core variant of the modulated 3x3 conv (up=1): the same
// batched implicit GEMM as modulated_conv2d.cu (M = out channels, N = batch x pixels,
// K = in channels x 9; style scaling fused into the input gather, demodulation/noise/bias/act/
// gain/clamp fused into the epilogue) with the multiply-accumulate on the tensor cores through
// nvcuda::wmma m16n16k8: inputs rounded to TF32 (cvt.rna) when they are staged in shared memory,
// fp32 accumulation. Needs sm_80 or newer. Other configurations (up=2, k=1) run the FP32 kernels
// of modulated_conv2d.cu. Accuracy: at most 2x the error of a same-precision computation (TF32
// inputs, fp32 accumulation) against an fp64 reference; tests/emulated/tolerance.h
// modconv_tf32_ratio, tested in tests/emulated/test_stylegan2_ops.cpp.
// The fp16 modes (modulated_conv2d.h) run here too, on modulated_conv2d.cu's half operands: a half
// value is exact in TF32, so this is then the fp16 tensor-core GEMM with float32 accumulation.
//
// v1 (this file): 256 threads (2x4 warps) per 64x64 output tile, K in steps of 16 (two k8 mma
// steps); each warp owns a 32x16 part = 2 accumulator fragments. The next K step is fetched into
// registers while the tensor cores work on the current shared tiles (loader roles as in the FP32
// kernel). The accumulators go through shared memory (64x68 floats) to the epilogue, where each
// thread owns one column (one pixel) and walks 16 output channels. Shared memory 26.9 KB.
// (A 128-thread 2x2-warp version with 32x32 warp tiles needed 168 registers and spilled on sm_90.)
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, nvcuda::wmma (real or emulated)
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/modulated_conv2d.h"
#include "kernels/ops/modulated_conv2d_epilogue.cuh"

namespace lf::LF_KERNEL_NS {
namespace {

namespace wmma = nvcuda::wmma;

constexpr int kBM = 64, kBN = 64, kBK = 16, kThreads = 256;  // 8 warps: 2 (M) x 4 (N), 32x16 each
// Shared row strides: multiples of 4 floats (wmma: ldm a multiple of 16 bytes) padded by 4.
constexpr int kLdA = kBK + 4, kLdB = kBN + 4, kLdC = kBN + 4;

__global__ void __launch_bounds__(kThreads) modconv_wmma_kernel(ModulatedConv2dParams p,
                                                                const float* demod,  // [N, O] or nullptr
                                                                detail::ConvEpilogue epi) {
    __shared__ __align__(32) float a_tile[kBM][kLdA];  // [m, k] weights, TF32-rounded
    __shared__ __align__(32) float b_tile[kBK][kLdB];  // [k, column] styled input, TF32-rounded
    __shared__ __align__(32) float c_tile[kBM][kLdC];  // [m, column] accumulators for the epilogue
    const int I = p.in_channels, O = p.out_channels, H = p.height, W = p.width;
    const int hw = H * W, ncols = p.batch * hw, ktot = I * 9;
    const int m0 = static_cast<int>(blockIdx.y) * kBM, col0 = static_cast<int>(blockIdx.x) * kBN;
    const int t = static_cast<int>(threadIdx.x);

    // Loader roles: A rows a_m + 16 r at k a_k; B column b_c at k rows b_k + 4 r (r = 0..3).
    const int a_k = t % kBK, a_m = t / kBK;
    const int b_c = t % kBN, b_k = t / kBN;
    const int lcol = col0 + b_c;
    const bool lcol_ok = lcol < ncols;
    const int ln = lcol_ok ? lcol / hw : 0, lpix = lcol_ok ? lcol % hw : 0;
    const int loy = lpix / W, lox = lpix % W;
    const float* xn = p.x + static_cast<std::int64_t>(ln) * I * hw;  // [I, H, W] of sample ln
    const float* sn = p.styles ? p.styles + static_cast<std::int64_t>(ln) * I : nullptr;  // [I]

    float a_reg[4], b_reg[4];
    auto fetch = [&](int k0) {
        const int ka = k0 + a_k;
        LF_PRAGMA_UNROLL
        for (int r = 0; r < 4; ++r) {
            const int o = m0 + a_m + 16 * r;
            a_reg[r] = (o < O && ka < ktot) ? p.weight[static_cast<std::int64_t>(o) * ktot + ka] : 0.0f;
        }
        LF_PRAGMA_UNROLL
        for (int r = 0; r < 4; ++r) {
            const int k = k0 + b_k + 4 * r;
            float v = 0.0f;
            if (lcol_ok && k < ktot) {
                const int i = k / 9, tap = k % 9;
                const int iy = loy + tap / 3 - 1, ix = lox + tap % 3 - 1;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                    v = detail::styled_input(xn[static_cast<std::int64_t>(i) * hw + iy * W + ix], sn, i, p.fp16);
            }
            b_reg[r] = v;
        }
    };

    const int warp = t / 32;
    const int wm = warp / 4 * 32, wn = warp % 4 * 16;  // the warp's 32x16 part of the tile
    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2];
    LF_PRAGMA_UNROLL
    for (int i = 0; i < 2; ++i) wmma::fill_fragment(acc[i], 0.0f);

    fetch(0);
    for (int k0 = 0; k0 < ktot; k0 += kBK) {
        LF_PRAGMA_UNROLL
        for (int r = 0; r < 4; ++r) a_tile[a_m + 16 * r][a_k] = wmma::__float_to_tf32(a_reg[r]);
        LF_PRAGMA_UNROLL
        for (int r = 0; r < 4; ++r) b_tile[b_k + 4 * r][b_c] = wmma::__float_to_tf32(b_reg[r]);
        __syncthreads();
        if (k0 + kBK < ktot) fetch(k0 + kBK);  // overlaps the global loads with the mma below
        LF_PRAGMA_UNROLL
        for (int kk = 0; kk < kBK; kk += 8) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> a_frag[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> b_frag;
            LF_PRAGMA_UNROLL
            for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(a_frag[i], &a_tile[wm + 16 * i][kk], kLdA);
            wmma::load_matrix_sync(b_frag, &b_tile[kk][wn], kLdB);
            LF_PRAGMA_UNROLL
            for (int i = 0; i < 2; ++i) wmma::mma_sync(acc[i], a_frag[i], b_frag, acc[i]);
        }
        __syncthreads();
    }
    LF_PRAGMA_UNROLL
    for (int i = 0; i < 2; ++i)
        wmma::store_matrix_sync(&c_tile[wm + 16 * i][wn], acc[i], kLdC, wmma::mem_row_major);
    __syncthreads();

    // Epilogue: thread owns column c = t % 64 (one pixel of one sample) and rows t / 64 + 4 r.
    const int c = t % kBN, col = col0 + c;
    if (col >= ncols) return;
    const int n = col / hw, pix = col % hw;
    const float* noise = p.noise ? p.noise + n * p.noise_batch_stride + pix : nullptr;
    for (int r = t / kBN; r < kBM; r += kThreads / kBN) {
        const int o = m0 + r;
        if (o >= O) break;
        const float d = demod ? demod[static_cast<std::int64_t>(n) * O + o] : 1.0f;
        const float b = p.bias ? p.bias[o] : 0.0f;
        p.y[(static_cast<std::int64_t>(n) * O + o) * hw + pix] = epi.apply(c_tile[r][c], d, noise, b);
    }
}

}  // namespace

void modulated_conv2d_wmma(const ModulatedConv2dParams& p, Stream stream) {
    modulated_conv2d_check(p);
    if (p.up != 1 || p.kernel != 3) {  // explicit fallback: only the up=1 3x3 GEMM has a TF32 kernel
        modulated_conv2d(p, stream);
        return;
    }
    const int N = p.batch, O = p.out_channels;
    const std::int64_t ncols = static_cast<std::int64_t>(N) * p.height * p.width;
    LF_CHECK(ncols < (std::int64_t{1} << 31) &&
                 static_cast<std::int64_t>(p.in_channels) * 9 < (std::int64_t{1} << 31),
             "modulated_conv2d_wmma: ", N, "x", p.in_channels, "x", p.height, "x", p.width,
             " is too large for 32-bit GEMM indices");
    const unsigned m_tiles = static_cast<unsigned>((O + kBM - 1) / kBM);
    LF_CHECK(m_tiles <= 65535, "modulated_conv2d_wmma: too many output channels (", O, ")");
    detail::ModConvOperands ops;
    detail::modulated_conv2d_operands(p, ops, stream);
    const detail::ConvEpilogue epi =
        detail::conv_epilogue_of(p.noise_strength, p.act, p.act_gain, p.clamp, p.fp16, p.demodulate);
    const dim3 grid(static_cast<unsigned>((ncols + kBN - 1) / kBN), m_tiles);
    simt::launch<modconv_wmma_kernel>(grid, dim3(kThreads), 0, stream, ops.params, ops.demod_or_null, epi);
}

}  // namespace lf::LF_KERNEL_NS
