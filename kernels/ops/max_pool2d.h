// max_pool2d.h: 2-D max pooling (floor mode; padding counts as -inf, as torch.nn.functional.max_pool2d),
// written into a channel slice of a wider output. InceptionV3 uses 3x3 stride 2 (stem, Mixed_6a,
// Mixed_7a, whose pooled branch lands in its slice of the block output) and 3x3 stride 1 pad 1
// (FIDInceptionE_2, Mixed_7c).
// Entry points:
//   lf::cpu::max_pool2d         the plain CPU twin (max_pool2d_cpu.cpp)
//   lf::{emu,cuda}::max_pool2d  one thread per output element (max_pool2d.cu)
#pragma once

#include <cstdint>

#include "kernels/core/device.h"  // defines: lf::Stream
#include "kernels/ops/pool2d.h"    // defines: Pool2dParams, pool2d_check

namespace lf {

using MaxPool2dParams = Pool2dParams;  // the shared geometry (pool2d.h)

// Throws lf::Error naming the first invalid field.
void max_pool2d_check(const MaxPool2dParams& p);

namespace cpu {
void max_pool2d(const MaxPool2dParams& p);
}  // namespace cpu

namespace emu {
void max_pool2d(const MaxPool2dParams& p, Stream stream = nullptr);
}  // namespace emu

namespace cuda {
void max_pool2d(const MaxPool2dParams& p, Stream stream = nullptr);
}  // namespace cuda

}  // namespace lf
