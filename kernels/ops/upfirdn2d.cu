// upfirdn2d.cu: general upfirdn2d (zero-insertion upsample, pad/crop, FIR as a true convolution,
// downsample) per plane, any up/down >= 1, any padding (negative crops), any filter size, flip_filter
// and gain, as stylegan2-ada-pytorch. CPU twin: lf::cpu::upfirdn2d (upfirdn2d_cpu.cpp).
//
// v1 (this file): one thread per output pixel, 256 threads per block, blocks over (pixels, planes);
// the gain-scaled correlation taps g = gain * flip(f) (unless flip_filter) are staged in dynamic
// shared memory, and each output gathers only the taps that hit an input sample (zero-insertion taps
// are skipped: for up=2 a 4x4 filter costs 2x2 loads per output). Accumulation in fp32, taps in
// row-major order. Inputs are read through the cache (planes are small next to the convs).
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <algorithm>
#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/upfirdn2d.h"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kThreads = 256;
constexpr int kMaxTaps = 12 * 1024;  // 48 KiB of dynamic shared memory

// Smallest f >= 0 with (base + f) % up == 0.
__device__ __forceinline__ int first_hit(int base, int up) {
    const int r = base % up;  // in (-up, up)
    return r == 0 ? 0 : (r > 0 ? up - r : -r);
}

__global__ void __launch_bounds__(kThreads) upfirdn2d_kernel(Upfirdn2dParams p, int out_h, int out_w) {
    LF_DYNAMIC_SHARED(float, taps);  // [fh, fw] correlation taps: gain * filter (flipped unless flip_filter)
    const int fh = p.filter_h, fw = p.filter_w, ntaps = fh * fw;
    for (int e = static_cast<int>(threadIdx.x); e < ntaps; e += kThreads) {
        const int y = e / fw, x = e % fw;
        const float f = p.flip_filter ? p.filter[e] : p.filter[(fh - 1 - y) * fw + (fw - 1 - x)];
        taps[e] = __fmul_rn(p.gain, f);
    }
    __syncthreads();

    const std::int64_t pixels = static_cast<std::int64_t>(out_h) * out_w;
    const std::int64_t q = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x;
    if (q >= pixels) return;
    const int oy = static_cast<int>(q / out_w), ox = static_cast<int>(q % out_w);
    // Output (oy, ox) reads the padded upsampled plane at (oy * down + fy, ox * down + fx), which
    // holds input (iy, ix) where iy * up + pad_y0 = oy * down + fy.
    const int by = oy * p.down - p.pad_y0, bx = ox * p.down - p.pad_x0;
    const int fy0 = first_hit(by, p.up), fx0 = first_hit(bx, p.up);
    for (std::int64_t plane = blockIdx.y; plane < p.planes; plane += gridDim.y) {
        const float* in = p.x + plane * p.height * p.width;  // [H, W]
        float acc = 0.0f;
        for (int fy = fy0; fy < fh; fy += p.up) {
            const int iy = (by + fy) / p.up;
            if (iy < 0 || iy >= p.height) continue;
            const float* row = in + static_cast<std::int64_t>(iy) * p.width;
            for (int fx = fx0; fx < fw; fx += p.up) {
                const int ix = (bx + fx) / p.up;
                if (ix < 0 || ix >= p.width) continue;
                acc = fmaf(row[ix], taps[fy * fw + fx], acc);
            }
        }
        p.y[plane * pixels + q] = acc;
    }
}

}  // namespace

void upfirdn2d(const Upfirdn2dParams& p, Stream stream) {
    LF_CHECK(p.x && p.filter && p.y, "upfirdn2d: null tensor");
    LF_CHECK(p.up >= 1 && p.down >= 1 && p.filter_h >= 1 && p.filter_w >= 1 && p.planes >= 0 &&
                 p.height > 0 && p.width > 0,
             "upfirdn2d: bad parameters");
    const int ho = p.out_height(), wo = p.out_width();
    LF_CHECK(ho > 0 && wo > 0, "upfirdn2d: empty output for a ", p.height, "x", p.width, " input");
    LF_CHECK(p.filter_h * p.filter_w <= kMaxTaps, "upfirdn2d: filter ", p.filter_h, "x", p.filter_w,
             " too large (at most ", kMaxTaps, " taps)");
    if (p.planes == 0) return;
    const std::int64_t pixels = static_cast<std::int64_t>(ho) * wo;
    LF_CHECK((pixels + kThreads - 1) / kThreads <= 2147483647, "upfirdn2d: output plane too large");
    const dim3 grid(static_cast<unsigned>((pixels + kThreads - 1) / kThreads),
                    static_cast<unsigned>(std::min<std::int64_t>(p.planes, 65535)));
    const std::size_t shared = static_cast<std::size_t>(p.filter_h) * p.filter_w * sizeof(float);
    simt::launch<upfirdn2d_kernel>(grid, dim3(kThreads), shared, stream, p, ho, wo);
}

}  // namespace lf::LF_KERNEL_NS
