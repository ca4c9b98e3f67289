// test_inception_fixture.cpp (label fixtures): the FID InceptionV3 on the CPU backend against
// pytorch-fid's own pool3 features of ../shared/fixtures/fid_inception_random (random weights with
// the exact pt_inception-2015-12-05 keys), converted by tools/convert.py and unpacked to .npy by the
// ctest fixture setup (tests/fid/CMakeLists.txt) into $LF_FID_FIXTURE_DIR. Tolerance from
// ../shared/fixtures/README.md: max |ours - golden| / max |golden| <= 1e-4 per array.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "kernels/io/npy.h"
#include "nets/inception.h"

namespace lf {
namespace {

std::string fixture_dir() {
    const char* d = std::getenv("LF_FID_FIXTURE_DIR");
    return d ? d : "";
}

// max |a - b| / max |b|
double max_rel_error(const Tensor& got, const Tensor& want) {
    EXPECT_EQ(got.shape(), want.shape());
    double diff = 0.0, scale = 0.0;
    for (std::int64_t i = 0; i < want.numel(); ++i) {
        diff = std::max(diff, std::fabs(double(got.data<float>()[i]) - want.data<float>()[i]));
        scale = std::max(scale, std::fabs(double(want.data<float>()[i])));
    }
    return diff / scale;
}

class InceptionFixture : public ::testing::TestWithParam<const char*> {};

TEST_P(InceptionFixture, Pool3MatchesPytorchFid) {
    const std::string dir = fixture_dir();
    if (dir.empty() || !std::filesystem::exists(dir + "/fid_inception_random.safetensors"))
        GTEST_SKIP()
            << "no converted fid_inception_random fixture (../shared/fixtures or Python+NumPy missing)";
    static const InceptionFid net = InceptionFid::load(dir + "/fid_inception_random.safetensors");
    const std::string suffix = GetParam();
    const Tensor x = npy::load(dir + "/x" + suffix + ".npy");
    const Tensor want = npy::load(dir + "/feat" + suffix + ".npy");
    const Tensor got = net.features(x, 2048, inception_cpu_backend());
    const double rel = max_rel_error(got, want);
    std::printf("feat%s: max rel error %.3e\n", suffix.c_str(), rel);
    EXPECT_LE(rel, 1e-4) << "fixture tolerance (../shared/fixtures/README.md)";
}

INSTANTIATE_TEST_SUITE_P(Inputs, InceptionFixture, ::testing::Values("64", "299", "odd"));

}  // namespace
}  // namespace lf
