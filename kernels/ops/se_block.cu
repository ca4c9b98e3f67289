// se_block.cu: FastGAN's SEBlock (se_block.h) on CUDA:
//   big[n, c] *= sigmoid(W2 swish(W1 avgpool4(small[n])))[c]
// CPU twin: lf::cpu::se_block (se_block_cpu.cpp).
//
// Kernels (launched by se_block()):
//   se_gate_kernel   one block per sample: the whole gate computation fused. Input channels go
//                    in chunks of 64: AdaptiveAvgPool2d(4) of the chunk into shared memory
//                    (pooled [64, 4, 4]; each thread sums one bh x bw block in the twin's row-major
//                    order), then each warp adds the chunk's part of the 4x4 valid conv (a dot
//                    product over [Cs, 4, 4]) for its outputs o = warp, warp + 8, ... into
//                    hidden [Cb] (shared; one owner warp per o, lanes read W1 rows coalesced and
//                    reduce with shuffles). Then swish, the 1x1 conv (again a warp per output)
//                    and the sigmoid -> gate [N, Cb] (scratch).
//   se_scale_kernel  grid-stride over big [N, Cb, Hb*Wb]: big *= gate[n, c].
// v1 (this file). Dynamic shared memory (64 * 16 + Cb) floats: 4.5 KB for Cb = 128.
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, LF_DYNAMIC_SHARED, CUDA keywords
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <algorithm>
#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/fastgan_conv_gemm.cuh"
#include "kernels/ops/se_block.h"

namespace lf::LF_KERNEL_NS {
namespace {

using fastgan::kThreads;
constexpr int kWarps = kThreads / 32;
constexpr int kChunk = 64;             // small-input channels pooled per step
constexpr int kMaxBigChannels = 8192;  // hidden [Cb] lives in shared memory

__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

__global__ void __launch_bounds__(kThreads) se_gate_kernel(SeBlockParams p, float* gate) {  // gate [N, Cb]
    LF_DYNAMIC_SHARED(float, shared);
    float* pooled = shared;                // [kChunk, 4, 4] of the current chunk
    float* hidden = shared + kChunk * 16;  // [Cb]
    const int n = static_cast<int>(blockIdx.x), t = static_cast<int>(threadIdx.x);
    const int warp = t / 32, lane = t % 32;
    const int Cs = p.small_channels, Cb = p.big_channels, Hs = p.small_height, Ws = p.small_width;
    const int bh = Hs / 4, bw = Ws / 4;
    const float area = static_cast<float>(bh * bw);
    const float* s = p.small + static_cast<std::int64_t>(n) * Cs * Hs * Ws;  // [Cs, Hs, Ws]
    const std::int64_t k1 = static_cast<std::int64_t>(Cs) * 16;              // W1 row length

    for (int o = t; o < Cb; o += kThreads) hidden[o] = 0.0f;
    for (int c0 = 0; c0 < Cs; c0 += kChunk) {
        const int ic = min(kChunk, Cs - c0);
        for (int e = t; e < ic * 16; e += kThreads) {  // pooled[c, oy, ox] = mean of a bh x bw block
            const int c = c0 + e / 16, oy = (e % 16) / 4, ox = e % 4;
            const float* blk = s + (static_cast<std::int64_t>(c) * Hs + oy * bh) * Ws + ox * bw;
            float acc = 0.0f;
            for (int y = 0; y < bh; ++y)
                for (int x = 0; x < bw; ++x) acc += blk[y * Ws + x];
            pooled[e] = acc / area;
        }
        __syncthreads();
        for (int o = warp; o < Cb; o += kWarps) {  // hidden[o] += W1[o, c0*16 : (c0+ic)*16] . pooled
            const float* w = p.w1 + o * k1 + static_cast<std::int64_t>(c0) * 16;
            float acc = 0.0f;
            for (int j = lane; j < ic * 16; j += 32) acc = fmaf(w[j], pooled[j], acc);
            acc = warp_sum(acc);
            if (lane == 0) hidden[o] += acc;
        }
        __syncthreads();
    }
    for (int o = t; o < Cb; o += kThreads)
        hidden[o] = __fmul_rn(hidden[o], fastgan::sigmoid_of(hidden[o]));  // swish
    __syncthreads();
    for (int o = warp; o < Cb; o += kWarps) {  // 1x1 conv + sigmoid
        const float* w = p.w2 + static_cast<std::int64_t>(o) * Cb;
        float acc = 0.0f;
        for (int j = lane; j < Cb; j += 32) acc = fmaf(w[j], hidden[j], acc);
        acc = warp_sum(acc);
        if (lane == 0) gate[static_cast<std::int64_t>(n) * Cb + o] = fastgan::sigmoid_of(acc);
    }
}

__global__ void __launch_bounds__(kThreads) se_scale_kernel(SeBlockParams p, const float* gate) {  // [N, Cb]
    const std::int64_t total = static_cast<std::int64_t>(p.batch) * p.big_channels * p.big_plane;
    for (std::int64_t e = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x; e < total;
         e += static_cast<std::int64_t>(gridDim.x) * kThreads)
        p.big[e] = __fmul_rn(p.big[e], gate[e / p.big_plane]);
}

}  // namespace

void se_block(const SeBlockParams& p, Stream stream) {
    se_block_check(p);
    LF_CHECK(p.big_channels <= kMaxBigChannels, "se_block: ", p.big_channels,
             " channels exceed the kernel's ", kMaxBigChannels);
    LF_CHECK(static_cast<std::int64_t>(p.small_channels) * p.small_height * p.small_width <
                 (std::int64_t{1} << 31),
             "se_block: the small input is too large");
    Tensor gate =
        fastgan::fastgan_scratch(static_cast<std::int64_t>(p.batch) * p.big_channels, DType::F32, stream);
    const std::size_t shared = (kChunk * 16 + static_cast<std::size_t>(p.big_channels)) * sizeof(float);
    simt::launch<se_gate_kernel>(dim3(static_cast<unsigned>(p.batch)), dim3(kThreads), shared, stream, p,
                                 gate.data<float>());
    const std::int64_t total = static_cast<std::int64_t>(p.batch) * p.big_channels * p.big_plane;
    const unsigned blocks =
        static_cast<unsigned>(std::min<std::int64_t>((total + kThreads - 1) / kThreads, 65536));
    simt::launch<se_scale_kernel>(dim3(blocks), dim3(kThreads), 0, stream, p,
                                  static_cast<const float*>(gate.data<float>()));
}

}  // namespace lf::LF_KERNEL_NS
