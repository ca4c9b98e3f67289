// launch.h: the one kernel-launch helper for both builds. Include it (after cuda_compat.h) in a .cu
// file and launch every kernel with
//     lf::simt::launch<my_kernel>(grid, block, shared_bytes, stream, args...);
//     lf::simt::launch<my_kernel<16, 4>>(...);   // template kernels need no parentheses or macros
// nvcc: `my_kernel<<<grid, block, shared_bytes, stream>>>(args...)` followed by LF_CUDA_CHECK_LAUNCH().
// g++:  the SIMT emulation runs the grid synchronously (the stream is ignored) and records the
//       kernel's name for the coverage check.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "kernels/core/device.h"  // defines: lf::Stream
#include "kernels/simt/cuda_compat.h"

#ifdef __CUDACC__
#include "kernels/core/cuda_check.h"  // defines: LF_CUDA_CHECK_LAUNCH
#else
#include "kernels/simt/runtime.h"
#endif

namespace lf::simt {

template <auto Kernel, typename... Args>
void launch(dim3 grid, dim3 block, std::size_t shared_bytes, ::lf::Stream stream, Args&&... args) {
#ifdef __CUDACC__
    Kernel<<<grid, block, shared_bytes, stream>>>(std::forward<Args>(args)...);
    LF_CUDA_CHECK_LAUNCH();
#else
    (void)stream;
    static const std::string name = detail::kernel_name_from_signature(__PRETTY_FUNCTION__);
    // Arguments are copied once, like CUDA's parameter buffer; every emulated thread then calls
    // the kernel with its own by-value copies of the parameters.
    using Bound = std::tuple<std::decay_t<Args>...>;
    Bound bound(std::forward<Args>(args)...);
    const LaunchShape shape{{grid.x, grid.y, grid.z}, {block.x, block.y, block.z}, shared_bytes};
    detail::launch(name.c_str(), shape,
                   [](void* p) { std::apply([](const auto&... a) { Kernel(a...); }, *static_cast<Bound*>(p)); },
                   &bound);
#endif
}

}  // namespace lf::simt
