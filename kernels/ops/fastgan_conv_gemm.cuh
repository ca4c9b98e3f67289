// fastgan_conv_gemm.cuh: device helpers shared by FastGAN's conv kernels (conv2d.cu,
// upconv_bn_glu.cu) and its epilogue kernels (batchnorm_glu.cu, se_block.cu). No __global__ here.
//
//   ConvGather<KS>   the implicit-im2col gather of a bias-free conv with zero padding and an
//                    optional nearest x2 upsample read in place: B[k, col] = x[n, i, uy/up, ux/up]
//                    with k = (i, ky, kx), col = (n, oy, ox), uy = oy + ky - pad (0 outside)
//   conv_mainloop    the tiled GEMM main loop: acc += A[rows of the thread, :] * B[:, columns]
//   fastgan_scratch  a float32 scratch tensor on the launch's device
//   bn_fold / sigmoid_of  the BatchNorm fold and the sigmoid exactly as the CPU twins compute them
//
// Tiling (template TileShape): 256 threads per block as TY x TX (TY = BM / RM, TX = BN / RN),
// each thread owns RM rows x RN columns of the BM x BN output tile; K in steps of kBK = 16 with
// the A tile [16, BM] (transposed, padded) and the B tile [16, BN] in shared memory and the next
// step prefetched into registers while the current one is multiplied. Columns of a thread are
// tx + TX * j, so the stores of consecutive threads hit consecutive pixels (coalesced).
// Rows of a thread:
//   Pairs = false: RM * ty + i
//   Pairs = true:  (RM/2) * ty + i for i < RM/2 and BM/2 + (RM/2) * ty + (i - RM/2) after, i.e.
//                  rows i and i + RM/2 of a thread are tile rows r and r + BM/2. upconv_bn_glu
//                  maps tile row r < BM/2 to channel c0 + r and row r + BM/2 to channel C + c0 + r,
//                  so GLU's two halves (c, c + C) meet in the same thread's registers.
#pragma once

// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, LF_SIMT_EMULATION, CUDA keywords
#include "kernels/simt/launch.h"       // defines (nvcc): LF_CUDA_CHECK
// clang-format on

#include <cstdint>

#include "kernels/core/device.h"
#include "kernels/core/tensor.h"  // defines: lf::Tensor (kernel scratch)

namespace lf::LF_KERNEL_NS::fastgan {

constexpr int kThreads = 256;  // every FastGAN conv kernel runs 256 threads per block
constexpr int kBK = 16;        // GEMM K step

template <int BM_, int BN_, int RM_, int RN_, bool Pairs_>
struct TileShape {
    static constexpr int BM = BM_, BN = BN_, RM = RM_, RN = RN_;
    static constexpr bool Pairs = Pairs_;
    static constexpr int TY = BM / RM, TX = BN / RN;
    static_assert(TY * TX == kThreads, "a tile needs exactly 256 threads");
    static_assert(kThreads % BN == 0 && BN <= kThreads, "a B-tile column is loaded by 256 / BN threads");
    static_assert((BM * kBK) % kThreads == 0, "A-tile elements per thread");
    static_assert(!Pairs || (RM % 2 == 0 && BM % 2 == 0), "paired rows need an even RM");
    static constexpr int kAPer = BM * kBK / kThreads;  // A elements each thread loads per K step
    static constexpr int kBLanes = kThreads / BN;      // threads per B column
    static constexpr int kBPer = kBK / kBLanes;        // B elements each thread loads per K step
    static_assert(kBK % kBLanes == 0, "B-tile rows per thread");

    __device__ static int row(int ty, int i) {
        if constexpr (Pairs)
            return i < RM / 2 ? (RM / 2) * ty + i : BM / 2 + (RM / 2) * ty + (i - RM / 2);
        else
            return RM * ty + i;
    }
};

// Output size of a stride-1 conv of an `in`-pixel side upsampled by `up` (Conv2dParams::out_height
// is host-only).
__device__ __forceinline__ int conv_out_size(int in, int up, int pad, int k) {
    return in * up + 2 * pad - k + 1;
}

// The gather of one B-tile column: output column col = (n, oy, ox) of a conv with kernel ks
// (KS > 0: compile-time), padding pad and nearest upsample up (1 or 2) of x [N, I, H, W].
template <int KS>
struct ConvGather {
    const float* xn = nullptr;  // [I, H, W] of this column's sample
    int oy = 0, ox = 0;
    bool ok = false;  // the column exists (col < N * Ho * Wo)
    int ks = KS, pad = 0, shift = 0, H = 0, W = 0, Hu = 0, Wu = 0, ktot = 0;
    std::int64_t in_plane = 0;

    __device__ ConvGather(const float* x, int col, int ncols, int out_plane, int out_w, int in_channels,
                          int h, int w, int kernel, int padding, int upsample) {
        ks = KS > 0 ? KS : kernel;
        pad = padding;
        shift = upsample == 2 ? 1 : 0;
        H = h;
        W = w;
        Hu = h << shift;
        Wu = w << shift;
        in_plane = static_cast<std::int64_t>(h) * w;
        ktot = in_channels * ks * ks;
        ok = col < ncols;
        const int n = ok ? col / out_plane : 0, q = ok ? col % out_plane : 0;
        oy = q / out_w;
        ox = q % out_w;
        xn = x + static_cast<std::int64_t>(n) * in_channels * in_plane;
    }

    __device__ float operator()(int k) const {
        if (!ok || k >= ktot) return 0.0f;
        const int kk = ks * ks;
        const int i = k / kk, tap = k % kk;
        const int uy = oy + tap / ks - pad, ux = ox + tap % ks - pad;  // in the upsampled input
        if (uy < 0 || uy >= Hu || ux < 0 || ux >= Wu) return 0.0f;
        return xn[i * in_plane + static_cast<std::int64_t>(uy >> shift) * W + (ux >> shift)];
    }
};

// acc[i][j] += sum_k A[row(ty, i), k] * B[k, tx + TX * j] for k < ktot. load_a(m, k) returns the
// A element of tile row m (0 outside the matrix); load_b(k) this thread's B element of its loader
// column t % BN (0 outside). Every thread of the block must call it (barriers inside).
template <typename Tile, typename LoadA, typename LoadB>
__device__ __forceinline__ void conv_mainloop(int ktot, const LoadA& load_a, const LoadB& load_b,
                                              float (&acc)[Tile::RM][Tile::RN]) {
    constexpr int BM = Tile::BM, BN = Tile::BN, RM = Tile::RM, RN = Tile::RN, TX = Tile::TX;
    __shared__ float a_tile[kBK][BM + 4];  // [k, tile row] (transposed; +4 keeps rows 16-byte aligned)
    __shared__ float b_tile[kBK][BN];      // [k, tile column]
    const int t = static_cast<int>(threadIdx.x);
    const int b_c = t % BN, b_k = t / BN;  // loader role for B: column b_c, k rows b_k + kBLanes * r
    const int tx = t % TX, ty = t / TX;    // compute role
    float a_reg[Tile::kAPer], b_reg[Tile::kBPer];
    auto fetch = [&](int k0) {
        for (int r = 0; r < Tile::kAPer; ++r) {  // element e: k = e % kBK (coalesced along k), row e / kBK
            const int e = t + kThreads * r;
            a_reg[r] = load_a(e / kBK, k0 + e % kBK);
        }
        for (int r = 0; r < Tile::kBPer; ++r) b_reg[r] = load_b(k0 + b_k + Tile::kBLanes * r);
    };
    fetch(0);
    for (int k0 = 0; k0 < ktot; k0 += kBK) {
        for (int r = 0; r < Tile::kAPer; ++r) {
            const int e = t + kThreads * r;
            a_tile[e % kBK][e / kBK] = a_reg[r];
        }
        for (int r = 0; r < Tile::kBPer; ++r) b_tile[b_k + Tile::kBLanes * r][b_c] = b_reg[r];
        __syncthreads();
        if (k0 + kBK < ktot) fetch(k0 + kBK);  // overlaps the global loads with the FMAs below
        for (int kk = 0; kk < kBK; ++kk) {
            float a[RM], b[RN];
            for (int i = 0; i < RM; ++i) a[i] = a_tile[kk][Tile::row(ty, i)];
            for (int j = 0; j < RN; ++j) b[j] = b_tile[kk][tx + TX * j];
            for (int i = 0; i < RM; ++i)
                for (int j = 0; j < RN; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
}

// BatchNorm folded to y = x * alpha + beta, as the CPU twin (batchnorm_glu_cpu.cpp) rounds it.
struct BnFold {
    float alpha, beta;
};
__device__ __forceinline__ BnFold bn_fold(float gamma, float bias, float mean, float var, float eps) {
    const float invstd = 1.0f / sqrtf(__fadd_rn(var, eps));
    const float alpha = __fmul_rn(gamma, invstd);
    return {alpha, __fadd_rn(bias, -__fmul_rn(mean, alpha))};
}

// 1 / (1 + exp(-v)) with the accurate expf (the twins use std::exp).
__device__ __forceinline__ float sigmoid_of(float v) {
    return 1.0f / (1.0f + expf(-v));
}

// GLU of two BatchNorm'ed values: (a * alpha_a + beta_a) * sigmoid(b * alpha_b + beta_b), with
// explicit roundings so nvcc does not contract into FMAs the twin does not have.
__device__ __forceinline__ float bn_glu(float a, BnFold fa, float b, BnFold fb) {
    const float na = __fadd_rn(__fmul_rn(a, fa.alpha), fa.beta);
    const float nb = __fadd_rn(__fmul_rn(b, fb.alpha), fb.beta);
    return __fmul_rn(na, sigmoid_of(nb));
}

// The device a launch's scratch lives on: the current CUDA device, or the host under the emulation.
inline Device scratch_device() {
#if LF_SIMT_EMULATION
    return Device::cpu();
#else
    int index = 0;
    LF_CUDA_CHECK(cudaGetDevice(&index));
    return Device::cuda(index);
#endif
}

// A scratch tensor of `count` elements of `dtype` on the launch's device (stream-ordered on CUDA).
inline Tensor fastgan_scratch(std::int64_t count, DType dtype, Stream stream) {
    return Tensor::empty({count}, dtype, scratch_device(), stream);
}

// Grid dimension y/z limit.
constexpr unsigned kMaxGridYZ = 65535;

}  // namespace lf::LF_KERNEL_NS::fastgan
