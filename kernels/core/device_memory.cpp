// device_memory.cpp: host allocations (64-byte aligned, large blocks cached for reuse and backed by
// transparent huge pages) and, with LF_WITH_CUDA, the CUDA pool and cudaMemcpyAsync for
// host<->device and device<->device copies.
#include "kernels/core/device_memory.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>

#include "kernels/core/error.h"

#ifdef LF_WITH_CUDA
#include "kernels/core/cuda_check.h"
#include "kernels/core/cuda_memory_pool.h"
#endif

namespace lf {
namespace {

constexpr std::size_t kHostAlignment = 64;
constexpr std::size_t kHostCacheMinBytes = 1u << 20;   // smaller blocks go straight to malloc
constexpr std::size_t kHostCacheMaxBytes = 1u << 30;   // at most this much stays cached
constexpr std::size_t kHugePageBytes = 2u << 20;       // blocks of 4 MiB or more: 2 MiB aligned

// A fresh large block: blocks of two huge pages or more are 2 MiB aligned and advised as
// MADV_HUGEPAGE (the kernel's THP mode is usually "madvise"), so first touches fault once per
// 2 MiB instead of once per 4 KiB page (a 2048^2 float64 matrix: 16 faults instead of 8192).
void* allocate_large(std::size_t rounded) {
    if (rounded < 2 * kHugePageBytes) return std::aligned_alloc(kHostAlignment, rounded);
    const std::size_t bytes = (rounded + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    void* p = std::aligned_alloc(kHugePageBytes, bytes);
    if (p != nullptr) (void)madvise(p, bytes, MADV_HUGEPAGE);  // advice only: failure is harmless
    return p;
}

// The host side of the memory pool: freed blocks of 1 MiB or more are kept by exact (rounded) size
// and handed out again, so the same-shaped tensors a network allocates every batch reuse memory
// instead of paying a fresh mmap and its page faults each time (glibc maps large blocks anew).
class HostCache {
public:
    void* get(std::size_t rounded) {
        if (rounded < kHostCacheMinBytes) return std::aligned_alloc(kHostAlignment, rounded);
        std::lock_guard<std::mutex> lock(mutex_);
        void* p = nullptr;
        if (auto it = free_.find(rounded); it != free_.end()) {
            p = it->second;
            free_.erase(it);
            cached_ -= rounded;
        } else {
            p = allocate_large(rounded);
            if (p == nullptr) return nullptr;
        }
        live_[p] = rounded;
        return p;
    }
    void put(void* p) noexcept {
        if (p == nullptr) return;
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = live_.find(p);
        if (it == live_.end()) {  // a small block
            std::free(p);
            return;
        }
        const std::size_t size = it->second;
        live_.erase(it);
        if (cached_ + size > kHostCacheMaxBytes) {
            std::free(p);
            return;
        }
        free_.emplace(size, p);
        cached_ += size;
    }

private:
    std::mutex mutex_;
    std::unordered_map<void*, std::size_t> live_;        // cached-size blocks in use -> size
    std::unordered_multimap<std::size_t, void*> free_;  // size -> cached free blocks
    std::size_t cached_ = 0;
};

HostCache& host_cache() {
    static HostCache* cache = new HostCache;  // never destroyed: tensors may outlive static teardown
    return *cache;
}

[[noreturn]] void no_cuda() {
    fail("this operation needs a CUDA device, but this lfgen was built without CUDA");
}

}  // namespace

void* device_alloc(Device device, std::size_t bytes, Stream stream) {
    if (device.is_cpu()) {
        const std::size_t rounded = (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
        void* p = host_cache().get(rounded);
        LF_CHECK(p != nullptr, "out of host memory allocating ", bytes, " bytes");
        return p;
    }
#ifdef LF_WITH_CUDA
    return cuda_pool::allocate(device.index, bytes, stream);
#else
    (void)stream;
    no_cuda();
#endif
}

void device_free(Device device, void* ptr, Stream stream) noexcept {
    if (device.is_cpu()) {
        host_cache().put(ptr);
        return;
    }
#ifdef LF_WITH_CUDA
    cuda_pool::release(device.index, ptr, stream);
#else
    (void)ptr;
    (void)stream;
#endif
}

void device_memset_zero(Device device, void* ptr, std::size_t bytes, Stream stream) {
    if (device.is_cpu()) {
        std::memset(ptr, 0, bytes);
        return;
    }
#ifdef LF_WITH_CUDA
    LF_CUDA_CHECK(cudaSetDevice(device.index));
    LF_CUDA_CHECK(cudaMemsetAsync(ptr, 0, bytes, stream));
#else
    (void)stream;
    no_cuda();
#endif
}

void copy_bytes(void* dst, Device dst_device, const void* src, Device src_device, std::size_t bytes,
                Stream stream) {
    if (bytes == 0) return;
    if (dst_device.is_cpu() && src_device.is_cpu()) {
        std::memcpy(dst, src, bytes);
        return;
    }
#ifdef LF_WITH_CUDA
    const cudaMemcpyKind kind = dst_device.is_cpu()   ? cudaMemcpyDeviceToHost
                                : src_device.is_cpu() ? cudaMemcpyHostToDevice
                                                      : cudaMemcpyDeviceToDevice;
    LF_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, kind, stream));
    if (kind != cudaMemcpyDeviceToDevice) LF_CUDA_CHECK(cudaStreamSynchronize(stream));
#else
    (void)stream;
    no_cuda();
#endif
}

}  // namespace lf
