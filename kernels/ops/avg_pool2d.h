// avg_pool2d.h: 2-D average pooling with count_include_pad=False (floor mode): each output is the sum
// of the in-bounds window elements in row-major order divided by their count, as
// torch.nn.functional.avg_pool2d(..., count_include_pad=False). InceptionV3 uses 3x3 stride 1 pad 1
// (the FIDInceptionA/C/E_1 pool branches) and a whole-map window (the global pool to the 2048-d
// pool3 features, and the spatial means of the 64/192/768-d block outputs).
// Entry points:
//   lf::cpu::avg_pool2d         the plain CPU twin (avg_pool2d_cpu.cpp)
//   lf::{emu,cuda}::avg_pool2d  one thread per output element (avg_pool2d.cu)
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream
#include "kernels/ops/pool2d.h"    // defines: Pool2dParams, pool2d_check

namespace lf {

using AvgPool2dParams = Pool2dParams;  // the shared geometry (pool2d.h)

// Throws lf::Error naming the first invalid field (every window must hold at least one input element).
void avg_pool2d_check(const AvgPool2dParams& p);

namespace cpu {
void avg_pool2d(const AvgPool2dParams& p);
}  // namespace cpu

namespace emu {
void avg_pool2d(const AvgPool2dParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void avg_pool2d(const AvgPool2dParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
