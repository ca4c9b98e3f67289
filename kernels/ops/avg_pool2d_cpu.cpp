// avg_pool2d_cpu.cpp: the plain CPU twin of avg_pool2d (count_include_pad=False): the in-bounds
// window elements summed in row-major order, divided by their count (checks: pool2d_check); the
// (sample, channel) planes spread over the CPU thread pool.
#include "kernels/core/error.h"
#include "kernels/ops/avg_pool2d.h"

namespace lf {

void avg_pool2d_check(const AvgPool2dParams& p) { pool2d_check(p, "avg_pool2d"); }

namespace cpu {

void avg_pool2d(const AvgPool2dParams& p) {
    avg_pool2d_check(p);
    pool2d_each_window(p, [](const float* plane, int W, int y0, int y1, int x0, int x1) {
        float sum = 0.0f;
        for (int iy = y0; iy < y1; ++iy)
            for (int ix = x0; ix < x1; ++ix) sum += plane[static_cast<std::int64_t>(iy) * W + ix];
        return sum / static_cast<float>((y1 - y0) * (x1 - x0));
    });
}

}  // namespace cpu
}  // namespace lf
