// conv_bn_relu.cu: InceptionV3's BasicConv2d (conv + folded BatchNorm + ReLU) as an implicit GEMM:
// C[o, col] = sum_k W[o, k] * X[k, col] with k = (i, ky, kx) over in_channels x kh x kw and
// col = (n, oy, ox) over the whole batch, so the 8x8 and 17x17 stages still fill the GPU. The im2col
// matrix never exists: each thread decodes its column once and gathers input pixels per k tile
// (zero outside the padded input). The epilogue adds the BN shift, applies ReLU and stores into the
// output's channel slice [y_channel_offset, + out_channels). CPU twin: lf::cpu::conv_bn_relu.
//
// v1 (this file): 64x64 output tile per 256-thread block, k tiles of 16 staged in shared memory
// (weights transposed to [k][o] so the inner loop reads both tiles as broadcasts / consecutive
// words), 4x4 outputs per thread strided by 16 so stores are coalesced along the output pixels;
// fp32 FMA accumulation in k order.
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/conv_bn_relu.h"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kTileM = 64;  // output channels per block
constexpr int kTileN = 64;  // output pixels (over the batch) per block
constexpr int kTileK = 16;  // reduction slice staged per step
constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) conv_bn_relu_kernel(ConvBnReluParams p, int out_h, int out_w) {
    __shared__ float w_tile[kTileK][kTileM];  // [k in tile, o in tile]
    __shared__ float x_tile[kTileK][kTileN];  // [k in tile, column in tile]

    const int t = static_cast<int>(threadIdx.x);
    const int khw = p.kernel_h * p.kernel_w;
    const int K = p.in_channels * khw;
    const std::int64_t P = static_cast<std::int64_t>(out_h) * out_w;
    const std::int64_t columns = P * p.batch;
    const int o0 = static_cast<int>(blockIdx.y) * kTileM;
    const std::int64_t col0 = static_cast<std::int64_t>(blockIdx.x) * kTileN;

    // The column this thread gathers for x_tile (fixed over the k loop), decoded once.
    const int load_col = t % kTileN;
    const int load_k = t / kTileN;  // 0..3: rows load_k + 4 * r of the k tile
    const std::int64_t gcol = col0 + load_col;
    const bool col_ok = gcol < columns;
    const float* xn = p.x;
    int iy0 = 0, ix0 = 0;
    if (col_ok) {
        const std::int64_t n = gcol / P;
        const int q = static_cast<int>(gcol - n * P);
        iy0 = (q / out_w) * p.stride_h - p.pad_h;
        ix0 = (q % out_w) * p.stride_w - p.pad_w;
        xn = p.x + n * p.in_channels * static_cast<std::int64_t>(p.height) * p.width;
    }

    const int tx = t % 16, ty = t / 16;
    float acc[4][4] = {};
    for (int k0 = 0; k0 < K; k0 += kTileK) {
        // Weights: 64 x 16 values, consecutive threads read consecutive k of one output channel.
        for (int e = t; e < kTileM * kTileK; e += kThreads) {
            const int kk = e % kTileK, oo = e / kTileK;
            const int o = o0 + oo, k = k0 + kk;
            w_tile[kk][oo] =
                (o < p.out_channels && k < K) ? p.weight[static_cast<std::int64_t>(o) * K + k] : 0.0f;
        }
        // Input columns: 16 x 64 values, gathered through the im2col index map.
        for (int r = 0; r < kTileK / 4; ++r) {
            const int kk = load_k + 4 * r;
            const int k = k0 + kk;
            float v = 0.0f;
            if (col_ok && k < K) {
                const int i = k / khw, rem = k - i * khw;
                const int iy = iy0 + rem / p.kernel_w, ix = ix0 + rem % p.kernel_w;
                if (iy >= 0 && iy < p.height && ix >= 0 && ix < p.width)
                    v = xn[(static_cast<std::int64_t>(i) * p.height + iy) * p.width + ix];
            }
            x_tile[kk][load_col] = v;
        }
        __syncthreads();
        for (int kk = 0; kk < kTileK; ++kk) {
            float a[4], b[4];
            for (int r = 0; r < 4; ++r) a[r] = w_tile[kk][ty + 16 * r];
            for (int c = 0; c < 4; ++c) b[c] = x_tile[kk][tx + 16 * c];
            for (int r = 0; r < 4; ++r)
                for (int c = 0; c < 4; ++c) acc[r][c] = fmaf(a[r], b[c], acc[r][c]);
        }
        __syncthreads();
    }

    for (int r = 0; r < 4; ++r) {
        const int o = o0 + ty + 16 * r;
        if (o >= p.out_channels) continue;
        const float shift = p.bias[o];
        for (int c = 0; c < 4; ++c) {
            const std::int64_t col = col0 + tx + 16 * c;
            if (col >= columns) continue;
            const std::int64_t n = col / P, q = col - n * P;
            float v = acc[r][c] + shift;
            if (p.relu) v = fmaxf(v, 0.0f);
            p.y[(n * p.y_channels + p.y_channel_offset + o) * P + q] = v;
        }
    }
}

}  // namespace

void conv_bn_relu(const ConvBnReluParams& p, Stream stream) {
    conv_bn_relu_check(p);
    if (p.batch == 0) return;
    const int out_h = p.out_height(), out_w = p.out_width();
    const std::int64_t columns = static_cast<std::int64_t>(out_h) * out_w * p.batch;
    const std::int64_t blocks_n = (columns + kTileN - 1) / kTileN;
    LF_CHECK(blocks_n <= 0x7fffffff, "conv_bn_relu: ", columns, " output pixels exceed one launch");
    const dim3 grid(static_cast<unsigned>(blocks_n),
                    static_cast<unsigned>((p.out_channels + kTileM - 1) / kTileM));
    simt::launch<conv_bn_relu_kernel>(grid, dim3(kThreads), 0, stream, p, out_h, out_w);
}

}  // namespace lf::LF_KERNEL_NS
