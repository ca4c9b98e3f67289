// pool2d.cuh: the device side avg_pool2d.cu and max_pool2d.cu share: one thread per output element
// over the whole batch (grid-stride), each element reduce(plane, W, y0, y1, x0, x1) over its in-bounds
// window rows [y0, y1) and columns [x0, x1) of its (sample, channel) plane (row stride W), written
// into the output's channel slice; and the launch geometry. No __global__ functions here.
#pragma once

// clang-format off
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
// clang-format on

#include <algorithm>
#include <cstdint>

#include "kernels/ops/pool2d.h"

namespace lf::LF_KERNEL_NS::detail {

template <int kThreads, class Reduce>
__device__ __forceinline__ void pool2d_grid_stride(const Pool2dParams& p, int out_h, int out_w, Reduce reduce) {
    const std::int64_t total = static_cast<std::int64_t>(p.batch) * p.channels * out_h * out_w;
    const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * kThreads;
    for (std::int64_t e = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x; e < total;
         e += step) {
        const int ox = static_cast<int>(e % out_w);
        const int oy = static_cast<int>((e / out_w) % out_h);
        const std::int64_t nc = e / (static_cast<std::int64_t>(out_w) * out_h);
        const int c = static_cast<int>(nc % p.channels);
        const std::int64_t n = nc / p.channels;
        const float* plane = p.x + nc * p.height * p.width;  // [H, W]
        const int y0 = max(oy * p.stride_h - p.pad_h, 0),
                  y1 = min(oy * p.stride_h - p.pad_h + p.kernel_h, p.height);
        const int x0 = max(ox * p.stride_w - p.pad_w, 0),
                  x1 = min(ox * p.stride_w - p.pad_w + p.kernel_w, p.width);
        p.y[((n * p.y_channels + p.y_channel_offset + c) * out_h + oy) * out_w + ox] =
            reduce(plane, p.width, y0, y1, x0, x1);
    }
}

// Blocks of kThreads for the grid-stride loop over every output element (at most 2^20 blocks).
inline unsigned pool2d_blocks(const Pool2dParams& p, int threads) {
    const std::int64_t total = static_cast<std::int64_t>(p.batch) * p.channels * p.out_height() * p.out_width();
    return static_cast<unsigned>(std::min<std::int64_t>((total + threads - 1) / threads, 1 << 20));
}

}  // namespace lf::LF_KERNEL_NS::detail
