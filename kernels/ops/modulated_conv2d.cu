// modulated_conv2d.cu: StyleGAN2's modulated convolution (FP32 CUDA cores), batched over samples as
// one implicit GEMM over the shared weight: M = out channels, N = batch x output pixels,
// K = in channels x taps. The style scaling s[n,i] is applied while the input tile is gathered, so
// every weight tile is loaded once per block and serves all samples of its columns; demodulation is
// an epilogue factor d[n,o] (the CPU twin's non-fused form, equal to the official fused one up to
// rounding). CPU twin: lf::cpu::modulated_conv2d (modulated_conv2d_cpu.cpp).
//
// Kernels (all launched by modulated_conv2d()):
//   modconv_wsq_kernel        wsq[o,i] = sum_taps W[o,i,t]^2                (one thread per (o,i))
//   modconv_demod_kernel      d[n,o] = rsqrt(sum_i wsq[o,i] s[n,i]^2 + 1e-8) (one warp per (n,o))
//   modconv_gemm_kernel<K>    up=1, k=K in {1,3}: 'same' cross-correlation + fused epilogue
//                             (demod, noise with batch stride, bias, lrelu/linear, gain, clamp)
//   modconv_transpose_kernel  up=2, step 1: stride-2 transposed conv (padding 0, unflipped W) into
//                             scratch z [N, O, 2H+1, 2W+1], split into the 4 output parity classes
//                             so that only the taps that hit (2x2, 2x1, 1x2, 1x1 of the 3x3) are
//                             multiplied: K = I x taps of the class, no zero-insertion work
//   modconv_fir_kernel        up=2, step 2: 4x4 FIR (padding 1, gain 4, true convolution) of z to
//                             [N, O, 2H, 2W] with the same fused epilogue; 32x32 output tile per
//                             block from a 35x35 shared-memory halo tile
//   modconv_fp16_rows_kernel  fp16 modes: pre-normalized float32 and half-rounded W and s (one warp
//                             per row: max-abs, scale, round)
//   modconv_fp16_modulate_kernel  fp16 Fused mode: half(W s d), the batch-1 per-sample weights
// In the fp16 modes (modulated_conv2d.h) the same GEMM kernels run on those operands: the styled
// input and the transposed conv's output are rounded to half, and the epilogue rounds as the
// official fp16 block does. Products of half values are exact in float32, so the float32 FMAs give
// what fp16 tensor cores with float32 accumulation give (up to the summation order).
//
// GEMM tiling (v1, this file): 256 threads per block, a 64 (M) x 64 (N) output tile, K in steps of
// 16; each thread computes 4 rows x 4 columns (rows 4*ty.., columns tx + 16*j, so the stores of a
// half-warp are 16 consecutive pixels). The next K step is fetched from global memory into
// registers while the current shared-memory tiles are multiplied (one barrier pair per step).
// Shared memory 8.3 KB; no register spills on sm_80 (-Xptxas=--warn-on-spills).
// The tensor-core variant of the up=1 3x3 GEMM is modulated_conv2d_wmma.cu.
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/modulated_conv2d.h"
#include "kernels/ops/modulated_conv2d_epilogue.cuh"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kBM = 64, kBN = 64, kBK = 16, kThreads = 256;  // GEMM tile (see the header comment)
constexpr int kFirTile = 32, kFirRows = 8;                   // FIR: 32x32 outputs, 32x8 threads

// ---- demodulation coefficients ---------------------------------------------------------------------

__global__ void __launch_bounds__(256) modconv_wsq_kernel(const float* weight,  // [O, I, taps]
                                                          float* wsq,           // [O, I]
                                                          std::int64_t count, int taps) {
    for (std::int64_t oi = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; oi < count;
         oi += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
        const float* w = weight + oi * taps;
        float acc = 0.0f;
        for (int t = 0; t < taps; ++t) acc = __fadd_rn(acc, __fmul_rn(w[t], w[t]));
        wsq[oi] = acc;
    }
}

__global__ void __launch_bounds__(256) modconv_demod_kernel(const float* wsq,     // [O, I]
                                                            const float* styles,  // [N, I]
                                                            float* demod,         // [N, O]
                                                            int batch, int in_channels, int out_channels) {
    const int warps_per_block = static_cast<int>(blockDim.x) / 32;
    const int lane = static_cast<int>(threadIdx.x) % 32;
    const std::int64_t pair = static_cast<std::int64_t>(blockIdx.x) * warps_per_block + threadIdx.x / 32;
    const bool active = pair < static_cast<std::int64_t>(batch) * out_channels;  // warp-uniform
    if (!active) return;
    const int n = static_cast<int>(pair / out_channels), o = static_cast<int>(pair % out_channels);
    const float* w = wsq + static_cast<std::int64_t>(o) * in_channels;
    const float* s = styles + static_cast<std::int64_t>(n) * in_channels;
    float acc = 0.0f;
    for (int i = lane; i < in_channels; i += 32) acc = __fadd_rn(acc, __fmul_rn(w[i], __fmul_rn(s[i], s[i])));
    for (int offset = 16; offset > 0; offset /= 2) acc += __shfl_xor_sync(0xffffffffu, acc, offset);
    if (lane == 0) demod[pair] = 1.0f / sqrtf(acc + 1e-8f);
}

// ---- the GEMM main loop shared by the up=1 and the transposed kernels ---------------------------

// acc[i][j] += sum_k A[m0 + 4 ty + i, k] * B[k, col0 + tx + 16 j] over k < ktot, where
// load_a(m, k) returns A (0 outside) for m < kBM rows of the tile, and load_b(k) returns this
// thread's B element of its loader column (0 outside). 256 threads.
template <typename LoadA, typename LoadB>
__device__ __forceinline__ void gemm_mainloop(int ktot, const LoadA& load_a, const LoadB& load_b,
                                              float (&acc)[4][4]) {
    __shared__ float a_tile[kBK][kBM + 4];  // [k, m] (transposed; +4 keeps rows 16-byte aligned)
    __shared__ float b_tile[kBK][kBN];      // [k, column]
    const int t = static_cast<int>(threadIdx.x);
    const int a_k = t % kBK, a_m = t / kBK;  // loader role for A: rows a_m + 16 r
    const int b_c = t % kBN, b_k = t / kBN;  // loader role for B: column b_c, k rows b_k + 4 r
    const int tx = t % 16, ty = t / 16;      // compute role
    float a_reg[4], b_reg[4];
    auto fetch = [&](int k0) {
        LF_PRAGMA_UNROLL
        for (int r = 0; r < 4; ++r) a_reg[r] = load_a(a_m + 16 * r, k0 + a_k);
        LF_PRAGMA_UNROLL
        for (int r = 0; r < 4; ++r) b_reg[r] = load_b(k0 + b_k + 4 * r);
    };
    fetch(0);
    for (int k0 = 0; k0 < ktot; k0 += kBK) {
        LF_PRAGMA_UNROLL
        for (int r = 0; r < 4; ++r) a_tile[a_k][a_m + 16 * r] = a_reg[r];
        LF_PRAGMA_UNROLL
        for (int r = 0; r < 4; ++r) b_tile[b_k + 4 * r][b_c] = b_reg[r];
        __syncthreads();
        if (k0 + kBK < ktot) fetch(k0 + kBK);  // overlaps the global loads with the FMAs below
        LF_PRAGMA_UNROLL
        for (int kk = 0; kk < kBK; ++kk) {
            float a[4], b[4];
            LF_PRAGMA_UNROLL
            for (int i = 0; i < 4; ++i) a[i] = a_tile[kk][4 * ty + i];
            LF_PRAGMA_UNROLL
            for (int j = 0; j < 4; ++j) b[j] = b_tile[kk][tx + 16 * j];
            LF_PRAGMA_UNROLL
            for (int i = 0; i < 4; ++i) {
                LF_PRAGMA_UNROLL
                for (int j = 0; j < 4; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
            }
        }
        __syncthreads();
    }
}

// ---- up = 1: 'same' cross-correlation with a K x K kernel, fused epilogue ------------------------

template <int K>
__global__ void __launch_bounds__(kThreads) modconv_gemm_kernel(ModulatedConv2dParams p,
                                                                const float* demod,  // [N, O] or nullptr
                                                                detail::ConvEpilogue epi) {
    constexpr int kTaps = K * K, kPad = K / 2;
    const int I = p.in_channels, O = p.out_channels, H = p.height, W = p.width;
    const int hw = H * W;
    const int ncols = p.batch * hw, ktot = I * kTaps;
    const int m0 = static_cast<int>(blockIdx.y) * kBM, col0 = static_cast<int>(blockIdx.x) * kBN;
    const int t = static_cast<int>(threadIdx.x);

    // This thread's loader column: sample n, output pixel (oy, ox).
    const int lcol = col0 + t % kBN;
    const bool lcol_ok = lcol < ncols;
    const int ln = lcol_ok ? lcol / hw : 0, lpix = lcol_ok ? lcol % hw : 0;
    const int loy = lpix / W, lox = lpix % W;
    const float* xn = p.x + static_cast<std::int64_t>(ln) * I * hw;  // [I, H, W] of sample ln
    const float* sn = p.styles ? p.styles + static_cast<std::int64_t>(ln) * I : nullptr;  // [I]
    const float* w = p.weight;                                                            // [O, I * K * K]

    auto load_a = [&](int m, int k) -> float {
        const int o = m0 + m;
        return (o < O && k < ktot) ? w[static_cast<std::int64_t>(o) * ktot + k] : 0.0f;
    };
    auto load_b = [&](int k) -> float {
        if (!lcol_ok || k >= ktot) return 0.0f;
        const int i = k / kTaps, tap = k % kTaps;
        const int iy = loy + tap / K - kPad, ix = lox + tap % K - kPad;
        if (iy < 0 || iy >= H || ix < 0 || ix >= W) return 0.0f;
        return detail::styled_input(xn[static_cast<std::int64_t>(i) * hw + iy * W + ix], sn, i,
                                    p.fp16);  // style fused into the load
    };

    float acc[4][4] = {};
    gemm_mainloop(ktot, load_a, load_b, acc);

    const int tx = t % 16, ty = t / 16;
    LF_PRAGMA_UNROLL
    for (int j = 0; j < 4; ++j) {
        const int col = col0 + tx + 16 * j;
        if (col >= ncols) continue;
        const int n = col / hw, pix = col % hw;
        const float* noise = p.noise ? p.noise + n * p.noise_batch_stride + pix : nullptr;
        LF_PRAGMA_UNROLL
        for (int i = 0; i < 4; ++i) {
            const int o = m0 + 4 * ty + i;
            if (o >= O) continue;
            const float d = demod ? demod[static_cast<std::int64_t>(n) * O + o] : 1.0f;
            const float b = p.bias ? p.bias[o] : 0.0f;
            p.y[(static_cast<std::int64_t>(n) * O + o) * hw + pix] = epi.apply(acc[i][j], d, noise, b);
        }
    }
}

// ---- up = 2, step 1: stride-2 transposed conv, one output parity class per blockIdx.z ------------
// z[n, o, 2a+ky, 2b+kx] += W[o,i,ky,kx] x[n,i,a,b] s[n,i]. Output (zy, zx) = (2cy+py, 2cx+px) of
// class (py, px) receives the taps ky = py + 2 jy, kx = px + 2 jx from input (cy - jy, cx - jx).
__global__ void __launch_bounds__(kThreads) modconv_transpose_kernel(ModulatedConv2dParams p,
                                                                     float* z) {  // [N, O, 2H+1, 2W+1]
    const int I = p.in_channels, O = p.out_channels, H = p.height, W = p.width;
    const int py = static_cast<int>(blockIdx.z) >> 1, px = static_cast<int>(blockIdx.z) & 1;
    const int tyn = py == 0 ? 2 : 1, txn = px == 0 ? 2 : 1, taps = tyn * txn;
    const int hc = H + 1 - py, wc = W + 1 - px, chw = hc * wc;  // the class's output grid
    const int ncols = p.batch * chw, ktot = I * taps;
    const int m0 = static_cast<int>(blockIdx.y) * kBM, col0 = static_cast<int>(blockIdx.x) * kBN;
    if (col0 >= ncols) return;  // block-uniform: the grid is sized for the largest class
    const int t = static_cast<int>(threadIdx.x);
    const int hw = H * W, zh = 2 * H + 1, zw = 2 * W + 1;

    const int lcol = col0 + t % kBN;
    const bool lcol_ok = lcol < ncols;
    const int ln = lcol_ok ? lcol / chw : 0, lpix = lcol_ok ? lcol % chw : 0;
    const int lcy = lpix / wc, lcx = lpix % wc;
    const float* xn = p.x + static_cast<std::int64_t>(ln) * I * hw;  // [I, H, W]
    const float* sn = p.styles ? p.styles + static_cast<std::int64_t>(ln) * I : nullptr;  // [I]

    auto load_a = [&](int m, int k) -> float {
        const int o = m0 + m;
        if (o >= O || k >= ktot) return 0.0f;
        const int i = k / taps, r = k % taps;
        const int ky = py + 2 * (r / txn), kx = px + 2 * (r % txn);
        return p.weight[(static_cast<std::int64_t>(o) * I + i) * 9 + ky * 3 + kx];
    };
    auto load_b = [&](int k) -> float {
        if (!lcol_ok || k >= ktot) return 0.0f;
        const int i = k / taps, r = k % taps;
        const int a = lcy - r / txn, b = lcx - r % txn;
        if (a < 0 || a >= H || b < 0 || b >= W) return 0.0f;
        return detail::styled_input(xn[static_cast<std::int64_t>(i) * hw + a * W + b], sn, i, p.fp16);
    };

    float acc[4][4] = {};
    gemm_mainloop(ktot, load_a, load_b, acc);

    const int tx = t % 16, ty = t / 16;
    LF_PRAGMA_UNROLL
    for (int j = 0; j < 4; ++j) {
        const int col = col0 + tx + 16 * j;
        if (col >= ncols) continue;
        const int n = col / chw, pix = col % chw;
        const int zy = 2 * (pix / wc) + py, zx = 2 * (pix % wc) + px;
        LF_PRAGMA_UNROLL
        for (int i = 0; i < 4; ++i) {
            const int o = m0 + 4 * ty + i;
            if (o < O)  // the fp16 modes: the transposed conv's output is a half tensor
                z[((static_cast<std::int64_t>(n) * O + o) * zh + zy) * zw + zx] =
                    p.fp16 == Fp16Mode::Off ? acc[i][j] : round_to_half(acc[i][j]);
        }
    }
}

// ---- up = 2, step 2: 4x4 FIR (pad 1, gain 4) of z with the fused epilogue -------------------------
// y[Y, X] = sum_{fy,fx} 4 f[3-fy, 3-fx] z[Y+fy-1, X+fx-1] (true convolution; z is 0 outside).
__global__ void __launch_bounds__(kFirTile* kFirRows)
    modconv_fir_kernel(ModulatedConv2dParams p,
                       const float* z,      // [N, O, 2H+1, 2W+1]
                       const float* demod,  // [N, O] or nullptr
                       detail::ConvEpilogue epi) {
    __shared__ float tile[kFirTile + 3][kFirTile + 3];  // z rows Y0-1 .. Y0+kFirTile+1
    __shared__ float taps[4][4];                        // 4 * flipped filter
    const int O = p.out_channels, ho = 2 * p.height, wo = 2 * p.width, zh = ho + 1, zw = wo + 1;
    const int tiles_x = (wo + kFirTile - 1) / kFirTile;
    const int x0 = static_cast<int>(blockIdx.x) % tiles_x * kFirTile,
              y0 = static_cast<int>(blockIdx.x) / tiles_x * kFirTile;
    const int o = static_cast<int>(blockIdx.y), n = static_cast<int>(blockIdx.z);
    const int t = static_cast<int>(threadIdx.y) * kFirTile + static_cast<int>(threadIdx.x);
    const float* zp = z + (static_cast<std::int64_t>(n) * O + o) * zh * zw;  // [2H+1, 2W+1]

    if (t < 16) taps[t / 4][t % 4] = __fmul_rn(4.0f, p.resample_filter[15 - t]);
    for (int e = t; e < (kFirTile + 3) * (kFirTile + 3); e += kFirTile * kFirRows) {
        const int r = e / (kFirTile + 3), c = e % (kFirTile + 3);
        const int zy = y0 + r - 1, zx = x0 + c - 1;
        tile[r][c] =
            (zy >= 0 && zy < zh && zx >= 0 && zx < zw) ? zp[static_cast<std::int64_t>(zy) * zw + zx] : 0.0f;
    }
    __syncthreads();

    const int tx = static_cast<int>(threadIdx.x);
    const int X = x0 + tx;
    const float d = demod ? demod[static_cast<std::int64_t>(n) * O + o] : 1.0f;
    const float b = p.bias ? p.bias[o] : 0.0f;
    const float* noise = p.noise ? p.noise + n * p.noise_batch_stride : nullptr;  // [Ho, Wo]
    for (int ry = static_cast<int>(threadIdx.y); ry < kFirTile; ry += kFirRows) {
        const int Y = y0 + ry;
        if (Y >= ho || X >= wo) continue;
        float acc = 0.0f;
        for (int fy = 0; fy < 4; ++fy)
            for (int fx = 0; fx < 4; ++fx) acc = fmaf(tile[ry + fy][tx + fx], taps[fy][fx], acc);
        const std::int64_t pix = static_cast<std::int64_t>(Y) * wo + X;
        p.y[(static_cast<std::int64_t>(n) * O + o) * ho * wo + pix] =
            epi.apply(acc, d, noise ? noise + pix : nullptr, b);
    }
}

// ---- fp16 modes: the pre-normalized operands -------------------------------------------------------

enum class RowScale : int { None, DivideByMax, TimesGainOverMax };

// One warp per row of src [rows, cols]: out32 = the row as the official fp16 pre-normalization
// leaves it (None: unchanged; DivideByMax: row / max|row|; TimesGainOverMax: row * (gain / max|row|)),
// out16 = half(out32); either may be nullptr (not written). TimesGainOverMax rounds as torch's
// `gain / max` (reciprocal(max) * gain).
__global__ void __launch_bounds__(256) modconv_fp16_rows_kernel(const float* src, std::int64_t rows, int cols,
                                                                RowScale scale, float gain, float* out32,
                                                                float* out16) {
    const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
    if (row >= rows) return;  // warp-uniform
    const int lane = static_cast<int>(threadIdx.x) % 32;
    const float* r = src + row * cols;
    float m = 0.0f;
    if (scale != RowScale::None) {
        for (int c = lane; c < cols; c += 32) m = fmaxf(m, fabsf(r[c]));
        for (int offset = 16; offset > 0; offset /= 2) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, offset));
    }
    // As torch evaluates `c / t` for a tensor t: reciprocal(t) * c.
    const float factor = scale == RowScale::TimesGainOverMax ? __fmul_rn(__frcp_rn(m), gain) : 1.0f;
    for (int c = lane; c < cols; c += 32) {
        const float v = scale == RowScale::None              ? r[c]
                        : scale == RowScale::DivideByMax ? r[c] / m
                                                         : __fmul_rn(r[c], factor);
        if (out32) out32[row * cols + c] = v;
        if (out16) out16[row * cols + c] = round_to_half(v);
    }
}

// Fused mode (batch 1): wmod[o, i*taps + t] = half((w32[o, i*taps + t] * s32[i]) * d[o]) (d = nullptr: 1).
__global__ void __launch_bounds__(256) modconv_fp16_modulate_kernel(const float* w32, const float* s32,
                                                                    const float* demod, int out_channels,
                                                                    int in_channels, int taps, float* wmod) {
    const std::int64_t count = static_cast<std::int64_t>(out_channels) * in_channels * taps;
    for (std::int64_t e = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; e < count;
         e += static_cast<std::int64_t>(gridDim.x) * blockDim.x) {
        const int o = static_cast<int>(e / (static_cast<std::int64_t>(in_channels) * taps));
        const int i = static_cast<int>(e / taps % in_channels);
        float v = __fmul_rn(w32[e], s32[i]);
        if (demod) v = __fmul_rn(v, demod[o]);
        wmod[e] = round_to_half(v);
    }
}

}  // namespace

namespace detail {

void modulated_conv2d_operands(const ModulatedConv2dParams& p, ModConvOperands& ops, Stream stream) {
    const int N = p.batch, O = p.out_channels, I = p.in_channels, taps = p.kernel * p.kernel, K = I * taps;
    ops.params = p;
    if (p.fp16 == Fp16Mode::Off) {
        if (p.demodulate) {
            ops.demod = kernel_scratch(static_cast<std::int64_t>(N) * O, stream);  // [N, O]
            modulated_conv2d_demod(p, ops.demod.data<float>(), stream);
            ops.demod_or_null = ops.demod.data<float>();
        }
        return;
    }
    // The float32 operands feed d and the Fused modulation, the half ones the NonFused GEMM.
    const bool need32 = p.demodulate || p.fp16 == Fp16Mode::Fused, need16 = p.fp16 == Fp16Mode::NonFused;
    if (need32) {
        ops.w32 = kernel_scratch(static_cast<std::int64_t>(O) * K, stream);  // [O, K]
        ops.s32 = kernel_scratch(static_cast<std::int64_t>(N) * I, stream);  // [N, I]
    }
    if (need16) {
        ops.w16 = kernel_scratch(static_cast<std::int64_t>(O) * K, stream);  // [O, K]
        ops.s16 = kernel_scratch(static_cast<std::int64_t>(N) * I, stream);  // [N, I]
    }
    const float weight_gain = static_cast<float>(1.0 / std::sqrt(static_cast<double>(K)));  // 1/sqrt(I k k)
    auto rows = [&](const float* src, std::int64_t count, int cols, RowScale scale, float gain, float* o32,
                    float* o16) {
        simt::launch<modconv_fp16_rows_kernel>(dim3(static_cast<unsigned>((count + 7) / 8)), dim3(256), 0, stream,
                                               src, count, cols, scale, gain, o32, o16);
    };
    rows(p.weight, O, K, p.demodulate ? RowScale::TimesGainOverMax : RowScale::None, weight_gain,
         need32 ? ops.w32.data<float>() : nullptr, need16 ? ops.w16.data<float>() : nullptr);
    rows(p.styles, N, I, p.demodulate ? RowScale::DivideByMax : RowScale::None, 1.0f,
         need32 ? ops.s32.data<float>() : nullptr, need16 ? ops.s16.data<float>() : nullptr);
    if (p.demodulate) {  // d from the pre-normalized float32 operands
        ModulatedConv2dParams pre = p;
        pre.weight = ops.w32.data<float>();
        pre.styles = ops.s32.data<float>();
        ops.demod = kernel_scratch(static_cast<std::int64_t>(N) * O, stream);  // [N, O]
        modulated_conv2d_demod(pre, ops.demod.data<float>(), stream);
    }
    if (p.fp16 == Fp16Mode::NonFused) {
        ops.params.weight = ops.w16.data<float>();
        ops.params.styles = ops.s16.data<float>();
        ops.demod_or_null = p.demodulate ? ops.demod.data<float>() : nullptr;
        return;
    }
    ops.wmod = kernel_scratch(static_cast<std::int64_t>(O) * K, stream);  // [O, K]
    const std::int64_t count = static_cast<std::int64_t>(O) * K;
    simt::launch<modconv_fp16_modulate_kernel>(
        dim3(static_cast<unsigned>(std::min<std::int64_t>((count + 255) / 256, 4096))), dim3(256), 0, stream,
        static_cast<const float*>(ops.w32.data<float>()), static_cast<const float*>(ops.s32.data<float>()),
        p.demodulate ? static_cast<const float*>(ops.demod.data<float>()) : nullptr, O, I, taps,
        ops.wmod.data<float>());
    ops.params.weight = ops.wmod.data<float>();
    ops.params.styles = nullptr;  // unit styles: the weights carry them
}

}  // namespace detail

void modulated_conv2d_demod(const ModulatedConv2dParams& p, float* demod, Stream stream) {
    modulated_conv2d_check(p);
    const int taps = p.kernel * p.kernel;
    const std::int64_t oi = static_cast<std::int64_t>(p.out_channels) * p.in_channels;
    Tensor wsq = detail::kernel_scratch(oi, stream);  // [O, I]
    const unsigned wsq_blocks = static_cast<unsigned>(std::min<std::int64_t>((oi + 255) / 256, 4096));
    simt::launch<modconv_wsq_kernel>(dim3(wsq_blocks), dim3(256), 0, stream, p.weight, wsq.data<float>(), oi,
                                     taps);
    const std::int64_t pairs = static_cast<std::int64_t>(p.batch) * p.out_channels;
    LF_CHECK((pairs + 7) / 8 <= 2147483647, "modulated_conv2d: batch x out_channels too large");
    simt::launch<modconv_demod_kernel>(dim3(static_cast<unsigned>((pairs + 7) / 8)), dim3(256), 0, stream,
                                       static_cast<const float*>(wsq.data<float>()), p.styles, demod, p.batch,
                                       p.in_channels, p.out_channels);
}

void modulated_conv2d(const ModulatedConv2dParams& p, Stream stream) {
    modulated_conv2d_check(p);
    const int N = p.batch, O = p.out_channels, H = p.height, W = p.width;
    LF_CHECK(static_cast<std::int64_t>(N) * (2 * H + 1) * (2 * W + 1) < (std::int64_t{1} << 31) &&
                 static_cast<std::int64_t>(p.in_channels) * p.kernel * p.kernel < (std::int64_t{1} << 31),
             "modulated_conv2d: ", N, "x", p.in_channels, "x", H, "x", W,
             " is too large for 32-bit GEMM indices");
    LF_CHECK(p.up == 1 || (N <= 65535 && O <= 65535),
             "modulated_conv2d: up=2 supports at most 65535 samples and channels");

    detail::ModConvOperands ops;
    detail::modulated_conv2d_operands(p, ops, stream);
    const float* d = ops.demod_or_null;
    const ModulatedConv2dParams& q = ops.params;  // what the GEMM reads
    const detail::ConvEpilogue epi =
        detail::conv_epilogue_of(p.noise_strength, p.act, p.act_gain, p.clamp, p.fp16, p.demodulate);
    const unsigned m_tiles = static_cast<unsigned>((O + kBM - 1) / kBM);
    LF_CHECK(m_tiles <= 65535, "modulated_conv2d: too many output channels (", O, ")");

    if (p.up == 1) {
        const std::int64_t ncols = static_cast<std::int64_t>(N) * H * W;
        const dim3 grid(static_cast<unsigned>((ncols + kBN - 1) / kBN), m_tiles);
        if (p.kernel == 3)
            simt::launch<modconv_gemm_kernel<3>>(grid, dim3(kThreads), 0, stream, q, d, epi);
        else
            simt::launch<modconv_gemm_kernel<1>>(grid, dim3(kThreads), 0, stream, q, d, epi);
        return;
    }

    // up = 2: transposed conv into z, then the FIR with the epilogue.
    const int zh = 2 * H + 1, zw = 2 * W + 1;
    Tensor z =
        detail::kernel_scratch(static_cast<std::int64_t>(N) * O * zh * zw, stream);  // [N, O, 2H+1, 2W+1]
    const std::int64_t max_cols = static_cast<std::int64_t>(N) * (H + 1) * (W + 1);  // class (0, 0)
    const dim3 tgrid(static_cast<unsigned>((max_cols + kBN - 1) / kBN), m_tiles, 4);
    simt::launch<modconv_transpose_kernel>(tgrid, dim3(kThreads), 0, stream, q, z.data<float>());
    const int ho = 2 * H, wo = 2 * W;
    const std::int64_t tiles =
        static_cast<std::int64_t>((wo + kFirTile - 1) / kFirTile) * ((ho + kFirTile - 1) / kFirTile);
    const dim3 fgrid(static_cast<unsigned>(tiles), static_cast<unsigned>(O), static_cast<unsigned>(N));
    simt::launch<modconv_fir_kernel>(fgrid, dim3(kFirTile, kFirRows), 0, stream, q,
                                     static_cast<const float*>(z.data<float>()), d, epi);
}

}  // namespace lf::LF_KERNEL_NS
