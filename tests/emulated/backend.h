// backend.h: lets one test source run a kernel on either backend. Compiled twice by
// tests/emulated/CMakeLists.txt:
//   lf_emulated_tests (label emulated): LF_TEST_ON_GPU=0, entry points lf::emu::, host memory,
//                                       every test runs under several SIMT schedules
//   lf_gpu_tests      (label gpu):      LF_TEST_ON_GPU=1, entry points lf::cuda::, device memory;
//                                       skips with one line when there is no CUDA build or device
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "kernels/core/device.h"
#include "kernels/core/device_memory.h"

#if !LF_TEST_ON_GPU
#include "kernels/simt/runtime.h"
#endif

// The namespace of the entry points under test: lf::LF_TEST_NS::gemm_tiled(...).
#if LF_TEST_ON_GPU
#define LF_TEST_NS cuda
#else
#define LF_TEST_NS emu
#endif

namespace lf::test {

// Why the backend cannot run here, or nothing.
inline std::optional<std::string> backend_unavailable() {
#if !LF_TEST_ON_GPU
    return std::nullopt;
#elif !defined(LF_WITH_CUDA)
    return std::string("build has no CUDA (LF_WITH_CUDA is off)");
#else
    if (cuda_device_count() == 0) return std::string("no CUDA device");
    return std::nullopt;
#endif
}

// Skips the calling test with a one-line reason when the backend cannot run.
#define LF_REQUIRE_BACKEND()                                                     \
    do {                                                                         \
        if (auto lf_reason_ = ::lf::test::backend_unavailable()) GTEST_SKIP() << *lf_reason_; \
    } while (0)

// Memory the kernel reads and writes. Emulated: a heap block of exactly n elements, so
// AddressSanitizer reports any access past it. GPU: device memory of CUDA device 0.
template <typename T>
class DeviceBuffer {
public:
    explicit DeviceBuffer(const std::vector<T>& host) : n_(host.size()) {
#if LF_TEST_ON_GPU
        ptr_ = static_cast<T*>(device_alloc(kDevice, bytes(), nullptr));
        copy_bytes(ptr_, kDevice, host.data(), Device::cpu(), bytes(), nullptr);
#else
        ptr_ = new T[n_];
        std::copy(host.begin(), host.end(), ptr_);
#endif
    }
    ~DeviceBuffer() {
#if LF_TEST_ON_GPU
        device_free(kDevice, ptr_, nullptr);
#else
        delete[] ptr_;
#endif
    }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;

    T* get() { return ptr_; }
    std::size_t size() const { return n_; }
    std::vector<T> to_host() const {
        std::vector<T> host(n_);
#if LF_TEST_ON_GPU
        copy_bytes(host.data(), Device::cpu(), ptr_, kDevice, bytes(), nullptr);
#else
        std::copy(ptr_, ptr_ + n_, host.begin());
#endif
        return host;
    }

private:
    std::size_t bytes() const { return n_ * sizeof(T); }
    static constexpr Device kDevice{DeviceKind::CUDA, 0};
    T* ptr_ = nullptr;
    std::size_t n_ = 0;
};

// Runs `body(label)` once per schedule: emulated, in thread order and under two seeded random
// orders (a kernel whose result depends on the order has a race); on the GPU, once.
template <typename F>
void for_each_schedule(F&& body) {
#if LF_TEST_ON_GPU
    body(std::string("gpu"));
#else
    const simt::Options base = simt::current_options();  // keeps LF_SIMT_THREADS
    for (int i = 0; i < 3; ++i) {
        simt::Options o = base;
        o.schedule = i == 0 ? simt::Schedule::in_order : simt::Schedule::random;
        o.seed = static_cast<std::uint64_t>(i);
        simt::ScopedOptions scope(o);
        const std::string label = simt::to_string(o);
        SCOPED_TRACE("schedule " + label);
        body(label);
    }
#endif
}

}  // namespace lf::test
