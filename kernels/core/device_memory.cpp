// device_memory.cpp: host allocations (64-byte aligned) and, with LF_WITH_CUDA, the CUDA pool and
// cudaMemcpyAsync for host<->device and device<->device copies.
#include "kernels/core/device_memory.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels/core/error.h"

#ifdef LF_WITH_CUDA
#include "kernels/core/cuda_check.h"
#include "kernels/core/cuda_memory_pool.h"
#endif

namespace lf {
namespace {

constexpr std::size_t kHostAlignment = 64;

[[noreturn]] void no_cuda() {
    fail("this operation needs a CUDA device, but this lfgen was built without CUDA");
}

}  // namespace

void* device_alloc(Device device, std::size_t bytes, Stream stream) {
    if (device.is_cpu()) {
        const std::size_t rounded = (bytes + kHostAlignment - 1) / kHostAlignment * kHostAlignment;
        void* p = std::aligned_alloc(kHostAlignment, rounded);
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
        std::free(ptr);
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
