// gemm_cpu.cpp: the plain CPU twin of the GEMM kernels (the reference the CUDA variants are
// tested against) and the shared parameter check. Deliberately plain: a triple loop with fp32
// accumulation in k order, no blocking, no intrinsics.
#include "kernels/ops/gemm.h"

#include "kernels/core/error.h"

namespace lf {

void check_gemm_params(const GemmParams& p) {
    LF_CHECK(p.m >= 0 && p.n >= 0 && p.k >= 0, "gemm: negative size m=", p.m, " n=", p.n, " k=", p.k);
    LF_CHECK(p.lda >= p.k, "gemm: lda=", p.lda, " is smaller than k=", p.k);
    LF_CHECK(p.ldb >= p.n, "gemm: ldb=", p.ldb, " is smaller than n=", p.n);
    LF_CHECK(p.ldc >= p.n, "gemm: ldc=", p.ldc, " is smaller than n=", p.n);
    if (p.m > 0 && p.n > 0) {
        LF_CHECK(p.c != nullptr, "gemm: c is null");
        if (p.k > 0) LF_CHECK(p.a != nullptr && p.b != nullptr, "gemm: a or b is null");
    }
}

namespace cpu {

void gemm(const GemmParams& p) {
    check_gemm_params(p);
    for (int i = 0; i < p.m; ++i) {
        for (int j = 0; j < p.n; ++j) {
            float acc = 0.0f;
            for (int kk = 0; kk < p.k; ++kk) acc += p.a[i * p.lda + kk] * p.b[kk * p.ldb + j];
            float& c = p.c[i * p.ldc + j];
            c = p.beta == 0.0f ? p.alpha * acc : p.alpha * acc + p.beta * c;
        }
    }
}

}  // namespace cpu
}  // namespace lf
