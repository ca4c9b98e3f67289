// bilinear_resize.cu: torch-compatible bilinear resize (align_corners=False, no antialias) with the
// output affine map (pytorch-fid's 2x - 1). CPU twin: lf::cpu::bilinear_resize.
//
// v1 (this file): one thread per output pixel over (pixels, planes); the taps come from the same
// bilinear_tap() as the twin. Products and sums are explicit __fmul_rn / __fadd_rn so nvcc cannot
// contract them into FMAs: the GPU result is bit-identical to the twin as well.
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <algorithm>
#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/bilinear_resize.h"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kThreads = 256;

__device__ __forceinline__ float blend(float a, float wa, float b, float wb) {
    return __fadd_rn(__fmul_rn(a, wa), __fmul_rn(b, wb));
}

__global__ void __launch_bounds__(kThreads) bilinear_resize_kernel(BilinearResizeParams p) {
    const std::int64_t pixels = static_cast<std::int64_t>(p.out_height) * p.out_width;
    const std::int64_t q = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x;
    if (q >= pixels) return;
    const int oy = static_cast<int>(q / p.out_width), ox = static_cast<int>(q % p.out_width);
    const BilinearTap h = bilinear_tap(oy, p.height, p.out_height);
    const BilinearTap w = bilinear_tap(ox, p.width, p.out_width);
    const std::int64_t in_plane = static_cast<std::int64_t>(p.height) * p.width;
    for (std::int64_t c = blockIdx.y; c < p.planes; c += gridDim.y) {
        const float* r0 = p.x + c * in_plane + static_cast<std::int64_t>(h.i0) * p.width;
        const float* r1 = p.x + c * in_plane + static_cast<std::int64_t>(h.i1) * p.width;
        const float top = blend(r0[w.i0], w.l0, r0[w.i1], w.l1);
        const float bottom = blend(r1[w.i0], w.l0, r1[w.i1], w.l1);
        const float v = blend(top, h.l0, bottom, h.l1);
        p.y[c * pixels + q] = __fadd_rn(__fmul_rn(v, p.alpha), p.beta);
    }
}

}  // namespace

void bilinear_resize(const BilinearResizeParams& p, Stream stream) {
    bilinear_resize_check(p);
    if (p.planes == 0) return;
    const std::int64_t pixels = static_cast<std::int64_t>(p.out_height) * p.out_width;
    const dim3 grid(static_cast<unsigned>((pixels + kThreads - 1) / kThreads),
                    static_cast<unsigned>(std::min<std::int64_t>(p.planes, 65535)));
    simt::launch<bilinear_resize_kernel>(grid, dim3(kThreads), 0, stream, p);
}

}  // namespace lf::LF_KERNEL_NS
