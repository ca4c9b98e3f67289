// test_linalg_cuda.cpp: the cuBLAS/cuSOLVER paths of linalg/ against the CPU paths (label gpu;
// CUDA builds only; every test skips with one line when there is no CUDA device): eigh
// (cusolverDnDsyevd), least squares (geqrf/ormqr/trsm), exact PCA (device scatter + eigh),
// randomized PCA (streamed passes on the device), FastICA with the whitened samples on the device, and
// all of them (plus the projection of the least-squares map) on rows already resident on the device.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "kernels/core/device.h"
#include "kernels/core/numpy_random.h"
#include "kernels/io/npy.h"
#include "linalg/eigh.h"
#include "linalg/fastica.h"
#include "linalg/lstsq.h"
#include "linalg/pca.h"
#include "linalg/projection.h"
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

// Seeded [n, d] float32 samples with a large mean and five well-separated principal directions:
// x_i = mean + sum_c z_ic s_c a_c + 0.05 e_i, s = 10, 7, 5, 3.5, 2.5 (variances about 100 ... 6 against
// a noise floor of 0.0025), a_c Gaussian rows scaled to about unit norm, mean_j = 50 + 0.3 j.
Tensor spiked_samples(std::int64_t n, std::int64_t d, std::uint32_t seed) {
    NumpyRandomState rng(seed);
    const double scales[5] = {10.0, 7.0, 5.0, 3.5, 2.5};
    std::vector<double> a(static_cast<std::size_t>(5 * d));
    for (double& v : a) v = rng.standard_normal() / std::sqrt(static_cast<double>(d));
    Tensor t = Tensor::empty({n, d}, DType::F32);
    for (std::int64_t i = 0; i < n; ++i) {
        double z[5];
        for (int c = 0; c < 5; ++c) z[c] = rng.standard_normal() * scales[c];
        for (std::int64_t j = 0; j < d; ++j) {
            double v = 50.0 + 0.3 * static_cast<double>(j) + 0.05 * rng.standard_normal();
            for (int c = 0; c < 5; ++c) v += z[c] * a[c * d + j];
            t.data<float>()[i * d + j] = static_cast<float>(v);
        }
    }
    return t;
}

TEST(CudaLinalg, RandomizedPcaMatchesCpu) {
    LF_REQUIRE_GPU();
    const std::int64_t n = 2500, d = 96;
    const int k = 5;
    const TensorRowSource x(spiked_samples(n, d, 21), "spiked");
    struct Case {
        RandomizedScheme scheme;
        int iterations;
        bool components;  // compare the components (converged, well separated)
    };
    // Krylov (q = 2: three blocks of 15 columns fit in d = 96) and subspace (q = 7) compare everything;
    // subspace with q = 0 is the one pass that gathers the moments together with the Ritz Gram matrix
    // (an unconverged random subspace: only its Ritz values, total variance and mean are compared).
    for (const Case c : {Case{RandomizedScheme::Krylov, -1, true}, Case{RandomizedScheme::Subspace, -1, true},
                         Case{RandomizedScheme::Subspace, 0, false}}) {
        PcaOptions o;
        o.components = k;
        o.randomized = true;
        o.scheme = c.scheme;
        o.iterations = c.iterations;
        o.seed = 3;
        o.batch_rows = 700;  // four batches, the last one partial
        const PcaResult cpu = pca_randomized(x, o);
        o.device = Device::cuda(0);
        const PcaResult gpu = pca_randomized(x, o);
        SCOPED_TRACE(cpu.method + ", iterations " + std::to_string(cpu.iterations));
        EXPECT_EQ(gpu.method, cpu.method);
        EXPECT_EQ(gpu.passes, cpu.passes);
        ASSERT_EQ(gpu.components.size(), cpu.components.size());
        // Both sides run float32 GEMMs per batch summed in float64 (different summation orders): the
        // eigenvalues agree to float32 rounding (~1e-6 relative), well inside 1e-4 relative.
        for (int i = 0; i < k; ++i)
            EXPECT_NEAR(gpu.explained_variance[i], cpu.explained_variance[i],
                        1e-4 * cpu.explained_variance[i])
                << "component " << i;
        // Total variance and mean from the float64 moments: 1e-6 relative (float64 sums of float32 data;
        // the CPU's per-row squares partly in float32).
        EXPECT_NEAR(gpu.total_variance, cpu.total_variance, 1e-6 * cpu.total_variance);
        for (std::int64_t j = 0; j < d; ++j)
            EXPECT_NEAR(gpu.mean[j], cpu.mean[j], 1e-9 * std::fabs(cpu.mean[j]));
        if (!c.components) continue;
        // Eigenvalue gaps of at least a factor 1.9: each component is determined up to a rotation of
        // order (float32 rounding) / gap, so |cos| between the two sides exceeds 0.9999 (angle < 0.014).
        for (int i = 0; i < k; ++i) {
            double dot = 0.0;
            for (std::int64_t j = 0; j < d; ++j) dot += gpu.components[i * d + j] * cpu.components[i * d + j];
            EXPECT_GT(std::fabs(dot), 0.9999) << "component " << i;
        }
        EXPECT_LT(max_principal_angle(cpu.components, gpu.components, k, d), 1e-3);
    }
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

// `lfgen factorize -m` on CUDA: the sampled rows stay in device memory (DeviceRowSource) and every
// method reads them in place; the results equal those of the same rows streamed from the host.
TEST(CudaLinalg, DeviceResidentRowsMatchHostRows) {
    LF_REQUIRE_GPU();
    const std::int64_t n = 1500, d = 64;
    const Tensor host = spiked_samples(n, d, 8);
    const TensorRowSource from_host(host, "spiked");
    const DeviceRowSource on_device(host.to(Device::cuda(0)), "spiked (device)");
    EXPECT_EQ(on_device.device(), Device::cuda(0));
    const auto expect_close = [](const std::vector<double>& got, const std::vector<double>& want, double rel,
                                 const char* what) {
        ASSERT_EQ(got.size(), want.size()) << what;
        double scale = 0.0;
        for (double v : want) scale = std::max(scale, std::fabs(v));
        for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], rel * scale) << what << " " << i;
    };
    PcaOptions po;
    po.components = 5;
    po.batch_rows = 400;
    po.device = Device::cuda(0);
    for (const bool randomized : {false, true}) {
        po.randomized = randomized;
        const PcaResult a = pca(from_host, po), b = pca(on_device, po);
        expect_close(b.explained_variance, a.explained_variance, 1e-6, "explained variance");
        expect_close(b.mean, a.mean, 1e-9, "mean");
        EXPECT_LT(max_principal_angle(a.components, b.components, 5, d), 1e-4);
    }
    IcaOptions io;
    io.components = 4;
    io.device = Device::cuda(0);
    const IcaResult ia = fastica(from_host, io), ib = fastica(on_device, io);
    EXPECT_EQ(ia.iterations, ib.iterations);
    expect_close(ib.directions, ia.directions, 1e-5, "ICA directions");
    const PcaResult p = pca(from_host, po);
    const std::vector<double> pa = project_rows(from_host, p.components, p.mean, p.stdev, 5, 400, Device::cpu());
    const std::vector<double> pb = project_rows(on_device, p.components, p.mean, p.stdev, 5, 400, Device::cuda(0));
    expect_close(pb, pa, 1e-4, "projection");
    // Device rows are factorized on their device only.
    po.device = Device::cpu();
    EXPECT_THROW(pca(on_device, po), Error);
}

}  // namespace
}  // namespace lf::test
