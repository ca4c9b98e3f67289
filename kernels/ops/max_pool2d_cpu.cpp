// max_pool2d_cpu.cpp: the plain CPU twin of max_pool2d (checks: pool2d_check). Windows are scanned
// in row-major order keeping the first maximum; padding never wins (it is -inf).
#include <limits>

#include "kernels/core/error.h"
#include "kernels/ops/max_pool2d.h"

namespace lf {

void max_pool2d_check(const MaxPool2dParams& p) { pool2d_check(p, "max_pool2d"); }

namespace cpu {

void max_pool2d(const MaxPool2dParams& p) {
    max_pool2d_check(p);
    pool2d_each_window(p, [](const float* plane, int W, int y0, int y1, int x0, int x1) {
        float m = -std::numeric_limits<float>::infinity();
        for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix) {
                const float v = plane[static_cast<std::int64_t>(iy) * W + ix];
                if (v > m) m = v;
            }
        return m;
    });
}

}  // namespace cpu
}  // namespace lf
