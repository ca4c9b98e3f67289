// conv2d.cu: the bias-free 2-D convolution of conv2d.h (stride 1, zero padding, kernel k, optional
// nearest x2 upsample of the input read in place, optional tanh) for FastGAN: to_big (3x3),
// to_128 (1x1) and the conv of the batch-statistics up-block path. CPU twin: lf::cpu::conv2d
// (conv2d_cpu.cpp).
//
// Kernels (both launched by conv2d()):
//   conv2d_gemm_kernel<Tile, KS>   implicit GEMM, M = out channels, N = batch x output pixels,
//                                  K = in channels x k x k (fastgan_conv_gemm.cuh); tile 64x64
//                                  (4x4 per thread) when O >= 48, else 16x256 (1x16 per thread)
//                                  so few channels do not leave most rows empty. KS = 1 or 3
//                                  unrolls the tap decode; KS = 0 reads k at run time.
//   conv2d_direct_kernel<MaxO>     O <= 4 (to_big / to_128: the RGB convs): one thread per output
//                                  pixel computes all O channels, weights staged through shared
//                                  memory in chunks of input channels; a GEMM tile would leave
//                                  15 of 16 rows idle there.
// v1 (this file). Both accumulate with fmaf in k = (i, ky, kx) order; tanh in the epilogue.
// Shared memory: 8.3 KB (GEMM 64x64), 17.3 KB (GEMM 16x256), 8 KB (direct); no spills on sm_80/90.
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/conv2d.h"
#include "kernels/ops/fastgan_conv_gemm.cuh"

namespace lf::LF_KERNEL_NS {
namespace {

using fastgan::kBK;
using fastgan::kThreads;
using TileWide = fastgan::TileShape<64, 64, 4, 4, false>;      // O >= 48
using TileNarrow = fastgan::TileShape<16, 256, 1, 16, false>;  // 4 < O < 48

constexpr int kDirectMaxO = 4;
constexpr int kDirectWeights = 2048;  // floats of the shared weight chunk [O, ichunk, k, k]

template <typename Tile, int KS>
__global__ void __launch_bounds__(kThreads) conv2d_gemm_kernel(Conv2dParams p) {
    const int O = p.out_channels;
    const int Ho = fastgan::conv_out_size(p.height, p.upsample, p.pad, p.kernel);
    const int Wo = fastgan::conv_out_size(p.width, p.upsample, p.pad, p.kernel);
    const int out_plane = Ho * Wo, ncols = p.batch * out_plane;
    const int m0 = static_cast<int>(blockIdx.y) * Tile::BM, col0 = static_cast<int>(blockIdx.x) * Tile::BN;
    const int t = static_cast<int>(threadIdx.x);
    const fastgan::ConvGather<KS> gather(p.x, col0 + t % Tile::BN, ncols, out_plane, Wo, p.in_channels,
                                         p.height, p.width, p.kernel, p.pad, p.upsample);
    const int ktot = gather.ktot;
    const float* w = p.weight;  // [O, ktot]
    auto load_a = [&](int m, int k) -> float {
        const int o = m0 + m;
        return (o < O && k < ktot) ? w[static_cast<std::int64_t>(o) * ktot + k] : 0.0f;
    };

    float acc[Tile::RM][Tile::RN] = {};
    fastgan::conv_mainloop<Tile>(ktot, load_a, gather, acc);

    const int tx = t % Tile::TX, ty = t / Tile::TX;
    const bool tanh_out = p.act == OutputActivation::Tanh;
    for (int j = 0; j < Tile::RN; ++j) {
        const int col = col0 + tx + Tile::TX * j;
        if (col >= ncols) continue;
        const int n = col / out_plane, q = col % out_plane;
        for (int i = 0; i < Tile::RM; ++i) {
            const int o = m0 + Tile::row(ty, i);
            if (o >= O) continue;
            const float v = acc[i][j];
            p.y[(static_cast<std::int64_t>(n) * O + o) * out_plane + q] = tanh_out ? tanhf(v) : v;
        }
    }
}

// One thread per output pixel, all O <= MaxO channels; blockDim.x = 256 columns.
template <int MaxO>
__global__ void __launch_bounds__(kThreads) conv2d_direct_kernel(Conv2dParams p, int ichunk) {
    __shared__ float w_chunk[kDirectWeights];  // [O, ichunk, k, k] of the current input-channel chunk
    const int O = p.out_channels, I = p.in_channels, ks = p.kernel, kk = ks * ks;
    const int H = p.height, W = p.width, shift = p.upsample == 2 ? 1 : 0, Hu = H << shift, Wu = W << shift;
    const int Ho = fastgan::conv_out_size(H, p.upsample, p.pad, ks),
              Wo = fastgan::conv_out_size(W, p.upsample, p.pad, ks);
    const int out_plane = Ho * Wo, ncols = p.batch * out_plane;
    const int t = static_cast<int>(threadIdx.x);
    const int col = static_cast<int>(blockIdx.x) * kThreads + t;
    const bool ok = col < ncols;
    const int n = ok ? col / out_plane : 0, q = ok ? col % out_plane : 0, oy = q / Wo, ox = q % Wo;
    const std::int64_t in_plane = static_cast<std::int64_t>(H) * W;
    const float* xn = p.x + static_cast<std::int64_t>(n) * I * in_plane;  // [I, H, W]

    float acc[MaxO] = {};
    for (int i0 = 0; i0 < I; i0 += ichunk) {
        const int ic = min(ichunk, I - i0);
        for (int e = t; e < O * ic * kk; e += kThreads) {  // w[o, i0 + r] rows are contiguous
            const int o = e / (ic * kk), r = e % (ic * kk);
            w_chunk[e] = p.weight[(static_cast<std::int64_t>(o) * I + i0) * kk + r];
        }
        __syncthreads();
        if (ok) {
            for (int i = 0; i < ic; ++i) {
                const float* plane = xn + (i0 + i) * in_plane;
                for (int tap = 0; tap < kk; ++tap) {
                    const int uy = oy + tap / ks - p.pad, ux = ox + tap % ks - p.pad;
                    const float v = (uy >= 0 && uy < Hu && ux >= 0 && ux < Wu)
                                        ? plane[static_cast<std::int64_t>(uy >> shift) * W + (ux >> shift)]
                                        : 0.0f;
                    for (int o = 0; o < MaxO; ++o)
                        if (o < O) acc[o] = fmaf(w_chunk[(o * ic + i) * kk + tap], v, acc[o]);
                }
            }
        }
        __syncthreads();
    }
    if (!ok) return;
    const bool tanh_out = p.act == OutputActivation::Tanh;
    for (int o = 0; o < MaxO; ++o)
        if (o < O)
            p.y[(static_cast<std::int64_t>(n) * O + o) * out_plane + q] = tanh_out ? tanhf(acc[o]) : acc[o];
}

template <typename Tile>
void launch_gemm(const Conv2dParams& p, int ncols, Stream stream) {
    const unsigned m_tiles = static_cast<unsigned>((p.out_channels + Tile::BM - 1) / Tile::BM);
    LF_CHECK(m_tiles <= fastgan::kMaxGridYZ, "conv2d: too many output channels (", p.out_channels, ")");
    const dim3 grid(static_cast<unsigned>((ncols + Tile::BN - 1) / Tile::BN), m_tiles);
    if (p.kernel == 3)
        simt::launch<conv2d_gemm_kernel<Tile, 3>>(grid, dim3(kThreads), 0, stream, p);
    else if (p.kernel == 1)
        simt::launch<conv2d_gemm_kernel<Tile, 1>>(grid, dim3(kThreads), 0, stream, p);
    else
        simt::launch<conv2d_gemm_kernel<Tile, 0>>(grid, dim3(kThreads), 0, stream, p);
}

}  // namespace

void conv2d(const Conv2dParams& p, Stream stream) {
    conv2d_check(p);
    const std::int64_t ncols = static_cast<std::int64_t>(p.batch) * p.out_height() * p.out_width();
    const std::int64_t ktot = static_cast<std::int64_t>(p.in_channels) * p.kernel * p.kernel;
    LF_CHECK(ncols < (std::int64_t{1} << 31) - kThreads && ktot < (std::int64_t{1} << 31) - kBK &&
                 static_cast<std::int64_t>(p.in_channels) * p.height * p.width < (std::int64_t{1} << 31),
             "conv2d: ", p.batch, "x", p.in_channels, "x", p.height, "x", p.width, " (kernel ", p.kernel,
             ") is too large for 32-bit indices");
    const int kk = p.kernel * p.kernel;
    if (p.out_channels <= kDirectMaxO && kDirectMaxO * kk <= kDirectWeights) {
        const int ichunk = kDirectWeights / (p.out_channels * kk);  // >= 1 input channel per chunk
        const dim3 grid(static_cast<unsigned>((ncols + kThreads - 1) / kThreads));
        simt::launch<conv2d_direct_kernel<kDirectMaxO>>(grid, dim3(kThreads), 0, stream, p, ichunk);
        return;
    }
    if (p.out_channels >= 48)
        launch_gemm<TileWide>(p, static_cast<int>(ncols), stream);
    else
        launch_gemm<TileNarrow>(p, static_cast<int>(ncols), stream);
}

}  // namespace lf::LF_KERNEL_NS
