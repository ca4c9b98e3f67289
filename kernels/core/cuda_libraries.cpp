// cuda_libraries.cpp: see cuda_libraries.h. The forwarders below have the exact signatures of the
// declarations in cublas_api.h and cusolverDn.h (a mismatch does not compile); each resolves its
// symbol once. To call another cuBLAS/cuSOLVER function, add its forwarder here.
#include "kernels/core/cuda_libraries.h"

#include <cublas_v2.h>
#include <cusolverDn.h>
#include <dlfcn.h>

#include <array>

#include "kernels/core/error.h"

#ifndef LF_CUBLAS_PATH
#error "LF_CUBLAS_PATH / LF_CUSOLVER_PATH (and *_SONAME) come from kernels/CMakeLists.txt"
#endif

namespace lf {
namespace {

enum class Library { Cublas, Cusolver };

struct LibraryFile {
    const char* path;    // as found at configure time
    const char* soname;  // fallback: the loader's search path (LD_LIBRARY_PATH, ldconfig)
};
constexpr std::array<LibraryFile, 2> kFiles = {LibraryFile{LF_CUBLAS_PATH, LF_CUBLAS_SONAME},
                                               LibraryFile{LF_CUSOLVER_PATH, LF_CUSOLVER_SONAME}};

void* open_library(const LibraryFile& file) {
    void* h = dlopen(file.path, RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen(file.soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char* e = dlerror();
        fail("CUDA: cannot load ", file.soname, " (", file.path, "): ", e ? e : "not found");
    }
    return h;
}

// Opened once per library; a failed open throws out of the static's initializer, so the next call
// tries again (and reports its own dlerror).
void* library_handle(Library lib) {
    if (lib == Library::Cublas) {
        static void* const cublas = open_library(kFiles[0]);
        return cublas;
    }
    static void* const cusolver = open_library(kFiles[1]);
    return cusolver;
}

void* library_symbol(Library lib, const char* name) {
    void* f = dlsym(library_handle(lib), name);
    LF_CHECK(f, "CUDA: ", kFiles[static_cast<std::size_t>(lib)].soname, " has no symbol ", name);
    return f;
}

}  // namespace

void load_cuda_libraries() {
    library_handle(Library::Cublas);
    library_handle(Library::Cusolver);
}

}  // namespace lf

#define LF_RESOLVE(lib, fn) reinterpret_cast<decltype(&fn)>(::lf::library_symbol(::lf::lib, #fn))

extern "C" {

cublasStatus_t CUBLASWINAPI cublasCreate_v2(cublasHandle_t* handle) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasCreate_v2);
    return f(handle);
}

cublasStatus_t CUBLASWINAPI cublasDestroy_v2(cublasHandle_t handle) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasDestroy_v2);
    return f(handle);
}

cublasStatus_t CUBLASWINAPI cublasSetStream_v2(cublasHandle_t handle, cudaStream_t streamId) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasSetStream_v2);
    return f(handle, streamId);
}

cublasStatus_t CUBLASWINAPI cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const float* alpha, const float* A, int lda, const float* B, int ldb, const float* beta, float* C, int ldc) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasSgemm_v2);
    return f(handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

cublasStatus_t CUBLASWINAPI cublasSsyrk_v2(cublasHandle_t handle, cublasFillMode_t uplo, cublasOperation_t trans, int n, int k, const float* alpha, const float* A, int lda, const float* beta, float* C, int ldc) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasSsyrk_v2);
    return f(handle, uplo, trans, n, k, alpha, A, lda, beta, C, ldc);
}

cublasStatus_t CUBLASWINAPI cublasSnrm2_v2(cublasHandle_t handle, int n, const float* x, int incx, float* result) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasSnrm2_v2);
    return f(handle, n, x, incx, result);
}

cublasStatus_t CUBLASWINAPI cublasSger_v2(cublasHandle_t handle, int m, int n, const float* alpha, const float* x, int incx, const float* y, int incy, float* A, int lda) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasSger_v2);
    return f(handle, m, n, alpha, x, incx, y, incy, A, lda);
}

cublasStatus_t CUBLASWINAPI cublasSgemv_v2(cublasHandle_t handle, cublasOperation_t trans, int m, int n, const float* alpha, const float* A, int lda, const float* x, int incx, const float* beta, float* y, int incy) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasSgemv_v2);
    return f(handle, trans, m, n, alpha, A, lda, x, incx, beta, y, incy);
}

cublasStatus_t CUBLASWINAPI cublasDtrsm_v2(cublasHandle_t handle, cublasSideMode_t side, cublasFillMode_t uplo, cublasOperation_t trans, cublasDiagType_t diag, int m, int n, const double* alpha, const double* A, int lda, double* B, int ldb) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasDtrsm_v2);
    return f(handle, side, uplo, trans, diag, m, n, alpha, A, lda, B, ldb);
}

cublasStatus_t CUBLASWINAPI cublasDtrmm_v2(cublasHandle_t handle, cublasSideMode_t side, cublasFillMode_t uplo, cublasOperation_t trans, cublasDiagType_t diag, int m, int n, const double* alpha, const double* A, int lda, const double* B, int ldb, double* C, int ldc) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasDtrmm_v2);
    return f(handle, side, uplo, trans, diag, m, n, alpha, A, lda, B, ldb, C, ldc);
}

cublasStatus_t CUBLASWINAPI cublasDsymm_v2(cublasHandle_t handle, cublasSideMode_t side, cublasFillMode_t uplo, int m, int n, const double* alpha, const double* A, int lda, const double* B, int ldb, const double* beta, double* C, int ldc) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasDsymm_v2);
    return f(handle, side, uplo, m, n, alpha, A, lda, B, ldb, beta, C, ldc);
}

cublasStatus_t CUBLASWINAPI cublasDgemm_v2(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb, int m, int n, int k, const double* alpha, const double* A, int lda, const double* B, int ldb, const double* beta, double* C, int ldc) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasDgemm_v2);
    return f(handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}

cublasStatus_t CUBLASWINAPI cublasDdgmm(cublasHandle_t handle, cublasSideMode_t mode, int m, int n, const double* A, int lda, const double* x, int incx, double* C, int ldc) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasDdgmm);
    return f(handle, mode, m, n, A, lda, x, incx, C, ldc);
}

cublasStatus_t CUBLASWINAPI cublasDcopy_v2(cublasHandle_t handle, int n, const double* x, int incx, double* y, int incy) {
    static const auto f = LF_RESOLVE(Library::Cublas, cublasDcopy_v2);
    return f(handle, n, x, incx, y, incy);
}

cusolverStatus_t CUSOLVERAPI cusolverDnCreate(cusolverDnHandle_t *handle) {
    static const auto f = LF_RESOLVE(Library::Cusolver, cusolverDnCreate);
    return f(handle);
}

cusolverStatus_t CUSOLVERAPI cusolverDnDestroy(cusolverDnHandle_t handle) {
    static const auto f = LF_RESOLVE(Library::Cusolver, cusolverDnDestroy);
    return f(handle);
}

cusolverStatus_t CUSOLVERAPI cusolverDnSetStream(cusolverDnHandle_t handle, cudaStream_t streamId) {
    static const auto f = LF_RESOLVE(Library::Cusolver, cusolverDnSetStream);
    return f(handle, streamId);
}

cusolverStatus_t CUSOLVERAPI cusolverDnDsyevd_bufferSize(cusolverDnHandle_t handle, cusolverEigMode_t jobz, cublasFillMode_t uplo, int n, const double * A, int lda, const double * W, int * lwork) {
    static const auto f = LF_RESOLVE(Library::Cusolver, cusolverDnDsyevd_bufferSize);
    return f(handle, jobz, uplo, n, A, lda, W, lwork);
}

cusolverStatus_t CUSOLVERAPI cusolverDnDsyevd(cusolverDnHandle_t handle, cusolverEigMode_t jobz, cublasFillMode_t uplo, int n, double * A, int lda, double * W, double * work, int lwork, int * info) {
    static const auto f = LF_RESOLVE(Library::Cusolver, cusolverDnDsyevd);
    return f(handle, jobz, uplo, n, A, lda, W, work, lwork, info);
}

cusolverStatus_t CUSOLVERAPI cusolverDnDpotrf_bufferSize(cusolverDnHandle_t handle, cublasFillMode_t uplo, int n, double * A, int lda, int * Lwork) {
    static const auto f = LF_RESOLVE(Library::Cusolver, cusolverDnDpotrf_bufferSize);
    return f(handle, uplo, n, A, lda, Lwork);
}

cusolverStatus_t CUSOLVERAPI cusolverDnDpotrf(cusolverDnHandle_t handle, cublasFillMode_t uplo, int n, double * A, int lda, double * Workspace, int Lwork, int * devInfo) {
    static const auto f = LF_RESOLVE(Library::Cusolver, cusolverDnDpotrf);
    return f(handle, uplo, n, A, lda, Workspace, Lwork, devInfo);
}

cusolverStatus_t CUSOLVERAPI cusolverDnDormqr_bufferSize(cusolverDnHandle_t handle, cublasSideMode_t side, cublasOperation_t trans, int m, int n, int k, const double * A, int lda, const double * tau, const double * C, int ldc, int * lwork) {
    static const auto f = LF_RESOLVE(Library::Cusolver, cusolverDnDormqr_bufferSize);
    return f(handle, side, trans, m, n, k, A, lda, tau, C, ldc, lwork);
}

cusolverStatus_t CUSOLVERAPI cusolverDnDormqr(cusolverDnHandle_t handle, cublasSideMode_t side, cublasOperation_t trans, int m, int n, int k, const double * A, int lda, const double * tau, double * C, int ldc, double * work, int lwork, int * devInfo) {
    static const auto f = LF_RESOLVE(Library::Cusolver, cusolverDnDormqr);
    return f(handle, side, trans, m, n, k, A, lda, tau, C, ldc, work, lwork, devInfo);
}

cusolverStatus_t CUSOLVERAPI cusolverDnDgeqrf_bufferSize(cusolverDnHandle_t handle, int m, int n, double * A, int lda, int * lwork) {
    static const auto f = LF_RESOLVE(Library::Cusolver, cusolverDnDgeqrf_bufferSize);
    return f(handle, m, n, A, lda, lwork);
}

cusolverStatus_t CUSOLVERAPI cusolverDnDgeqrf(cusolverDnHandle_t handle, int m, int n, double * A, int lda, double * TAU, double * Workspace, int Lwork, int * devInfo) {
    static const auto f = LF_RESOLVE(Library::Cusolver, cusolverDnDgeqrf);
    return f(handle, m, n, A, lda, TAU, Workspace, Lwork, devInfo);
}

}  // extern "C"
