// elementwise.cu: y <- x + y (the resnet block's skip + main path) as a grid-stride kernel, in the
// official operand order. CPU twin: lf::cpu::add (elementwise_cpu.cpp). v1 (this file).
// clang-format off: the SIMT compatibility header must stay the first include
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
// clang-format on

#include <algorithm>
#include <cstdint>

#include "kernels/core/error.h"
#include "kernels/ops/elementwise.h"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kThreads = 256;

__global__ void __launch_bounds__(kThreads) add_kernel(float* y,        // [n] in place
                                                       const float* x,  // [n]
                                                       std::int64_t n) {
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * kThreads + threadIdx.x; i < n;
         i += static_cast<std::int64_t>(gridDim.x) * kThreads)
        y[i] = x[i] + y[i];
}

}  // namespace

void add(const AddParams& p, Stream stream) {
    LF_CHECK(p.n >= 0 && (p.n == 0 || (p.x && p.y)), "add: bad parameters");
    if (p.n == 0) return;
    const unsigned blocks =
        static_cast<unsigned>(std::min<std::int64_t>((p.n + kThreads - 1) / kThreads, 8192));
    simt::launch<add_kernel>(dim3(blocks), dim3(kThreads), 0, stream, p.y, p.x, p.n);
}

}  // namespace lf::LF_KERNEL_NS
