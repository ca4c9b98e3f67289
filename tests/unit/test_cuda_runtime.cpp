// test_cuda_runtime.cpp: the CUDA side of the core runtime. The error macros are tested everywhere
// (a failing runtime call needs no GPU); pool allocation and host<->device copies need a device and
// skip with a one-line reason otherwise.
#include <gtest/gtest.h>

#include <cublas_v2.h>
#include <cusolverDn.h>

#include "kernels/core/cuda_check.h"
#include "kernels/core/cuda_libraries.h"
#include "kernels/core/tensor.h"

namespace {

TEST(CudaCheck, FailureNamesExpressionStatusAndLocation) {
    try {
        LF_CUDA_CHECK(cudaSetDevice(4096));  // never a valid ordinal; also fails without a driver
        FAIL() << "expected lf::Error";
    } catch (const lf::Error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("CUDA error"), std::string::npos) << msg;
        EXPECT_NE(msg.find("cudaSetDevice(4096)"), std::string::npos) << msg;
        EXPECT_NE(msg.find("test_cuda_runtime.cpp:"), std::string::npos) << msg;
    }
    (void)cudaGetLastError();
}

TEST(CudaCheck, LibraryStatusTexts) {
    EXPECT_STREQ(lf::cublas_status_string(CUBLAS_STATUS_SUCCESS), "CUBLAS_STATUS_SUCCESS");
    EXPECT_NE(std::string(lf::cublas_status_string(CUBLAS_STATUS_ALLOC_FAILED)).find("out of device memory"),
              std::string::npos);
    EXPECT_NE(std::string(lf::cusolver_status_string(CUSOLVER_STATUS_INVALID_VALUE)).find("bad argument"),
              std::string::npos);
    try {
        LF_CUBLAS_CHECK(CUBLAS_STATUS_NOT_INITIALIZED);
        FAIL() << "expected lf::Error";
    } catch (const lf::Error& e) {
        EXPECT_NE(std::string(e.what()).find("cuBLAS error: CUBLAS_STATUS_NOT_INITIALIZED"), std::string::npos);
    }
}

// cuBLAS / cuSOLVER are loaded on first use (kernels/core/cuda_libraries.cpp): the libraries load, and a
// forwarded call reaches the real function (without a GPU, handle creation reports a status, no crash).
TEST(CudaLibraries, LoadedOnFirstUseAndForwarded) {
    EXPECT_NO_THROW(lf::load_cuda_libraries());
    cublasHandle_t blas = nullptr;
    const cublasStatus_t bs = cublasCreate(&blas);
    if (bs == CUBLAS_STATUS_SUCCESS) cublasDestroy(blas);
    EXPECT_NE(std::string(lf::cublas_status_string(bs)), "") << bs;
    cusolverDnHandle_t solver = nullptr;
    const cusolverStatus_t ss = cusolverDnCreate(&solver);
    if (ss == CUSOLVER_STATUS_SUCCESS) cusolverDnDestroy(solver);
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        EXPECT_NE(bs, CUBLAS_STATUS_SUCCESS);  // no device: the real cuBLAS says so
        (void)cudaGetLastError();
    } else {
        EXPECT_EQ(bs, CUBLAS_STATUS_SUCCESS);
        EXPECT_EQ(ss, CUSOLVER_STATUS_SUCCESS);
    }
}

class CudaDevice : public ::testing::Test {
protected:
    void SetUp() override {
        if (lf::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device on this machine";
    }
};

TEST_F(CudaDevice, PoolTensorRoundTrip) {
    lf::Tensor host = lf::Tensor::from_values<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    cudaStream_t stream = nullptr;
    LF_CUDA_CHECK(cudaStreamCreate(&stream));
    {
        lf::Tensor dev = host.to(lf::Device::cuda(0), stream);
        lf::Tensor dev2 = dev.clone(stream);
        lf::Tensor back = dev2.to(lf::Device::cpu(), stream);
        for (int i = 0; i < 6; ++i) EXPECT_EQ(back.data<float>()[i], host.data<float>()[i]);
        lf::Tensor z = lf::Tensor::zeros({1000}, lf::DType::F64, lf::Device::cuda(0), stream).to(lf::Device::cpu(), stream);
        for (int i = 0; i < 1000; ++i) EXPECT_EQ(z.data<double>()[i], 0.0);
    }
    LF_CUDA_CHECK(cudaStreamSynchronize(stream));
    LF_CUDA_CHECK(cudaStreamDestroy(stream));
}

}  // namespace
