// cuda_check.h: one error-macro family for CUDA runtime, cuBLAS and cuSOLVER calls. Every macro
// stringifies the failing expression and reports function, file:line and the library's readable
// status text by throwing lf::Error (lfgen prints it as one line). Use LF_CUDA_CHECK_LAUNCH()
// after every kernel launch, and check cuSOLVER's devInfo with LF_CUSOLVER_CHECK_INFO.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusolverDn.h>

#include "kernels/core/error.h"

namespace lf {

const char* cublas_status_string(cublasStatus_t status);
const char* cusolver_status_string(cusolverStatus_t status);

namespace detail {
[[noreturn]] void report_cuda_failure(const char* library, const char* expr, const char* status_text,
                                      const char* func, const char* file, int line);
}  // namespace detail

}  // namespace lf

#define LF_CHECK_GEN(library, expr, success, to_string)                                          \
    do {                                                                                         \
        auto lf_status_ = (expr);                                                                \
        if (lf_status_ != (success))                                                             \
            ::lf::detail::report_cuda_failure(library, #expr, to_string(lf_status_), __func__,   \
                                              __FILE__, __LINE__);                               \
    } while (0)

#define LF_CUDA_CHECK(expr) LF_CHECK_GEN("CUDA", expr, cudaSuccess, cudaGetErrorString)
#define LF_CUBLAS_CHECK(expr) LF_CHECK_GEN("cuBLAS", expr, CUBLAS_STATUS_SUCCESS, ::lf::cublas_status_string)
#define LF_CUSOLVER_CHECK(expr) LF_CHECK_GEN("cuSOLVER", expr, CUSOLVER_STATUS_SUCCESS, ::lf::cusolver_status_string)
// After a <<<>>> launch: catches bad launch configurations immediately.
#define LF_CUDA_CHECK_LAUNCH() LF_CUDA_CHECK(cudaGetLastError())
