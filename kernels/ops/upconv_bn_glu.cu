// upconv_bn_glu.cu: a FastGAN up-block stage (upconv_bn_glu.h) on CUDA: nearest x2 upsample
// fused into a 3x3 implicit-GEMM conv whose epilogue applies NoiseInjection, eval-mode BatchNorm
// (folded to x * alpha + beta) and GLU in registers. CPU twin: lf::cpu::upconv_bn_glu
// (upconv_bn_glu_cpu.cpp: cpu::conv2d + cpu::batchnorm_glu).
//
// Kernel (eval mode):
//   upconv_bn_glu_kernel<Tile>  implicit GEMM with M = the 2C conv output channels, N = batch x
//       output pixels, K = in channels x 9 (fastgan_conv_gemm.cuh). The M tiling pairs the GLU
//       halves: a tile covers channels [c0, c0 + BM/2) and [C + c0, C + c0 + BM/2), and a thread's
//       rows i and i + RM/2 are channels c and c + C (TileShape Pairs), so the epilogue has both
//       halves of every output in registers and the 2C-channel conv output never reaches memory.
//       Tile 64x64 (2 pairs x 4 columns per thread) when C >= 24, else 16x256 (1 pair x 8 columns:
//       the 512/1024 stages have C = 16 / 8). The upsample is the gather's x[uy / 2, ux / 2].
// Batch mode (statistics of the whole batch are needed before any output): two passes, the conv
// (conv2d.cu) into p.scratch [N, 2C, Ho, Wo], then batchnorm_glu.cu (statistics, fold, apply).
// v1 (this file). Shared memory: 8.3 KB (64x64) / 17.3 KB (16x256), no spills; fp32 FMA accumulation in
// k = (i, ky, kx) order.
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/conv2d.h"
#include "kernels/ops/fastgan_conv_gemm.cuh"
#include "kernels/ops/upconv_bn_glu.h"

namespace lf::LF_KERNEL_NS {
namespace {

using fastgan::kBK;
using fastgan::kThreads;
using TileWide = fastgan::TileShape<64, 64, 4, 4, true>;     // 32 channel pairs x 64 pixels, C >= 24
using TileNarrow = fastgan::TileShape<16, 256, 2, 8, true>;  // 8 channel pairs x 256 pixels

template <typename Tile>
__global__ void __launch_bounds__(kThreads) upconv_bn_glu_kernel(UpConvBnGluParams p) {
    constexpr int kHalf = Tile::BM / 2, kPairs = Tile::RM / 2;
    const int C = p.channels, Ho = p.height * p.upsample, Wo = p.width * p.upsample;
    const int out_plane = Ho * Wo, ncols = p.batch * out_plane;
    const int c0 = static_cast<int>(blockIdx.y) * kHalf, col0 = static_cast<int>(blockIdx.x) * Tile::BN;
    const int t = static_cast<int>(threadIdx.x);
    const fastgan::ConvGather<3> gather(p.x, col0 + t % Tile::BN, ncols, out_plane, Wo, p.in_channels,
                                        p.height, p.width, 3, 1, p.upsample);
    const int ktot = gather.ktot;
    const float* w = p.weight;                  // [2C, ktot]
    auto load_a = [&](int m, int k) -> float {  // tile row m: channel c0 + m, or C + c0 + (m - kHalf)
        const int c = c0 + (m < kHalf ? m : m - kHalf);
        if (c >= C || k >= ktot) return 0.0f;
        const int o = m < kHalf ? c : C + c;
        return w[static_cast<std::int64_t>(o) * ktot + k];
    };

    float acc[Tile::RM][Tile::RN] = {};
    fastgan::conv_mainloop<Tile>(ktot, load_a, gather, acc);

    // Epilogue: rows i (channel c) and i + kPairs (channel c + C) of this thread.
    const int tx = t % Tile::TX, ty = t / Tile::TX;
    fastgan::BnFold fa[kPairs], fb[kPairs];
    for (int i = 0; i < kPairs; ++i) {
        const int c = min(c0 + Tile::row(ty, i), C - 1);  // clamped: rows past C are not stored
        fa[i] = fastgan::bn_fold(p.bn_weight[c], p.bn_bias[c], p.running_mean[c], p.running_var[c], p.eps);
        fb[i] = fastgan::bn_fold(p.bn_weight[c + C], p.bn_bias[c + C], p.running_mean[c + C],
                                 p.running_var[c + C], p.eps);
    }
    for (int j = 0; j < Tile::RN; ++j) {
        const int col = col0 + tx + Tile::TX * j;
        if (col >= ncols) continue;
        const int n = col / out_plane, q = col % out_plane;
        const float nz =
            p.noise ? __fmul_rn(p.noise_strength, p.noise[static_cast<std::int64_t>(n) * out_plane + q])
                    : 0.0f;
        for (int i = 0; i < kPairs; ++i) {
            const int c = c0 + Tile::row(ty, i);
            if (c >= C) continue;
            const float a = p.noise ? __fadd_rn(acc[i][j], nz) : acc[i][j];
            const float b = p.noise ? __fadd_rn(acc[i + kPairs][j], nz) : acc[i + kPairs][j];
            p.y[(static_cast<std::int64_t>(n) * C + c) * out_plane + q] = fastgan::bn_glu(a, fa[i], b, fb[i]);
        }
    }
}

}  // namespace

void upconv_bn_glu(const UpConvBnGluParams& p, Stream stream) {
    upconv_bn_glu_check(p);
    const std::int64_t ncols = static_cast<std::int64_t>(p.batch) * p.out_height() * p.out_width();
    LF_CHECK(ncols < (std::int64_t{1} << 31) - kThreads &&
                 static_cast<std::int64_t>(p.in_channels) * 9 < (std::int64_t{1} << 31) - kBK &&
                 static_cast<std::int64_t>(p.in_channels) * p.height * p.width < (std::int64_t{1} << 31),
             "upconv_bn_glu: ", p.batch, "x", p.in_channels, "x", p.height, "x", p.width,
             " is too large for 32-bit indices");
    if (p.mode == BatchNormMode::Batch) {
        LF_CHECK(p.scratch, "upconv_bn_glu: batch mode needs scratch [N, 2C, Ho, Wo]");
        Conv2dParams cp;
        cp.x = p.x;
        cp.weight = p.weight;
        cp.y = p.scratch;
        cp.batch = p.batch;
        cp.in_channels = p.in_channels;
        cp.out_channels = 2 * p.channels;
        cp.height = p.height;
        cp.width = p.width;
        cp.kernel = 3;
        cp.pad = 1;
        cp.upsample = p.upsample;
        conv2d(cp, stream);
        BatchNormGluParams bp;
        bp.x = p.scratch;
        bp.y = p.y;
        bp.noise = p.noise;
        bp.noise_strength = p.noise_strength;
        bp.bn_weight = p.bn_weight;
        bp.bn_bias = p.bn_bias;
        bp.eps = p.eps;
        bp.mode = BatchNormMode::Batch;
        bp.batch = p.batch;
        bp.channels = p.channels;
        bp.plane = static_cast<std::int64_t>(p.out_height()) * p.out_width();
        batchnorm_glu(bp, stream);
        return;
    }
    auto launch = [&](auto tile) {
        using Tile = decltype(tile);
        const unsigned m_tiles = static_cast<unsigned>((p.channels + Tile::BM / 2 - 1) / (Tile::BM / 2));
        LF_CHECK(m_tiles <= fastgan::kMaxGridYZ, "upconv_bn_glu: too many channels (", p.channels, ")");
        const dim3 grid(static_cast<unsigned>((ncols + Tile::BN - 1) / Tile::BN), m_tiles);
        simt::launch<upconv_bn_glu_kernel<Tile>>(grid, dim3(kThreads), 0, stream, p);
    };
    if (p.channels >= 24)
        launch(TileWide{});
    else
        launch(TileNarrow{});
}

}  // namespace lf::LF_KERNEL_NS
