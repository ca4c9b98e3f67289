// cuda_memory_pool.cpp: see cuda_memory_pool.h.
#include "kernels/core/cuda_memory_pool.h"

#include <cstdint>
#include <mutex>
#include <vector>

#include "kernels/core/cuda_check.h"

namespace lf::cuda_pool {
namespace {

std::mutex g_mutex;
std::vector<bool> g_configured;

void configure_once(int device_index) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_configured.size() <= static_cast<std::size_t>(device_index)) g_configured.resize(device_index + 1, false);
    if (g_configured[device_index]) return;
    cudaMemPool_t pool = nullptr;
    LF_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device_index));
    std::uint64_t threshold = UINT64_MAX;
    LF_CUDA_CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &threshold));
    g_configured[device_index] = true;
}

}  // namespace

void* allocate(int device_index, std::size_t bytes, Stream stream) {
    configure_once(device_index);
    LF_CUDA_CHECK(cudaSetDevice(device_index));
    void* ptr = nullptr;
    LF_CUDA_CHECK(cudaMallocAsync(&ptr, bytes, stream));
    return ptr;
}

void release(int device_index, void* ptr, Stream stream) noexcept {
    if (!ptr) return;
    cudaSetDevice(device_index);
    cudaFreeAsync(ptr, stream);  // errors here cannot be reported from a destructor
}

void trim(int device_index) {
    cudaMemPool_t pool = nullptr;
    LF_CUDA_CHECK(cudaDeviceGetDefaultMemPool(&pool, device_index));
    LF_CUDA_CHECK(cudaDeviceSynchronize());
    LF_CUDA_CHECK(cudaMemPoolTrimTo(pool, 0));
}

}  // namespace lf::cuda_pool
