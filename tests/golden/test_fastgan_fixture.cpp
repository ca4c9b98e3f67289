// test_fastgan_fixture.cpp: lf::FastGan (CPU backend) against the upstream golden outputs of
// ../shared/fixtures/fastgan_tiny256 (FastGAN-pytorch Generator(ngf=16, nz=64, im_size=256), 'g'
// weights, eval mode; NoiseInjection weights are 0). The ctest fixture setup of tests/golden/
// fastgan.cmake converts the .pth with tools/convert.py and unpacks the golden .npz
// (tests/golden/unpack_npz.py) into the directory named by LF_FASTGAN_FIXTURE_DIR. Without
// ../shared/fixtures (or a Python with NumPy) that variable is unset and the test skips.
// Compared: img [4,3,256,256], img_128 [4,3,128,128], feat_init [4,256,4,4] (the InitLayer output)
// and the taps feat_8/16/32, each within 1e-4 of max |golden| (../shared/fixtures/README.md).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>

#include "kernels/io/npy.h"
#include "nets/fastgan.h"

namespace {

// A relative error as text for the XML report (RecordProperty).
std::string sci(double v) {
    std::ostringstream s;
    s << std::scientific << std::setprecision(2) << v;
    return s.str();
}

double max_rel(const lf::Tensor& got, const lf::Tensor& want) {
    EXPECT_EQ(got.shape(), want.shape());
    if (got.shape() != want.shape()) return INFINITY;
    double diff = 0.0, ref = 0.0;
    for (std::int64_t i = 0; i < got.numel(); ++i) {
        const double a = got.data<float>()[i], b = want.data<float>()[i];
        const double d = std::fabs(a - b);
        if (!(d <= diff)) diff = d;
        ref = std::max(ref, std::fabs(b));
    }
    return diff / std::max(ref, 1e-30);
}

TEST(FastGanFixture, Tiny256MatchesUpstream) {
    const char* dir_env = std::getenv("LF_FASTGAN_FIXTURE_DIR");
    if (!dir_env || !*dir_env)
        GTEST_SKIP() << "../shared/fixtures/fastgan_tiny256.pth or a Python with NumPy is missing (fixture "
                        "not set up)";
    const std::filesystem::path dir(dir_env);
    const std::filesystem::path model = dir / "fastgan_tiny256.safetensors";
    ASSERT_TRUE(std::filesystem::exists(model))
        << model << " missing: did the fastgan_fixture_convert step run?";
    constexpr double kTol = 1e-4;  // ../shared/fixtures/README.md: 1e-4 of the output's max |value|

    const lf::FastGan g = lf::FastGan::load(model.string());
    EXPECT_EQ(g.config().im_size, 256);
    EXPECT_EQ(g.config().ngf, 16);
    EXPECT_EQ(g.config().nz, 64);
    const lf::Tensor z = lf::npy::load((dir / "z.npy").string());
    std::map<std::string, lf::Tensor> taps;
    const lf::TapSink sink = [&](const std::string& name, const lf::Tensor& t) {
        taps[name] = t.to(lf::Device::cpu());
    };
    lf::FastGanOptions opt;
    opt.bn = lf::BatchNormMode::Eval;
    opt.noise = lf::FastGanNoise::None;
    const lf::FastGanOutput out = g.forward(z, opt, &sink);

    auto golden = [&](const std::string& key) { return lf::npy::load((dir / (key + ".npy")).string()); };
    const std::pair<std::string, lf::Tensor> checks[] = {{"img", out.image},
                                                         {"img_128", out.image_128},
                                                         {"feat_init", taps["init"]},
                                                         {"feat_feat_8", taps["feat_8"]},
                                                         {"feat_feat_16", taps["feat_16"]},
                                                         {"feat_feat_32", taps["feat_32"]}};
    for (const auto& [key, got] : checks) {
        const double err = max_rel(got, golden(key));
        EXPECT_LE(err, kTol) << key << ": max|diff| / max|golden| = " << err;
        ::testing::Test::RecordProperty(key + "_rel_error", sci(err));
    }
}

}  // namespace
