// conv2d_cpu.cpp: CPU backend of conv2d: im2col over row chunks, reading input pixel
// (y / upsample, x / upsample) so the nearest upsample never materializes, then SGEMM.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/core/error.h"
#include "kernels/ops/conv2d.h"

namespace lf {

void conv2d_check(const Conv2dParams& p) {
    LF_CHECK(p.x && p.weight && p.y, "conv2d: null tensor");
    LF_CHECK(p.batch > 0 && p.in_channels > 0 && p.out_channels > 0 && p.height > 0 && p.width > 0 && p.kernel > 0 &&
                 p.pad >= 0 && (p.upsample == 1 || p.upsample == 2),
             "conv2d: bad parameters");
    LF_CHECK(p.out_height() > 0 && p.out_width() > 0, "conv2d: empty output");
}

namespace cpu {

void conv2d(const Conv2dParams& p) {
    conv2d_check(p);
    const int I = p.in_channels, O = p.out_channels, k = p.kernel, kk = k * k, up = p.upsample;
    const int H = p.height, W = p.width, Hu = H * up, Wu = W * up;
    const int Ho = p.out_height(), Wo = p.out_width();
    const std::size_t in_plane = static_cast<std::size_t>(H) * W, out_plane = static_cast<std::size_t>(Ho) * Wo;
    const std::size_t row_bytes = static_cast<std::size_t>(I) * kk * Wo * sizeof(float);
    const int rows_per_chunk = std::max(1, static_cast<int>((8u << 20) / row_bytes));
    std::vector<float> cols;
    for (int n = 0; n < p.batch; ++n) {
        const float* xn = p.x + n * I * in_plane;  // [I, H, W]
        float* yn = p.y + n * O * out_plane;       // [O, Ho, Wo]
        for (int r0 = 0; r0 < Ho; r0 += rows_per_chunk) {
            const int rows = std::min(rows_per_chunk, Ho - r0);
            const int ncols = rows * Wo;
            cols.resize(static_cast<std::size_t>(I) * kk * ncols);
            for (int i = 0; i < I; ++i) {
                const float* plane = xn + i * in_plane;
                for (int ky = 0; ky < k; ++ky)
                    for (int kx = 0; kx < k; ++kx) {
                        float* dst = cols.data() + (static_cast<std::size_t>(i) * kk + ky * k + kx) * ncols;
                        for (int r = 0; r < rows; ++r) {
                            const int uy = r0 + r + ky - p.pad;  // row in the upsampled input
                            float* d = dst + r * Wo;
                            if (uy < 0 || uy >= Hu) {
                                std::fill(d, d + Wo, 0.0f);
                                continue;
                            }
                            const float* src = plane + (uy / up) * W;
                            for (int c = 0; c < Wo; ++c) {
                                const int ux = c + kx - p.pad;
                                d[c] = (ux >= 0 && ux < Wu) ? src[ux / up] : 0.0f;
                            }
                        }
                    }
            }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, O, ncols, I * kk, 1.0f, p.weight, I * kk,
                        cols.data(), ncols, 0.0f, yn + r0 * Wo, static_cast<int>(out_plane));
        }
        if (p.act == OutputActivation::Tanh)
            for (std::size_t q = 0; q < O * out_plane; ++q) yn[q] = std::tanh(yn[q]);
    }
}

}  // namespace cpu
}  // namespace lf
