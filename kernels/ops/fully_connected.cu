// fully_connected.cu: y = act(x W^T + b) * gain (StyleGAN2 mapping layers and style affines) as a
// tiled kernel with the bias/activation/gain epilogue in registers; x rows are x_row_stride apart
// (the affines read ws[:, k] in place). A kernel rather than cuBLAS so that it runs under the SIMT
// emulation. CPU twin: lf::cpu::fully_connected (fully_connected_cpu.cpp).
//
// v1 (this file): 256 threads = 64 output features x 4 row lanes; a block computes a 4R x 64 tile
// of y (R rows per thread: R = 1 for batches <= 4, the usual case, else R = 4), K in steps of 32
// with x [4R, 32] and W^T [32, 64(+1)] tiles in shared memory (W read coalesced along in_features,
// stored transposed, padded against bank conflicts). fp32 FMA accumulation in k order.
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/fully_connected.h"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kBN = 64, kBK = 32, kRowLanes = 4, kThreads = kBN * kRowLanes;

template <int R>
__global__ void __launch_bounds__(kThreads)
    fully_connected_kernel(FullyConnectedParams p, std::int64_t x_stride) {
    constexpr int kBM = kRowLanes * R;
    __shared__ float x_tile[kBM][kBK];      // [row, k]
    __shared__ float w_tile[kBK][kBN + 1];  // [k, out feature]
    const int t = static_cast<int>(threadIdx.x);
    const int tx = t % kBN, ty = t / kBN;  // output feature lane, row lane
    const int row0 = static_cast<int>(blockIdx.y) * kBM, o0 = static_cast<int>(blockIdx.x) * kBN;
    const int K = p.in_features, O = p.out_features;

    float acc[R] = {};
    for (int k0 = 0; k0 < K; k0 += kBK) {
        for (int e = t; e < kBN * kBK; e += kThreads) {  // W [o0 + r, k0 + c], coalesced along c
            const int r = e / kBK, c = e % kBK, o = o0 + r, k = k0 + c;
            w_tile[c][r] = (o < O && k < K) ? p.weight[static_cast<std::int64_t>(o) * K + k] : 0.0f;
        }
        for (int e = t; e < kBM * kBK; e += kThreads) {
            const int r = e / kBK, c = e % kBK, row = row0 + r, k = k0 + c;
            x_tile[r][c] = (row < p.batch && k < K) ? p.x[row * x_stride + k] : 0.0f;
        }
        __syncthreads();
        for (int kk = 0; kk < kBK; ++kk) {
            const float w = w_tile[kk][tx];
            for (int r = 0; r < R; ++r) acc[r] = fmaf(x_tile[ty + kRowLanes * r][kk], w, acc[r]);
        }
        __syncthreads();
    }

    const int o = o0 + tx;
    if (o >= O) return;
    const float b = p.bias ? p.bias[o] : 0.0f;
    for (int r = 0; r < R; ++r) {
        const int row = row0 + ty + kRowLanes * r;
        if (row >= p.batch) break;
        float v = __fadd_rn(acc[r], b);
        if (p.act == Activation::LRelu && v < 0.0f) v = __fmul_rn(v, 0.2f);
        p.y[static_cast<std::int64_t>(row) * O + o] = __fmul_rn(v, p.act_gain);
    }
}

}  // namespace

void fully_connected(const FullyConnectedParams& p, Stream stream) {
    fully_connected_check(p);
    const std::int64_t x_stride = p.x_row_stride > 0 ? p.x_row_stride : p.in_features;
    const unsigned o_tiles = static_cast<unsigned>((p.out_features + kBN - 1) / kBN);
    if (p.batch <= kRowLanes) {
        simt::launch<fully_connected_kernel<1>>(dim3(o_tiles, 1), dim3(kThreads), 0, stream, p, x_stride);
        return;
    }
    constexpr int kBM = kRowLanes * 4;
    const int row_tiles = (p.batch + kBM - 1) / kBM;
    LF_CHECK(row_tiles <= 65535, "fully_connected: batch ", p.batch, " too large");
    simt::launch<fully_connected_kernel<4>>(dim3(o_tiles, static_cast<unsigned>(row_tiles)), dim3(kThreads),
                                            0, stream, p, x_stride);
}

}  // namespace lf::LF_KERNEL_NS
