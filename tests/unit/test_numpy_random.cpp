// test_numpy_random.cpp: lf::NumpyRandomState against values written by NumPy's legacy
// RandomState (tests/golden, from tools/reference/make_numpy_random_golden.py): bit for bit.
#include <gtest/gtest.h>

#include <cstring>

#include "kernels/core/numpy_random.h"
#include "kernels/io/npy.h"

namespace {

std::string golden(const std::string& name) { return std::string(LF_SOURCE_DIR) + "/tests/golden/" + name; }

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

class NumpyRandnGolden : public ::testing::TestWithParam<int> {};

TEST_P(NumpyRandnGolden, SeedsZeroToNineMatchBitForBit) {
    const int n = GetParam();
    const lf::Tensor ref = lf::npy::load(golden("numpy_randn_len" + std::to_string(n) + ".npy"));
    ASSERT_EQ(ref.shape(), (lf::Shape{10, n}));
    const double* expected = ref.data<double>();  // [10, n]
    for (std::uint32_t seed = 0; seed < 10; ++seed) {
        const std::vector<double> got = lf::NumpyRandomState(seed).randn(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i)
            ASSERT_TRUE(same_bits(got[i], expected[seed * n + i]))
                << "seed " << seed << " index " << i << ": " << got[i] << " vs " << expected[seed * n + i];
    }
}

INSTANTIATE_TEST_SUITE_P(Lengths, NumpyRandnGolden, ::testing::Values(1, 2, 7, 32, 512, 1001));

TEST(NumpyRandom, CachedGaussianCrossesCallsAndSurvivesUniformDraws) {
    const lf::Tensor ref = lf::npy::load(golden("numpy_sequence.npy"));
    const double* expected = ref.data<double>();
    std::vector<double> got;
    for (std::uint32_t seed : {123u, 4294967295u}) {
        lf::NumpyRandomState rs(seed);
        for (double v : rs.randn(3)) got.push_back(v);
        for (double v : rs.randn(4)) got.push_back(v);
        for (int i = 0; i < 5; ++i) got.push_back(rs.random_sample());
        for (double v : rs.randn(1)) got.push_back(v);
        for (double v : rs.randn(2)) got.push_back(v);
    }
    ASSERT_EQ(static_cast<std::int64_t>(got.size()), ref.numel());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(same_bits(got[i], expected[i])) << "index " << i;
}

TEST(NumpyRandom, Mt19937ReferenceOutput) {
    // The first output of the reference mt19937ar init_genrand(5489) is 3499211612.
    lf::NumpyRandomState rs(5489);
    EXPECT_EQ(rs.next_uint32(), 3499211612u);
}

}  // namespace
