// device_memory.h: raw allocation and byte copies for any Device. The CUDA side uses the
// stream-ordered memory pool (cuda_memory_pool.h); a build without CUDA reports a clear error.
#pragma once

#include <cstddef>

#include "kernels/core/device.h"

namespace lf {

void* device_alloc(Device device, std::size_t bytes, Stream stream);
void device_free(Device device, void* ptr, Stream stream) noexcept;
void device_memset_zero(Device device, void* ptr, std::size_t bytes, Stream stream);
// Copies `bytes` from src (on src_device) to dst (on dst_device), ordered on `stream`; blocks the
// host until done when either side is the host.
void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, std::size_t bytes,
                Stream stream);

}  // namespace lf
