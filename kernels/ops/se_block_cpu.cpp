// se_block_cpu.cpp: CPU twin of se_block (plain loops; the matrices are small).
#include <cmath>
#include <vector>

#include "kernels/core/error.h"
#include "kernels/ops/se_block.h"

namespace lf {

void se_block_check(const SeBlockParams& p) {
    LF_CHECK(p.small && p.big && p.w1 && p.w2 && p.batch > 0 && p.small_channels > 0 && p.big_channels > 0 &&
                 p.big_plane > 0,
             "se_block: bad parameters");
    LF_CHECK(p.small_height >= 4 && p.small_width >= 4 && p.small_height % 4 == 0 && p.small_width % 4 == 0,
             "se_block: the small input (", p.small_height, "x", p.small_width, ") must be a multiple of 4");
}

namespace cpu {

void se_block(const SeBlockParams& p) {
    se_block_check(p);
    const int Cs = p.small_channels, Cb = p.big_channels;
    const int bh = p.small_height / 4, bw = p.small_width / 4;
    std::vector<float> pooled(static_cast<std::size_t>(Cs) * 16), hidden(Cb);
    for (int n = 0; n < p.batch; ++n) {
        const float* s = p.small + static_cast<std::int64_t>(n) * Cs * p.small_height * p.small_width;
        for (int c = 0; c < Cs; ++c)
            for (int oy = 0; oy < 4; ++oy)
                for (int ox = 0; ox < 4; ++ox) {
                    float acc = 0.0f;
                    for (int y = 0; y < bh; ++y)
                        for (int x = 0; x < bw; ++x)
                            acc += s[(c * p.small_height + oy * bh + y) * p.small_width + ox * bw + x];
                    pooled[c * 16 + oy * 4 + ox] = acc / static_cast<float>(bh * bw);
                }
        for (int o = 0; o < Cb; ++o) {  // 4x4 valid conv = dot product over [Cs, 4, 4], then swish
            float acc = 0.0f;
            for (int j = 0; j < Cs * 16; ++j) acc += p.w1[static_cast<std::int64_t>(o) * Cs * 16 + j] * pooled[j];
            hidden[o] = acc * (1.0f / (1.0f + std::exp(-acc)));
        }
        for (int o = 0; o < Cb; ++o) {  // 1x1 conv, sigmoid, channel scaling
            float acc = 0.0f;
            for (int j = 0; j < Cb; ++j) acc += p.w2[static_cast<std::int64_t>(o) * Cb + j] * hidden[j];
            const float gate = 1.0f / (1.0f + std::exp(-acc));
            float* plane = p.big + (static_cast<std::int64_t>(n) * Cb + o) * p.big_plane;
            for (std::int64_t q = 0; q < p.big_plane; ++q) plane[q] *= gate;
        }
    }
}

}  // namespace cpu
}  // namespace lf
