// upfirdn2d_cpu.cpp: CPU backend of upfirdn2d. Each plane is zero-upsampled and padded (negative
// padding crops) into a scratch buffer, then filtered as a 'valid' correlation with the flipped,
// gain-scaled filter and downsampled. A rank-1 filter (the [1,3,3,1] outer product StyleGAN2 uses)
// runs as two 1-D passes; this changes only float32 summation order versus the 2-D reference.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/core/error.h"
#include "kernels/ops/upfirdn2d.h"

namespace lf::cpu {
namespace {

// Splits g [fh, fw] into col[fh] x row[fw] when it is rank 1 (to float32 precision).
bool split_separable(const std::vector<float>& g, int fh, int fw, std::vector<float>& col, std::vector<float>& row) {
    int pr = 0, pc = 0;
    for (int i = 0; i < fh * fw; ++i)
        if (std::fabs(g[i]) > std::fabs(g[pr * fw + pc])) pr = i / fw, pc = i % fw;
    const float pivot = g[pr * fw + pc];
    if (pivot == 0.0f) return false;
    col.resize(fh);
    row.resize(fw);
    for (int y = 0; y < fh; ++y) col[y] = g[y * fw + pc];
    for (int x = 0; x < fw; ++x) row[x] = g[pr * fw + x] / pivot;
    for (int y = 0; y < fh; ++y)
        for (int x = 0; x < fw; ++x)
            if (std::fabs(col[y] * row[x] - g[y * fw + x]) > 1e-7f * std::fabs(pivot)) return false;
    return true;
}

}  // namespace

void upfirdn2d(const Upfirdn2dParams& p) {
    const int ho = p.out_height(), wo = p.out_width();
    LF_CHECK(p.up >= 1 && p.down >= 1 && p.filter_h >= 1 && p.filter_w >= 1, "upfirdn2d: bad parameters");
    LF_CHECK(ho > 0 && wo > 0, "upfirdn2d: empty output for a ", p.height, "x", p.width, " input");
    const int fh = p.filter_h, fw = p.filter_w;
    // Correlation taps: the filter flipped (true convolution) unless flip_filter, times gain.
    std::vector<float> g(static_cast<std::size_t>(fh) * fw);
    for (int y = 0; y < fh; ++y)
        for (int x = 0; x < fw; ++x)
            g[y * fw + x] = p.gain * (p.flip_filter ? p.filter[y * fw + x] : p.filter[(fh - 1 - y) * fw + (fw - 1 - x)]);
    std::vector<float> col, row;
    const bool separable = split_separable(g, fh, fw, col, row);

    // Padded, upsampled plane U [hp, wp]; only rows/cols that the output reads are needed.
    const int hp = (ho - 1) * p.down + fh, wp = (wo - 1) * p.down + fw;
    std::vector<float> u(static_cast<std::size_t>(hp) * wp), tmp(separable ? static_cast<std::size_t>(hp) * wo : 0);
    for (std::int64_t b = 0; b < p.planes; ++b) {
        const float* in = p.x + b * p.height * p.width;  // [H, W]
        float* out = p.y + b * ho * wo;                 // [Ho, Wo]
        std::fill(u.begin(), u.end(), 0.0f);
        for (int iy = 0; iy < p.height; ++iy) {
            const int uy = iy * p.up + p.pad_y0;
            if (uy < 0 || uy >= hp) continue;
            for (int ix = 0; ix < p.width; ++ix) {
                const int ux = ix * p.up + p.pad_x0;
                if (ux >= 0 && ux < wp) u[static_cast<std::size_t>(uy) * wp + ux] = in[iy * p.width + ix];
            }
        }
        if (separable) {
            for (int y = 0; y < hp; ++y) {  // horizontal pass: tmp [hp, wo]
                const float* ur = u.data() + static_cast<std::size_t>(y) * wp;
                float* tr = tmp.data() + static_cast<std::size_t>(y) * wo;
                for (int ox = 0; ox < wo; ++ox) {
                    const float* src = ur + ox * p.down;
                    float acc = 0.0f;
                    for (int fx = 0; fx < fw; ++fx) acc += src[fx] * row[fx];
                    tr[ox] = acc;
                }
            }
            for (int oy = 0; oy < ho; ++oy) {  // vertical pass
                float* orow = out + oy * wo;
                std::fill(orow, orow + wo, 0.0f);
                for (int fy = 0; fy < fh; ++fy) {
                    const float* tr = tmp.data() + static_cast<std::size_t>(oy * p.down + fy) * wo;
                    const float c = col[fy];
                    for (int ox = 0; ox < wo; ++ox) orow[ox] += tr[ox] * c;
                }
            }
        } else {
            for (int oy = 0; oy < ho; ++oy) {
                float* orow = out + oy * wo;
                std::fill(orow, orow + wo, 0.0f);
                for (int fy = 0; fy < fh; ++fy) {
                    const float* ur = u.data() + static_cast<std::size_t>(oy * p.down + fy) * wp;
                    for (int fx = 0; fx < fw; ++fx) {
                        const float t = g[fy * fw + fx];
                        if (t == 0.0f) continue;
                        for (int ox = 0; ox < wo; ++ox) orow[ox] += ur[ox * p.down + fx] * t;
                    }
                }
            }
        }
    }
}

}  // namespace lf::cpu
