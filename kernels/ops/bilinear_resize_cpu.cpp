// bilinear_resize_cpu.cpp: the plain CPU twin of bilinear_resize and the shared parameter check:
// per-axis taps from bilinear_tap(), then the separable blend in torch's order (width first within
// each of the two source rows, then height), then alpha / beta.
#include <vector>

#include "kernels/core/error.h"
#include "kernels/ops/bilinear_resize.h"

namespace lf {

void bilinear_resize_check(const BilinearResizeParams& p) {
    LF_CHECK(p.planes >= 0 && p.height > 0 && p.width > 0 && p.out_height > 0 && p.out_width > 0,
             "bilinear_resize: bad sizes planes=", p.planes, " ", p.height, "x", p.width, " -> ",
             p.out_height, "x", p.out_width);
    if (p.planes > 0) LF_CHECK(p.x && p.y, "bilinear_resize: null tensor");
}

namespace cpu {

void bilinear_resize(const BilinearResizeParams& p) {
    bilinear_resize_check(p);
    std::vector<BilinearTap> ty(p.out_height), tx(p.out_width);
    for (int i = 0; i < p.out_height; ++i) ty[i] = bilinear_tap(i, p.height, p.out_height);
    for (int i = 0; i < p.out_width; ++i) tx[i] = bilinear_tap(i, p.width, p.out_width);
    const std::int64_t in_plane = static_cast<std::int64_t>(p.height) * p.width;
    const std::int64_t out_plane = static_cast<std::int64_t>(p.out_height) * p.out_width;
    for (std::int64_t c = 0; c < p.planes; ++c) {
        const float* x = p.x + c * in_plane;
        float* y = p.y + c * out_plane;
        for (int oy = 0; oy < p.out_height; ++oy) {
            const BilinearTap h = ty[oy];
            const float* r0 = x + static_cast<std::int64_t>(h.i0) * p.width;
            const float* r1 = x + static_cast<std::int64_t>(h.i1) * p.width;
            for (int ox = 0; ox < p.out_width; ++ox) {
                const BilinearTap w = tx[ox];
                const float top = r0[w.i0] * w.l0 + r0[w.i1] * w.l1;
                const float bottom = r1[w.i0] * w.l0 + r1[w.i1] * w.l1;
                const float v = top * h.l0 + bottom * h.l1;
                y[static_cast<std::int64_t>(oy) * p.out_width + ox] = v * p.alpha + p.beta;
            }
        }
    }
}

}  // namespace cpu
}  // namespace lf
