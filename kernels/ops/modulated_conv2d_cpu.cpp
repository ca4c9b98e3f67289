// modulated_conv2d_cpu.cpp: CPU backend of modulated_conv2d (see the header). The style scaling is
// applied to the input, the shared weight goes through OpenBLAS SGEMM (so all samples reuse one
// weight matrix), and demodulation is applied to the output, which equals the official fused path
// up to float32 rounding.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/core/error.h"
#include "kernels/ops/modulated_conv2d.h"
#include "kernels/ops/upfirdn2d.h"

namespace lf {

void modulated_conv2d_check(const ModulatedConv2dParams& p) {
    LF_CHECK(p.x && p.weight && p.styles && p.y, "modulated_conv2d: null tensor");
    LF_CHECK(p.batch > 0 && p.in_channels > 0 && p.out_channels > 0 && p.height > 0 && p.width > 0,
             "modulated_conv2d: empty shape");
    LF_CHECK(p.kernel == 1 || p.kernel == 3, "modulated_conv2d: kernel ", p.kernel, " unsupported (1 or 3)");
    LF_CHECK(p.up == 1 || (p.up == 2 && p.kernel == 3 && p.resample_filter),
             "modulated_conv2d: up=", p.up, " needs kernel 3 and a resample filter");
    LF_CHECK(p.fp16 != Fp16Mode::Fused || p.batch == 1,
             "modulated_conv2d: the fp16 Fused mode needs batch 1, got ", p.batch);
}

namespace cpu {
namespace {

constexpr std::size_t kChunkBytes = 8u << 20;  // im2col / transposed-conv scratch per chunk

// Demodulation coefficients d[o] for one sample: rsqrt(sum_i wsq[o,i] s[i]^2 + 1e-8).
void demod_coefficients(const std::vector<float>& wsq, const float* s, int O, int I, float* d) {
    for (int o = 0; o < O; ++o) {
        float acc = 0.0f;
        for (int i = 0; i < I; ++i) acc += wsq[static_cast<std::size_t>(o) * I + i] * (s[i] * s[i]);
        d[o] = 1.0f / std::sqrt(acc + 1e-8f);
    }
}

// The styled input x * s as a float (Off), or as the fp16 modes round it: half(half(x) * s) with s
// already half, or half(x) for unit styles (s == nullptr, the Fused mode).
inline float styled(float x, const float* s, int i, Fp16Mode fp16) {
    if (fp16 == Fp16Mode::Off) return x * s[i];
    return fp16_styled(x, s ? s + i : nullptr);
}

// The operands of the fp16 modes (modulated_conv2d.h): pre-normalized float32 W and s, their half
// roundings, d [N, O] from the float32 ones, and in the Fused mode half(W s d).
struct Fp16Operands {
    std::vector<float> w32, w16, s32, s16, demod, wmod;
};

Fp16Operands fp16_operands(const ModulatedConv2dParams& p) {
    const int N = p.batch, O = p.out_channels, I = p.in_channels, taps = p.kernel * p.kernel, K = I * taps;
    Fp16Operands ops;
    ops.w32.resize(static_cast<std::size_t>(O) * K);
    ops.s32.resize(static_cast<std::size_t>(N) * I);
    const float weight_gain = static_cast<float>(1.0 / std::sqrt(static_cast<double>(K)));  // 1/sqrt(I k k)
    for (int o = 0; o < O; ++o) {
        const float* w = p.weight + static_cast<std::size_t>(o) * K;
        float m = 0.0f;
        for (int e = 0; e < K; ++e) m = std::max(m, std::fabs(w[e]));
        const float f = (1.0f / m) * weight_gain;  // torch's `c / max`: reciprocal(max) * c
        for (int e = 0; e < K; ++e) ops.w32[static_cast<std::size_t>(o) * K + e] = p.demodulate ? w[e] * f : w[e];
    }
    for (int n = 0; n < N; ++n) {
        const float* sn = p.styles + static_cast<std::size_t>(n) * I;
        float m = 0.0f;
        for (int i = 0; i < I; ++i) m = std::max(m, std::fabs(sn[i]));
        for (int i = 0; i < I; ++i) ops.s32[static_cast<std::size_t>(n) * I + i] = p.demodulate ? sn[i] / m : sn[i];
    }
    for (float v : ops.w32) ops.w16.push_back(round_to_half(v));
    for (float v : ops.s32) ops.s16.push_back(round_to_half(v));
    if (p.demodulate) {
        std::vector<float> wsq(static_cast<std::size_t>(O) * I, 0.0f);
        for (std::size_t oi = 0; oi < wsq.size(); ++oi)
            for (int t = 0; t < taps; ++t) wsq[oi] += ops.w32[oi * taps + t] * ops.w32[oi * taps + t];
        ops.demod.resize(static_cast<std::size_t>(N) * O);
        for (int n = 0; n < N; ++n)
            demod_coefficients(wsq, ops.s32.data() + static_cast<std::size_t>(n) * I, O, I,
                               ops.demod.data() + static_cast<std::size_t>(n) * O);
    }
    if (p.fp16 == Fp16Mode::Fused) {
        ops.wmod.resize(ops.w32.size());
        for (std::size_t e = 0; e < ops.w32.size(); ++e) {
            float v = ops.w32[e] * ops.s32[e / taps % I];
            if (p.demodulate) v *= ops.demod[e / K];
            ops.wmod[e] = round_to_half(v);
        }
    }
    return ops;
}

// 'same' convolution of (x * s) [I, H, W] with W [O, I*k*k] into out [O, H*W] (row chunks,
// im2col with the style scaling, styled(), fused into the gather). For k = 1, `x` must already be
// scaled.
void conv_same(const float* x, const float* s, const float* w, int I, int O, int H, int W, int k, float* out,
               std::vector<float>& cols, Fp16Mode fp16) {
    const int kk = k * k, pad = k / 2;
    const std::size_t row_bytes = static_cast<std::size_t>(I) * kk * W * sizeof(float);
    const int rows_per_chunk = std::max(1, static_cast<int>(kChunkBytes / std::max<std::size_t>(row_bytes, 1)));
    for (int r0 = 0; r0 < H; r0 += rows_per_chunk) {
        const int rows = std::min(rows_per_chunk, H - r0);
        const int ncols = rows * W;
        if (k == 1) {
            // A 1x1 conv needs no im2col: the chunk is a column block of xs.
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, O, ncols, I, 1.0f, w, I, x + r0 * W,
                        H * W, 0.0f, out + r0 * W, H * W);
            continue;
        }
        cols.resize(static_cast<std::size_t>(I) * kk * ncols);
        for (int i = 0; i < I; ++i) {
            const float* plane = x + static_cast<std::size_t>(i) * H * W;  // [H, W]
            for (int ky = 0; ky < k; ++ky) {
                for (int kx = 0; kx < k; ++kx) {
                    float* dst = cols.data() + (static_cast<std::size_t>(i) * kk + ky * k + kx) * ncols;
                    for (int r = 0; r < rows; ++r) {
                        const int iy = r0 + r + ky - pad;
                        float* d = dst + r * W;
                        if (iy < 0 || iy >= H) {
                            std::fill(d, d + W, 0.0f);
                            continue;
                        }
                        const float* src = plane + iy * W;
                        const int x0 = std::max(0, pad - kx), x1 = std::min(W, W + pad - kx);
                        for (int c = 0; c < x0; ++c) d[c] = 0.0f;
                        if (fp16 == Fp16Mode::Off) {
                            const float si = s[i];
                            for (int c = x0; c < x1; ++c) d[c] = src[c + kx - pad] * si;
                        } else {
                            for (int c = x0; c < x1; ++c) d[c] = styled(src[c + kx - pad], s, i, fp16);
                        }
                        for (int c = x1; c < W; ++c) d[c] = 0.0f;
                    }
                }
            }
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, O, ncols, I * kk, 1.0f, w, I * kk, cols.data(),
                    ncols, 0.0f, out + r0 * W, H * W);
    }
}

// Stride-2 transposed conv (padding 0, unflipped W) of xs [I, H, W] into z [O, 2H+1, 2W+1]:
// z[o, 2a+ky, 2b+kx] += sum_i W[o,i,ky,kx] xs[i,a,b]. wt is W rearranged to [O*9, I].
void conv_transpose_stride2(const float* xs, const float* wt, int I, int O, int H, int W, float* z,
                            std::vector<float>& t) {
    const int zh = 2 * H + 1, zw = 2 * W + 1;
    std::fill(z, z + static_cast<std::size_t>(O) * zh * zw, 0.0f);  // odd rows/cols get 2 of 4 taps
    const std::size_t row_bytes = static_cast<std::size_t>(O) * 9 * W * sizeof(float);
    const int rows_per_chunk = std::max(1, static_cast<int>(kChunkBytes / row_bytes));
    for (int r0 = 0; r0 < H; r0 += rows_per_chunk) {
        const int rows = std::min(rows_per_chunk, H - r0);
        const int ncols = rows * W;
        t.resize(static_cast<std::size_t>(O) * 9 * ncols);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, O * 9, ncols, I, 1.0f, wt, I, xs + r0 * W, H * W,
                    0.0f, t.data(), ncols);
        for (int o = 0; o < O; ++o) {
            float* zo = z + static_cast<std::size_t>(o) * zh * zw;  // [2H+1, 2W+1]
            for (int ky = 0; ky < 3; ++ky) {
                for (int kx = 0; kx < 3; ++kx) {
                    const float* src = t.data() + (static_cast<std::size_t>(o) * 9 + ky * 3 + kx) * ncols;
                    for (int r = 0; r < rows; ++r) {
                        float* zrow = zo + (2 * (r0 + r) + ky) * zw + kx;
                        const float* srow = src + r * W;
                        for (int b = 0; b < W; ++b) zrow[2 * b] += srow[b];
                    }
                }
            }
        }
    }
}

}  // namespace

void modulated_conv2d(const ModulatedConv2dParams& p) {
    modulated_conv2d_check(p);
    const int N = p.batch, I = p.in_channels, O = p.out_channels, H = p.height, W = p.width, k = p.kernel;
    const int kk = k * k;
    const int Ho = H * p.up, Wo = W * p.up;
    const std::size_t in_plane = static_cast<std::size_t>(H) * W, out_plane = static_cast<std::size_t>(Ho) * Wo;
    const Fp16Mode fp16 = p.fp16;

    // The operands the conv reads: as given, or the fp16 modes' (styles nullptr: unit styles).
    Fp16Operands ops;
    const float* weight = p.weight;   // [O, I*k*k]
    const float* styles = p.styles;   // [N, I]
    if (fp16 != Fp16Mode::Off) {
        ops = fp16_operands(p);
        weight = fp16 == Fp16Mode::NonFused ? ops.w16.data() : ops.wmod.data();
        styles = fp16 == Fp16Mode::NonFused ? ops.s16.data() : nullptr;
    }
    const bool epilogue_demod = p.demodulate && fp16 != Fp16Mode::Fused;  // Fused: d is in the weights

    std::vector<float> wsq;  // [O, I] sum over taps of W^2
    if (p.demodulate && fp16 == Fp16Mode::Off) {
        wsq.assign(static_cast<std::size_t>(O) * I, 0.0f);
        for (std::size_t oi = 0; oi < wsq.size(); ++oi)
            for (int t = 0; t < kk; ++t) wsq[oi] += p.weight[oi * kk + t] * p.weight[oi * kk + t];
    }
    std::vector<float> wt;  // [O*9, I] for the transposed conv
    if (p.up == 2) {
        wt.resize(static_cast<std::size_t>(O) * 9 * I);
        for (int o = 0; o < O; ++o)
            for (int i = 0; i < I; ++i)
                for (int t = 0; t < 9; ++t)
                    wt[(static_cast<std::size_t>(o) * 9 + t) * I + i] = weight[(static_cast<std::size_t>(o) * I + i) * 9 + t];
    }
    std::vector<float> xs;  // [I, H, W] style-scaled input (up = 2 and 1x1 paths)
    if (p.up == 2 || k == 1) xs.resize(static_cast<std::size_t>(I) * in_plane);
    std::vector<float> scratch, z, d(static_cast<std::size_t>(O), 1.0f);
    if (p.up == 2) z.resize(static_cast<std::size_t>(O) * (2 * H + 1) * (2 * W + 1));

    for (int n = 0; n < N; ++n) {
        const float* s = styles ? styles + static_cast<std::size_t>(n) * I : nullptr;  // [I]
        const float* xn = p.x + static_cast<std::size_t>(n) * I * in_plane;
        const bool fused_scale = p.up == 1 && k == 3;  // im2col applies the styles itself
        if (!fused_scale) {
            for (int i = 0; i < I; ++i)
                for (std::size_t q = 0; q < in_plane; ++q)
                    xs[i * in_plane + q] = styled(xn[i * in_plane + q], s, i, fp16);
        }
        float* yn = p.y + static_cast<std::size_t>(n) * O * out_plane;  // [O, Ho, Wo]
        if (p.up == 1) {
            conv_same(fused_scale ? xn : xs.data(), s, weight, I, O, H, W, k, yn, scratch, fp16);
        } else {
            conv_transpose_stride2(xs.data(), wt.data(), I, O, H, W, z.data(), scratch);
            if (fp16 != Fp16Mode::Off)  // the transposed conv's output is a half tensor
                for (float& v : z) v = round_to_half(v);
            Upfirdn2dParams f;
            f.x = z.data();
            f.filter = p.resample_filter;
            f.y = yn;
            f.planes = O;
            f.height = 2 * H + 1;
            f.width = 2 * W + 1;
            f.filter_h = f.filter_w = 4;
            f.pad_x0 = f.pad_x1 = f.pad_y0 = f.pad_y1 = 1;
            f.gain = 4.0f;
            upfirdn2d(f);
        }
        if (epilogue_demod) {
            if (fp16 == Fp16Mode::Off)
                demod_coefficients(wsq, s, O, I, d.data());
            else
                std::copy_n(ops.demod.data() + static_cast<std::size_t>(n) * O, O, d.data());
        }
        const float* noise = p.noise ? p.noise + n * p.noise_batch_stride : nullptr;  // [Ho, Wo]
        // Epilogue, one pass: demodulate, add noise * strength, bias, activation, gain, clamp (the
        // fp16 modes round each op's output to half, see modulated_conv2d.h).
        const bool lrelu = p.act == Activation::LRelu, clamp = p.clamp >= 0.0f;
        for (int o = 0; o < O; ++o) {
            float* plane = yn + o * out_plane;
            const float dn = d[o], b = p.bias ? p.bias[o] : 0.0f;
            const float dh = round_to_half(dn), bh = round_to_half(b);
            for (std::size_t q = 0; q < out_plane; ++q) {
                float v = plane[q];
                const float nz = noise ? noise[q] * p.noise_strength : 0.0f;
                if (fp16 == Fp16Mode::Off) {
                    if (p.demodulate) v *= dn;
                    if (noise) v += nz;
                    v += b;
                } else {
                    v = round_to_half(v);
                    if (fp16 == Fp16Mode::Fused) {
                        if (noise) v = round_to_half(v + nz);
                    } else if (p.demodulate) {
                        v = round_to_half(std::fma(v, dh, round_to_half(nz)));
                    } else if (noise) {
                        v = round_to_half(v + round_to_half(nz));
                    }
                    v += bh;
                }
                if (lrelu && v < 0.0f) v *= 0.2f;
                v *= p.act_gain;
                if (clamp) v = std::clamp(v, -p.clamp, p.clamp);
                plane[q] = fp16 == Fp16Mode::Off ? v : round_to_half(v);
            }
        }
    }
}

}  // namespace cpu
}  // namespace lf
