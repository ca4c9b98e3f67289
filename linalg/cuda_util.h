// cuda_util.h (internal to lf_linalg, CUDA builds only): RAII device arrays on the current device
// and cuBLAS/cuSOLVER handles bound to a stream, for the cuBLAS/cuSOLVER host code of linalg/.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusolverDn.h>

#include <cstddef>
#include <cstdint>

#include "kernels/core/cuda_check.h"
#include "kernels/core/device_memory.h"
#include "kernels/core/error.h"
#include "linalg/dense_util.h"
#include "linalg/row_source.h"

namespace lf::detail {

inline Device current_cuda_device() {
    int index = 0;
    LF_CUDA_CHECK(cudaGetDevice(&index));
    return Device::cuda(index);
}

template <typename T>
class DeviceArray {
public:
    DeviceArray(std::size_t n, Stream stream) : n_(n), stream_(stream), device_(current_cuda_device()) {
        ptr_ = n ? static_cast<T*>(device_alloc(device_, n * sizeof(T), stream)) : nullptr;
    }
    ~DeviceArray() {
        if (ptr_) device_free(device_, ptr_, stream_);
    }
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;
    T* get() { return ptr_; }
    const T* get() const { return ptr_; }
    std::size_t size() const { return n_; }
    void upload(const T* host, std::size_t count, std::size_t offset = 0) {
        copy_bytes(ptr_ + offset, device_, host, Device::cpu(), count * sizeof(T), stream_);
    }
    void download(T* host, std::size_t count, std::size_t offset = 0) const {
        copy_bytes(host, Device::cpu(), ptr_ + offset, device_, count * sizeof(T), stream_);
    }
    void zero() { device_memset_zero(device_, ptr_, n_ * sizeof(T), stream_); }

private:
    std::size_t n_;
    Stream stream_;
    Device device_;
    T* ptr_ = nullptr;
};

class CublasHandle {
public:
    explicit CublasHandle(Stream stream) {
        LF_CUBLAS_CHECK(cublasCreate(&h_));
        LF_CUBLAS_CHECK(cublasSetStream(h_, stream));
    }
    ~CublasHandle() { cublasDestroy(h_); }
    CublasHandle(const CublasHandle&) = delete;
    CublasHandle& operator=(const CublasHandle&) = delete;
    cublasHandle_t get() const { return h_; }

private:
    cublasHandle_t h_ = nullptr;
};

class CusolverHandle {
public:
    explicit CusolverHandle(Stream stream) {
        LF_CUSOLVER_CHECK(cusolverDnCreate(&h_));
        LF_CUSOLVER_CHECK(cusolverDnSetStream(h_, stream));
    }
    ~CusolverHandle() { cusolverDnDestroy(h_); }
    CusolverHandle(const CusolverHandle&) = delete;
    CusolverHandle& operator=(const CusolverHandle&) = delete;
    cusolverDnHandle_t get() const { return h_; }

private:
    cusolverDnHandle_t h_ = nullptr;
};

// The floats of for_each_device_batch's staging array for batches of `rows` rows: none when the
// rows already live on the device.
inline std::size_t staging_floats(const RowSource& x, std::int64_t rows) {
    return x.device().is_cuda() ? 0 : static_cast<std::size_t>(rows * x.cols());
}

// Streams the rows of `x` through the device in batches: body(r0, count, block) with block the rows
// [r0, r0 + count) as float32 [count, d] in device memory. Device-resident rows (DeviceRowSource) are
// passed in place and never copied; host rows are read (checked finite when asked) and copied up
// into `staging` (at least staging_floats(x, min(batch_rows, N)) floats).
template <typename Body>
void for_each_device_batch(const RowSource& x, std::int64_t batch_rows, bool check_finite,
                           DeviceArray<float>& staging, Body&& body) {
    if (x.device().is_cuda()) {
        LF_CHECK(batch_rows >= 1, "batch rows must be at least 1, got ", batch_rows);
        for (std::int64_t r0 = 0; r0 < x.rows(); r0 += batch_rows)
            body(r0, std::min(batch_rows, x.rows() - r0), x.device_f32(r0));
        return;
    }
    for_each_batch_f32(x, batch_rows, check_finite, [&](std::int64_t r0, std::int64_t count, const float* block) {
        staging.upload(block, static_cast<std::size_t>(count * x.cols()));
        body(r0, count, static_cast<const float*>(staging.get()));
    });
}

// Reads cuSOLVER's devInfo and throws lf::Error naming the routine when it is not 0.
inline void check_dev_info(const DeviceArray<int>& info, const char* routine) {
    int host = 0;
    info.download(&host, 1);
    LF_CHECK(host == 0, routine, " failed: devInfo = ", host);
}

}  // namespace lf::detail
