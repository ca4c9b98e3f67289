// torgb_cpu.cpp: CPU twin of torgb: per pixel, the 1x1 modulated conv, bias and clamp, then the
// upsampled skip image (upfirdn2d CPU backend) added, in the official order (img + torgb(x)).
#include <algorithm>
#include <vector>

#include "kernels/core/error.h"
#include "kernels/ops/torgb.h"
#include "kernels/ops/upfirdn2d.h"

namespace lf {

void torgb_check(const ToRgbParams& p) {
    LF_CHECK(p.x && p.weight && p.styles && p.bias && p.y, "torgb: null tensor");
    LF_CHECK(p.batch > 0 && p.in_channels > 0 && p.out_channels > 0 && p.height > 0 && p.width > 0,
             "torgb: empty shape");
    LF_CHECK(!p.skip || (p.filter && p.height % 2 == 0 && p.width % 2 == 0),
             "torgb: a skip image needs a filter and an even output size");
    LF_CHECK(p.fp16 != Fp16Mode::Fused || p.batch == 1, "torgb: the fp16 Fused mode needs batch 1, got ", p.batch);
}

namespace cpu {

void torgb(const ToRgbParams& p) {
    torgb_check(p);
    const int N = p.batch, I = p.in_channels, C = p.out_channels;
    const std::int64_t plane = static_cast<std::int64_t>(p.height) * p.width;
    std::vector<float> up;
    if (p.skip) {
        up.resize(static_cast<std::size_t>(N) * C * plane);
        Upfirdn2dParams f;
        f.x = p.skip;
        f.filter = p.filter;
        f.y = up.data();
        f.planes = static_cast<std::int64_t>(N) * C;
        f.height = p.height / 2;
        f.width = p.width / 2;
        f.filter_h = f.filter_w = 4;
        f.up = 2;
        f.pad_x0 = f.pad_y0 = 2;
        f.pad_x1 = f.pad_y1 = 1;
        f.gain = 4.0f;
        upfirdn2d(f);
    }
    std::vector<float> ws(static_cast<std::size_t>(C) * I);  // [C, I] modulated weights of one sample
    for (int n = 0; n < N; ++n) {
        for (int c = 0; c < C; ++c)
            for (int i = 0; i < I; ++i) {
                const float w = p.weight[c * I + i], si = p.styles[n * I + i];
                ws[c * I + i] = p.fp16 == Fp16Mode::Off        ? w * si
                                : p.fp16 == Fp16Mode::NonFused ? round_to_half(w)
                                                               : round_to_half(w * si);
            }
        const float* xn = p.x + static_cast<std::int64_t>(n) * I * plane;  // [I, H*W]
        for (int c = 0; c < C; ++c) {
            float* yc = p.y + (static_cast<std::int64_t>(n) * C + c) * plane;  // [H*W]
            std::fill(yc, yc + plane, 0.0f);
            for (int i = 0; i < I; ++i) {
                const float w = ws[c * I + i];
                const float* xi = xn + i * plane;
                if (p.fp16 == Fp16Mode::Off) {
                    for (std::int64_t q = 0; q < plane; ++q) yc[q] += w * xi[q];
                } else {  // the fp16 modes' input: half(half(x) * half(s)), or half(x) (Fused)
                    const float sh = round_to_half(p.styles[n * I + i]);
                    const float* s_half = p.fp16 == Fp16Mode::NonFused ? &sh : nullptr;
                    for (std::int64_t q = 0; q < plane; ++q) yc[q] += w * fp16_styled(xi[q], s_half);
                }
            }
            const float* uc = p.skip ? up.data() + (static_cast<std::int64_t>(n) * C + c) * plane : nullptr;
            const bool half_io = p.fp16 != Fp16Mode::Off;
            for (std::int64_t q = 0; q < plane; ++q) {
                float v = half_io ? round_to_half(yc[q]) + round_to_half(p.bias[c]) : yc[q] + p.bias[c];
                if (p.clamp >= 0.0f) v = std::clamp(v, -p.clamp, p.clamp);
                if (half_io) v = round_to_half(v);
                yc[q] = uc ? uc[q] + v : v;
            }
        }
    }
}

}  // namespace cpu
}  // namespace lf
