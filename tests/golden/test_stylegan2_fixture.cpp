// test_stylegan2_fixture.cpp: lf::StyleGan2 (CPU) against the upstream golden outputs of the official
// fixture ../shared/fixtures/sg2_tiny32.pkl (G_ema of stylegan2-ada-pytorch: z 32, w 48, 3 mapping
// layers, 32x32, conv_clamp 256), computed by the official code (CPU float32, TF32 off).
// The ctest fixture setup (tests/golden/CMakeLists.txt) converts the pickle with tools/convert.py and
// unpacks sg2_tiny32_golden.npz with tests/golden/unpack_npz.py into the directory named by the
// environment variable LF_SG2_FIXTURE_DIR; this test skips when ../shared/fixtures or that directory
// is absent. Tolerances are those of ../shared/fixtures/README.md: ws 1e-5 max abs (float32 GEMM
// rounding), images 1e-3 max abs (images span about -15..6; float32 accumulation-order noise).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "kernels/core/numpy_random.h"
#include "kernels/io/npy.h"
#include "nets/stylegan2.h"

namespace {

constexpr double kWsTol = 1e-5;
constexpr double kImgTol = 1e-3;

double max_abs_diff(const lf::Tensor& got, const lf::Tensor& want, const std::string& what) {
    EXPECT_EQ(got.shape(), want.shape()) << what << ": shape " << lf::shape_to_string(got.shape())
                                         << " vs golden " << lf::shape_to_string(want.shape());
    if (got.shape() != want.shape()) return INFINITY;
    const float* a = got.data<float>();
    const float* b = want.data<float>();
    double m = 0.0;
    for (std::int64_t i = 0; i < got.numel(); ++i) {
        const double d = std::fabs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
        if (!(d <= m)) m = d;  // NaN propagates as a failure
    }
    return m;
}

class StyleGan2Fixture : public ::testing::Test {
protected:
    void SetUp() override {
        if (!std::filesystem::exists(std::string(LF_FIXTURES_DIR) + "/sg2_tiny32.pkl"))
            GTEST_SKIP() << "../shared/fixtures/sg2_tiny32.pkl is absent";
        const char* dir = std::getenv("LF_SG2_FIXTURE_DIR");
        if (dir == nullptr || *dir == '\0')
            GTEST_SKIP()
                << "LF_SG2_FIXTURE_DIR is not set (ctest sets it when a Python with NumPy was found)";
        dir_ = std::string(dir) + "/";
        ASSERT_TRUE(std::filesystem::exists(dir_ + "sg2_tiny32.safetensors"))
            << dir_ << "sg2_tiny32.safetensors is missing: the ctest fixture setup (convert.py) did not run";
        ASSERT_TRUE(std::filesystem::exists(dir_ + "img_psi10.npy"))
            << dir_ << "img_psi10.npy is missing: the ctest fixture setup (unpack_npz.py) did not run";
    }
    lf::Tensor golden(const std::string& key) const { return lf::npy::load(dir_ + key + ".npy"); }
    lf::StyleGan2 model() const { return lf::StyleGan2::load(dir_ + "sg2_tiny32.safetensors"); }

    std::string dir_;
};

TEST_F(StyleGan2Fixture, MappingMatchesUpstream) {
    const lf::StyleGan2 g = model();
    const lf::Tensor z = golden("z");
    const double e10 = max_abs_diff(g.mapping(z, nullptr, 1.0f, -1), golden("ws_psi10"), "ws psi 1.0");
    const double e07 = max_abs_diff(g.mapping(z, nullptr, 0.7f, -1), golden("ws_psi07"), "ws psi 0.7");
    EXPECT_LE(e10, kWsTol) << "ws (psi 1.0)";
    EXPECT_LE(e07, kWsTol) << "ws (psi 0.7)";
    std::cout << "[ max abs  ] ws_psi10 " << e10 << ", ws_psi07 " << e07 << "\n";
}

TEST_F(StyleGan2Fixture, SynthesisMatchesUpstream) {
    const lf::StyleGan2 g = model();
    struct Check {
        const char* img_key;
        const char* ws_key;
        lf::NoiseMode noise;
    };
    const Check checks[] = {{"img_psi10", "ws_psi10", lf::NoiseMode::Const},
                            {"img_psi07", "ws_psi07", lf::NoiseMode::Const},
                            {"img_wplus", "wplus", lf::NoiseMode::Const},
                            {"img_nonoise_psi10", "ws_psi10", lf::NoiseMode::None}};
    for (const Check& ck : checks) {
        const lf::Tensor img = g.synthesis(golden(ck.ws_key), lf::SynthesisOptions{ck.noise});
        const double e = max_abs_diff(img, golden(ck.img_key), ck.img_key);
        EXPECT_LE(e, kImgTol) << ck.img_key;
        std::cout << "[ max abs  ] " << ck.img_key << " " << e << "\n";
    }
}

TEST_F(StyleGan2Fixture, SeedsToImagesEndToEnd) {
    // seed -> z -> mapping -> synthesis in one go, as `lfgen generate --seeds` does it.
    const lf::StyleGan2 g = model();
    const lf::Tensor seeds = golden("seeds");  // [N] int64
    const lf::Tensor z_ref = golden("z");      // [N, z_dim], RandomState(seed).randn(1, z_dim) as float32
    ASSERT_EQ(z_ref.dim(0), seeds.numel());
    const std::int64_t z_dim = z_ref.dim(1);
    lf::Tensor z = lf::Tensor::empty({seeds.numel(), z_dim}, lf::DType::F64);
    for (std::int64_t i = 0; i < seeds.numel(); ++i) {
        const std::vector<double> row =
            lf::NumpyRandomState(static_cast<std::uint32_t>(seeds.data<std::int64_t>()[i]))
                .randn(static_cast<std::size_t>(z_dim));
        for (std::int64_t j = 0; j < z_dim; ++j) {
            z.data<double>()[i * z_dim + j] = row[static_cast<std::size_t>(j)];
            // the golden z is the float64 draw rounded to float32
            ASSERT_EQ(static_cast<float>(row[static_cast<std::size_t>(j)]),
                      z_ref.data<float>()[i * z_dim + j])
                << "seed row " << i;
        }
    }
    const lf::Tensor img = g.synthesis(g.mapping(z, nullptr, 0.7f, -1), lf::SynthesisOptions{});
    EXPECT_LE(max_abs_diff(img, golden("img_psi07"), "img_psi07 end to end"), kImgTol);
}

}  // namespace
