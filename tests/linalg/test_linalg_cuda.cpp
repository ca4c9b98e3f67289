// test_linalg_cuda.cpp: the cuBLAS/cuSOLVER paths of linalg/ against the CPU paths (label gpu;
// CUDA builds only; every test skips with one line when there is no CUDA device): eigh
// (cusolverDnDsyevd), least squares (geqrf/ormqr/trsm), exact PCA (device scatter + eigh) and
// FastICA with the whitened samples on the device.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/core/device.h"
#include "kernels/core/numpy_random.h"
#include "kernels/io/npy.h"
#include "linalg/eigh.h"
#include "linalg/fastica.h"
#include "linalg/lstsq.h"
#include "linalg/pca.h"
#include "tests/linalg/linalg_test_util.h"

namespace lf::test {
namespace {

#define LF_REQUIRE_GPU()                                                \
    do {                                                                \
        if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device"; \
    } while (0)

TEST(CudaLinalg, EighMatchesCpu) {
    LF_REQUIRE_GPU();
    const int n = 48;
    NumpyRandomState rng(4);
    std::vector<double> b(n * n), a(n * n, 0.0);
    for (double& v : b) v = rng.standard_normal();
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            for (int c = 0; c < n; ++c) a[i * n + j] += b[i * n + c] * b[j * n + c];
    const EighResult cpu = eigh_descending(a.data(), n, 10);
    const EighResult gpu = cuda::eigh_descending(a.data(), n, 10);
    for (int i = 0; i < 10; ++i) EXPECT_NEAR(gpu.values[i], cpu.values[i], 1e-10 * cpu.values[0]);
    EXPECT_LT(eigen_residual_f32(a, gpu.vectors, gpu.values, 10, n), 1e-5);
    EXPECT_LT(orthonormality_error_f32(gpu.vectors, 10, n), 1e-5);
}

TEST(CudaLinalg, LstsqMatchesCpu) {
    LF_REQUIRE_GPU();
    const std::int64_t n = 300;
    const int k = 6, m = 4;
    NumpyRandomState rng(5);
    std::vector<double> x(n * k), z(n * m);
    for (double& v : x) v = rng.standard_normal();
    for (double& v : z) v = rng.standard_normal();
    const std::vector<double> cpu = lstsq_qr(x.data(), n, k, z.data(), m);
    const std::vector<double> gpu = cuda::lstsq_qr(x.data(), n, k, z.data(), m);
    for (int i = 0; i < k * m; ++i) EXPECT_NEAR(gpu[i], cpu[i], 1e-10);
}

TEST(CudaLinalg, ExactPcaMatchesCpu) {
    LF_REQUIRE_GPU();
    const TensorRowSource x(npy::load(golden_path("pca_x.npy")), "pca_x.npy");
    PcaOptions o;
    o.components = 8;
    const PcaResult cpu = pca_exact(x, o);
    o.device = Device::cuda(0);
    const PcaResult gpu = pca_exact(x, o);
    EXPECT_LT(max_principal_angle(cpu.components, gpu.components, 8, 24), 1e-3);
    for (int i = 0; i < 8; ++i)
        EXPECT_NEAR(gpu.explained_variance_ratio[i], cpu.explained_variance_ratio[i],
                    1e-4 * cpu.explained_variance_ratio[i]);
}

TEST(CudaLinalg, FastIcaMatchesCpu) {
    LF_REQUIRE_GPU();
    const TensorRowSource x(npy::load(golden_path("ica_x.npy")), "ica_x.npy");
    const auto a = load_f64("ica_mixing_true.npy");
    const auto sk = load_f64("ica_sklearn_amari.npy");
    IcaOptions o;
    o.components = 8;
    o.device = Device::cuda(0);
    const IcaResult r = fastica(x, o);
    EXPECT_TRUE(r.converged);
    std::vector<double> p(64, 0.0);
    for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 8; ++j)
            for (int c = 0; c < 8; ++c) p[i * 8 + j] += r.unmixing[i * 8 + c] * a[c * 8 + j];
    EXPECT_LE(amari_distance(p, 8), sk[0] * 1.05 + 1e-3);  // same rule as the CPU golden test
}

}  // namespace
}  // namespace lf::test
