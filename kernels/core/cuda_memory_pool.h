// cuda_memory_pool.h: the stream-ordered CUDA allocator behind device tensors. Each device's
// default cudaMemPool is configured once (release threshold = keep everything cached, so
// steady-state pipelines do not hit cudaMalloc) and used through cudaMallocAsync/cudaFreeAsync
// on the caller's stream. Only compiled with LF_WITH_CUDA.
#pragma once

#include <cstddef>

#include "kernels/core/device.h"

namespace lf::cuda_pool {

void* allocate(int device_index, std::size_t bytes, Stream stream);
void release(int device_index, void* ptr, Stream stream) noexcept;
// Returns cached bytes to the driver (e.g. before a large cuSOLVER workspace).
void trim(int device_index);

}  // namespace lf::cuda_pool
