// test_linalg_unit.cpp: residuals, error messages, least squares, SeFa layer mapping, SHA-256 and
// the directions file. Label unit.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "kernels/core/error.h"
#include "kernels/core/numpy_random.h"
#include "linalg/directions_file.h"
#include "linalg/eigh.h"
#include "linalg/fastica.h"
#include "linalg/lstsq.h"
#include "linalg/pca.h"
#include "linalg/projection.h"
#include "linalg/sefa.h"
#include "tests/linalg/linalg_test_util.h"
#include "weights/safetensors.h"

namespace lf::test {
namespace {

Tensor random_matrix(std::int64_t n, std::int64_t d, std::uint32_t seed) {
    NumpyRandomState rng(seed);
    Tensor t = Tensor::empty({n, d}, DType::F32);
    for (std::int64_t i = 0; i < n * d; ++i)
        t.data<float>()[i] = static_cast<float>(rng.standard_normal() * (1 + i % d));
    return t;
}

// The message of the lf::Error thrown by f ("" when none).
template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(Eigh, ResidualsInFloat32) {
    const int n = 64;
    NumpyRandomState rng(3);
    std::vector<double> b(n * n), a(n * n, 0.0);
    for (double& v : b) v = rng.standard_normal();
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            for (int c = 0; c < n; ++c) a[i * n + j] += b[i * n + c] * b[j * n + c];
    for (int k : {n, 10}) {  // dsyevd (all) and dsyevr (top k)
        const EighResult e = eigh_descending(a.data(), n, k);
        // Issue 7: ||AV - V Lambda|| / (||A|| ||V||) and ||V^T V - I|| below 1e-5 in float32.
        EXPECT_LT(eigen_residual_f32(a, e.vectors, e.values, k, n), 1e-5);
        EXPECT_LT(orthonormality_error_f32(e.vectors, k, n), 1e-5);
        for (int i = 1; i < k; ++i) EXPECT_GE(e.values[i - 1], e.values[i]);
    }
}

TEST(Pca, CovarianceResidualAndRandomizedAgreement) {
    const TensorRowSource x(random_matrix(3000, 40, 11), "random");
    PcaOptions o;
    o.components = 6;
    const PcaResult exact = pca_exact(x, o);
    const ScatterStats s = scatter_stats(x);
    std::vector<double> cov(s.scatter);
    for (double& v : cov) v /= 2999.0;
    EXPECT_LT(eigen_residual_f32(cov, exact.components, exact.explained_variance, 6, 40), 1e-5);
    EXPECT_LT(orthonormality_error_f32(exact.components, 6, 40), 1e-5);
    o.randomized = true;
    o.iterations = 30;  // column scales 40, 39, ...: small gaps need many power iterations
    const PcaResult rnd = pca_randomized(x, o);
    // Column scales 1..40 give a separated top spectrum: the randomized subspace agrees with the exact one.
    EXPECT_LT(max_principal_angle(exact.components, rnd.components, 6, 40), 1e-3);
    EXPECT_NEAR(rnd.total_variance, exact.total_variance, 1e-6 * exact.total_variance);
    // d = 40 holds only two Krylov blocks of 16: the method falls back to 30 subspace iterations
    // (the first also gathers the moments) + the Rayleigh-Ritz pass.
    EXPECT_EQ(rnd.passes, 31);
    EXPECT_EQ(rnd.method, "randomized-subspace");
}

TEST(Errors, ComponentCountDataShapeAndNaN) {
    const Tensor x = random_matrix(20, 5, 1);
    const TensorRowSource src(x, "X.npy");
    PcaOptions o;
    o.components = 6;
    EXPECT_NE(
        error_of([&] { pca_exact(src, o); }).find("X.npy: k = 6 is larger than the number of features d = 5"),
        std::string::npos);
    const TensorRowSource tall(random_matrix(4, 50, 2), "T.npy");
    o.components = 5;
    EXPECT_NE(error_of([&] { pca_randomized(tall, o); }).find("larger than the number of samples N = 4"),
              std::string::npos);
    IcaOptions io;
    io.components = 9;
    EXPECT_NE(error_of([&] { fastica(src, io); }).find("X.npy: k = 9"), std::string::npos);
    Tensor one_d = Tensor::empty({5}, DType::F32);
    EXPECT_EQ(error_of([&] { TensorRowSource bad(one_d, "v.npy"); }),
              "v.npy: expected a 2-D sample matrix [N, d], got a 1-D array of shape [5]");
    Tensor nan = random_matrix(20, 5, 3);
    nan.data<float>()[2 * 5 + 4] = std::numeric_limits<float>::quiet_NaN();
    const TensorRowSource nsrc(nan, "N.npy");
    o.components = 2;
    for (bool randomized : {false, true}) {
        o.randomized = randomized;
        EXPECT_NE(error_of([&] { pca(nsrc, o); }).find("N.npy: non-finite value (nan) at row 2, column 4"),
                  std::string::npos);
    }
    io.components = 2;
    EXPECT_NE(error_of([&] { fastica(nsrc, io); }).find("non-finite value"), std::string::npos);
    // Every message is a single line.
    EXPECT_EQ(error_of([&] { pca(nsrc, o); }).find('\n'), std::string::npos);
}

TEST(Ica, NonConvergenceIsReported) {
    const TensorRowSource x(random_matrix(500, 6, 5), "gauss");  // Gaussian data: no ICA solution
    IcaOptions o;
    o.components = 6;
    o.max_iter = 3;
    const IcaResult r = fastica(x, o);
    EXPECT_FALSE(r.converged);
    EXPECT_EQ(r.iterations, 3);
    EXPECT_GT(r.last_change, o.tol);
}

TEST(Ica, SeededWInitIsSklearns) {
    // Same seed twice: identical results (w_init = NumpyRandomState(seed).standard_normal()).
    const TensorRowSource x(npy::load(golden_path("ica_x.npy")), "ica_x.npy");
    IcaOptions o;
    o.components = 4;
    o.seed = 7;
    const IcaResult a = fastica(x, o), b = fastica(x, o);
    EXPECT_EQ(a.unmixing, b.unmixing);
    o.w_init = std::vector<double>(16, 0.0);
    NumpyRandomState rng(7);
    for (double& v : o.w_init) v = rng.standard_normal();
    const IcaResult c = fastica(x, o);
    EXPECT_EQ(a.unmixing, c.unmixing);
}

TEST(Lstsq, RecoversExactSolutionAndNormalizes) {
    const std::int64_t n = 200;
    const int k = 5, m = 3;
    NumpyRandomState rng(9);
    std::vector<double> x(n * k), p(k * m), z(n * m, 0.0);
    for (double& v : x) v = rng.standard_normal();
    for (double& v : p) v = rng.standard_normal();
    for (std::int64_t i = 0; i < n; ++i)
        for (int j = 0; j < m; ++j)
            for (int c = 0; c < k; ++c) z[i * m + j] += x[i * k + c] * p[c * m + j];
    std::vector<double> got = lstsq_qr(x.data(), n, k, z.data(), m);
    for (int i = 0; i < k * m; ++i) EXPECT_NEAR(got[i], p[i], 1e-10);
    normalize_rows(got, k, m);
    for (int i = 0; i < k; ++i)
        EXPECT_NEAR(
            got[i * m] * got[i * m] + got[i * m + 1] * got[i * m + 1] + got[i * m + 2] * got[i * m + 2], 1.0,
            1e-12);
    for (std::int64_t i = 0; i < n; ++i) x[i * k + 4] = 2 * x[i * k + 1];  // rank deficient
    EXPECT_NE(
        error_of([&] { lstsq_qr(x.data(), n, k, z.data(), m, "--latents Z.npy"); }).find("rank deficient"),
        std::string::npos);
}

// The GANSpace coordinates fed to the least-squares map: ((x - mean) . c) / stdev, over row batches
// (a partial last batch), with an unscaled coordinate where stdev is 0.
TEST(Projection, CoordinatesInComponents) {
    const std::int64_t n = 7, d = 3;
    const int k = 2;
    NumpyRandomState rng(12);
    Tensor x = Tensor::empty({n, d}, DType::F64);
    for (std::int64_t i = 0; i < n * d; ++i) x.data<double>()[i] = rng.standard_normal();
    const std::vector<double> comps = {0.6, 0.8, 0.0, 0.0, 0.0, 1.0}, mean = {0.5, -1.0, 2.0}, stdev = {2.0, 0.0};
    const TensorRowSource src(x, "x");
    const std::vector<double> a = project_rows(src, comps, mean, stdev, k, 3, Device::cpu());
    ASSERT_EQ(a.size(), static_cast<std::size_t>(n * k));
    for (std::int64_t i = 0; i < n; ++i) {
        const double* r = x.data<double>() + i * d;
        EXPECT_NEAR(a[i * k], (0.6 * (r[0] - 0.5) + 0.8 * (r[1] + 1.0)) / 2.0, 1e-14);
        EXPECT_NEAR(a[i * k + 1], r[2] - 2.0, 1e-14);
    }
    // A DeviceRowSource holds device memory only.
    EXPECT_NE(error_of([&] { DeviceRowSource bad(x, "x.npy"); }).find("x.npy: DeviceRowSource needs a CUDA tensor"),
              std::string::npos);
}

TEST(Sefa, LayerSpecAndTensorNames) {
    EXPECT_EQ(sefa_parse_layers("all", 4), (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(sefa_parse_layers("0-2,5", 8), (std::vector<int>{0, 1, 2, 5}));
    EXPECT_NE(error_of([] { sefa_parse_layers("0-9", 8); }).find("--layers: layer 9 is out of range"),
              std::string::npos);
    EXPECT_NE(error_of([] { sefa_parse_layers("x", 8); }).find("--layers: 'x'"), std::string::npos);
    StyleGan2Config c;
    c.num_ws = 18;
    c.img_resolution = 1024;
    EXPECT_EQ(sefa_layer_tensor(c, 0), "synthesis.b4.conv1.affine.weight");
    EXPECT_EQ(sefa_layer_tensor(c, 1), "synthesis.b8.conv0.affine.weight");
    EXPECT_EQ(sefa_layer_tensor(c, 2), "synthesis.b8.conv1.affine.weight");
    EXPECT_EQ(sefa_layer_tensor(c, 16), "synthesis.b1024.conv1.affine.weight");
    EXPECT_EQ(sefa_layer_tensor(c, 17), "synthesis.b1024.torgb.affine.weight");
}

TEST(DirectionsFile, Sha256AndRoundTrip) {
    const auto dir = std::filesystem::temp_directory_path() / "lf_linalg_unit";
    std::filesystem::create_directories(dir);
    const std::string txt = (dir / "abc.txt").string();
    std::ofstream(txt, std::ios::binary) << "abc";
    EXPECT_EQ(sha256_file(txt), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    // The values `xxhsum -H2` (Debian xxhash 0.8.1) prints for "abc" and for an empty file.
    EXPECT_EQ(file_fingerprint(txt), "xxh3-128:06b05ab6733a618578af5f94892f3950");
    const std::string empty = (dir / "empty.bin").string();
    std::ofstream(empty, std::ios::binary).flush();
    EXPECT_EQ(file_fingerprint(empty), "xxh3-128:99aa06d3014798d86001c324468d497f");
    EXPECT_THROW(file_fingerprint((dir / "missing.npy").string()), Error);
    DirectionsFile f;
    f.tensors.emplace_back("directions", tensor_f32({1, 0, 0, 0, 1, 0}, {2, 3}));
    f.tensors.emplace_back("scales", tensor_f32({2, 1}, {2}));
    f.metadata = {
        {"format", kDirectionsFormat}, {"format_version", kDirectionsFormatVersion}, {"method", "pca"}};
    const std::string out = (dir / "d.safetensors").string();
    write_directions(out, f);
    const SafetensorsFile back = SafetensorsFile::open(out);
    EXPECT_EQ(back.metadata().at("format"), "latentfactor-directions");
    EXPECT_EQ(back.get("directions").shape(), (Shape{2, 3}));
    f.tensors[0].second = tensor_f32({2, 0, 0, 0, 1, 0}, {2, 3});
    EXPECT_NE(error_of([&] { write_directions(out, f); }).find("direction 0 is not unit length"),
              std::string::npos);
}

}  // namespace
}  // namespace lf::test
