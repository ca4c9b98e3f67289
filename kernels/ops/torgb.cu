// torgb.cu: StyleGAN2's ToRGB with the skip-image accumulation as one kernel: per output pixel the
// modulated 1x1 conv (no demodulation), + bias, clamp, then + upsample2d(skip) (upfirdn2d up=2,
// pad (2,1,2,1), gain 4 with the [4,4] resample filter; 2x2 of the 16 taps hit per output), in the
// official order img + torgb(x). CPU twin: lf::cpu::torgb (torgb_cpu.cpp).
//
// v1 (this file): 256 threads per block, one thread per pixel of one sample (grid (pixels, N));
// the block's modulated weights W[c,i] * s[n,i] are staged in shared memory in chunks of 256 input
// channels (rounded like the twin: product first, then the fp32 dot product in channel order), so
// x is read exactly once, coalesced along pixels. At most 4 output channels (RGB or RGBA).
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/torgb.h"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kThreads = 256;
constexpr int kMaxChannels = 4;  // output channels per pixel held in registers
constexpr int kChunk = 256;      // input channels per shared-memory chunk

__global__ void __launch_bounds__(kThreads) torgb_kernel(ToRgbParams p) {
    __shared__ float wmod[kMaxChannels][kChunk];  // [C, chunk] W[c,i] * s[n,i] (fp16 modes: see torgb.h)
    __shared__ float shalf[kChunk];               // fp16 NonFused: half(s[n,i]) for the input scaling
    __shared__ float taps[4][4];                  // 4 * flipped filter (correlation taps)
    const int I = p.in_channels, C = p.out_channels, H = p.height, W = p.width;
    const int n = static_cast<int>(blockIdx.y);
    const std::int64_t plane = static_cast<std::int64_t>(H) * W;
    const std::int64_t q = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x;
    const bool active = q < plane;
    const int t = static_cast<int>(threadIdx.x);
    const float* s = p.styles + static_cast<std::int64_t>(n) * I;      // [I]
    const float* xn = p.x + static_cast<std::int64_t>(n) * I * plane;  // [I, H*W]

    float acc[kMaxChannels] = {};
    for (int i0 = 0; i0 < I; i0 += kChunk) {
        const int len = I - i0 < kChunk ? I - i0 : kChunk;
        __syncthreads();  // the previous chunk is no longer read
        for (int e = t; e < C * kChunk; e += kThreads) {
            const int c = e / kChunk, i = e % kChunk;
            if (i >= len) continue;
            const float w = p.weight[static_cast<std::int64_t>(c) * I + i0 + i];
            wmod[c][i] = p.fp16 == Fp16Mode::Off        ? __fmul_rn(w, s[i0 + i])
                         : p.fp16 == Fp16Mode::NonFused ? round_to_half(w)
                                                        : round_to_half(__fmul_rn(w, s[i0 + i]));
        }
        if (p.fp16 == Fp16Mode::NonFused)
            for (int i = t; i < len; i += kThreads) shalf[i] = round_to_half(s[i0 + i]);
        if (p.skip && i0 == 0 && t < 16) taps[t / 4][t % 4] = __fmul_rn(4.0f, p.filter[15 - t]);
        __syncthreads();
        if (!active) continue;
        for (int i = 0; i < len; ++i) {
            float v = xn[static_cast<std::int64_t>(i0 + i) * plane + q];
            if (p.fp16 != Fp16Mode::Off)
                v = fp16_styled(v, p.fp16 == Fp16Mode::NonFused ? &shalf[i] : nullptr);
            for (int c = 0; c < kMaxChannels; ++c)
                if (c < C) acc[c] = fmaf(wmod[c][i], v, acc[c]);
        }
    }
    if (!active) return;

    const int oy = static_cast<int>(q / W), ox = static_cast<int>(q % W);
    const int sh = H / 2, sw = W / 2;
    for (int c = 0; c < kMaxChannels; ++c) {
        if (c >= C) break;
        const bool half_io = p.fp16 != Fp16Mode::Off;  // conv and bias_act outputs rounded to half
        float v = half_io ? __fadd_rn(round_to_half(acc[c]), round_to_half(p.bias[c])) : __fadd_rn(acc[c], p.bias[c]);
        if (p.clamp >= 0.0f) v = v < -p.clamp ? -p.clamp : (v > p.clamp ? p.clamp : v);
        if (half_io) v = round_to_half(v);
        const std::int64_t plane_nc = static_cast<std::int64_t>(n) * C + c;
        if (p.skip) {
            // upsample2d: output oy reads padded-upsampled row oy + fy = 2 iy + 2, so fy has oy's
            // parity and iy = (oy + fy - 2) / 2; likewise for columns.
            const float* sp = p.skip + plane_nc * sh * sw;  // [H/2, W/2]
            float u = 0.0f;
            for (int fy = oy & 1; fy < 4; fy += 2) {
                const int iy = (oy + fy - 2) / 2;
                if (iy < 0 || iy >= sh) continue;
                for (int fx = ox & 1; fx < 4; fx += 2) {
                    const int ix = (ox + fx - 2) / 2;
                    if (ix >= 0 && ix < sw) u = fmaf(sp[iy * sw + ix], taps[fy][fx], u);
                }
            }
            v = __fadd_rn(u, v);
        }
        p.y[plane_nc * plane + q] = v;
    }
}

}  // namespace

void torgb(const ToRgbParams& p, Stream stream) {
    torgb_check(p);
    LF_CHECK(p.out_channels <= kMaxChannels, "torgb: ", p.out_channels,
             " output channels (the kernel supports at most ", kMaxChannels, ")");
    LF_CHECK(p.batch <= 65535, "torgb: batch ", p.batch, " too large (at most 65535)");
    const std::int64_t plane = static_cast<std::int64_t>(p.height) * p.width;
    const dim3 grid(static_cast<unsigned>((plane + kThreads - 1) / kThreads), static_cast<unsigned>(p.batch));
    simt::launch<torgb_kernel>(grid, dim3(kThreads), 0, stream, p);
}

}  // namespace lf::LF_KERNEL_NS
