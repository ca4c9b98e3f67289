// test_gemm.cpp: the GEMM kernels (gemm_tiled, gemm_wmma) against the CPU twin lf::cpu::gemm.
// One source for both worlds (see backend.h): emulated (label emulated) under three schedules,
// and on a real GPU (label gpu) when there is one. Names: <Variant>_<dtype>/<shape>.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/core/error.h"
#include "kernels/ops/gemm.h"
#include "tests/emulated/backend.h"
#include "tests/emulated/tolerance.h"

namespace lf::test {
namespace {

struct GemmCase {
    int m, n, k;
    int pad = 0;         // extra elements per row: lda = k + pad, ldb = ldc = n + pad
    float alpha = 1.0f;
    float beta = 0.0f;
    bool integers = false;  // small-integer inputs: every sum is exact, compare bit for bit
};

std::string case_name(const ::testing::TestParamInfo<GemmCase>& info) {
    const GemmCase& c = info.param;
    std::ostringstream s;  // (not "m" + std::to_string(..): g++ 12 -O3 warns -Wrestrict on it)
    s << "m" << c.m << "_n" << c.n << "_k" << c.k;
    if (c.pad) s << "_pad" << c.pad;
    if (c.beta != 0.0f) s << "_beta";
    if (c.integers) s << "_int";
    return s.str();
}

std::vector<float> make_values(std::size_t n, std::uint32_t seed, bool integers) {
    std::mt19937 rng(seed);
    std::vector<float> v(n);
    for (float& x : v) {
        x = integers ? static_cast<float>(static_cast<int>(rng() % 7) - 3)  // -3..3
                     : static_cast<float>(rng() >> 8) * 0x1p-23f - 1.0f;    // [-1, 1)
    }
    return v;
}

using GemmEntry = void (*)(const GemmParams&, Stream);

// Runs `entry` on the backend and compares with lf::cpu::gemm under `tolerance` (relative to
// |alpha| * sum_k |a_ik b_kj| + |beta c_ij|, see tolerance.h); exact when c.integers.
void check_against_twin(const GemmCase& c, GemmEntry entry, double tolerance) {
    const int lda = c.k + c.pad, ldb = c.n + c.pad, ldc = c.n + c.pad;
    const std::vector<float> a = make_values(static_cast<std::size_t>(c.m) * lda, 1, c.integers);
    const std::vector<float> b = make_values(static_cast<std::size_t>(c.k) * ldb, 2, c.integers);
    const std::vector<float> c0 = make_values(static_cast<std::size_t>(c.m) * ldc, 3, c.integers);

    std::vector<float> want = c0;
    GemmParams ref{c.m, c.n, c.k, a.data(), lda, b.data(), ldb, want.data(), ldc, c.alpha, c.beta};
    cpu::gemm(ref);

    for_each_schedule([&](const std::string& schedule) {
        DeviceBuffer<float> da(a), db(b), dc(c0);
        GemmParams p{c.m, c.n, c.k, da.get(), lda, db.get(), ldb, dc.get(), ldc, c.alpha, c.beta};
        entry(p, nullptr);
        const std::vector<float> got = dc.to_host();
        int reported = 0;
        for (int i = 0; i < c.m; ++i) {
            for (int j = 0; j < ldc; ++j) {
                const std::size_t at = static_cast<std::size_t>(i) * ldc + j;
                if (j >= c.n) {  // padding must stay untouched
                    EXPECT_EQ(got[at], c0[at]) << "padding written at (" << i << ", " << j << ")";
                    continue;
                }
                double scale = std::fabs(c.beta * c0[at]);
                for (int kk = 0; kk < c.k; ++kk)
                    scale += std::fabs(c.alpha * a[static_cast<std::size_t>(i) * lda + kk] *
                                       b[static_cast<std::size_t>(kk) * ldb + j]);
                const double bound = c.integers ? 0.0 : tolerance * scale + 1e-30;
                const double err = std::fabs(static_cast<double>(got[at]) - want[at]);
                if (!(err <= bound) && reported++ < 5)
                    ADD_FAILURE() << schedule << ": C(" << i << ", " << j << ") = " << got[at] << ", twin "
                                  << want[at] << ", |diff| " << err << " > bound " << bound;
            }
        }
        EXPECT_EQ(reported, 0) << schedule << ": elements outside the tolerance";
    });
}

const GemmCase kCases[] = {
    {16, 16, 16},
    {1, 1, 1},
    {33, 17, 40},                     // ragged edges in every dimension
    {64, 48, 80, 3},                  // padded strides
    {20, 70, 5, 0, 1.5f, -0.5f},      // alpha and beta
    {48, 32, 64, 0, 1.0f, 0.0f, true},
    {7, 9, 0, 0, 2.0f, 0.5f},         // k == 0: C = beta * C
};

class GemmTiled_f32 : public ::testing::TestWithParam<GemmCase> {};

TEST_P(GemmTiled_f32, MatchesCpuTwin) {
    LF_REQUIRE_BACKEND();
    const GemmCase& c = GetParam();
    check_against_twin(c, &LF_TEST_NS::gemm_tiled, tol::gemm_f32(c.k));
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemmTiled_f32, ::testing::ValuesIn(kCases), case_name);

TEST(GemmTiled_f32_Args, RejectsShortStride) {
    LF_REQUIRE_BACKEND();
    GemmParams p{4, 4, 4, nullptr, 3, nullptr, 4, nullptr, 4};
    EXPECT_THROW(LF_TEST_NS::gemm_tiled(p, nullptr), ::lf::Error);
}

class GemmWmma_tf32 : public ::testing::TestWithParam<GemmCase> {};

TEST_P(GemmWmma_tf32, MatchesCpuTwin) {
    LF_REQUIRE_BACKEND();
    const GemmCase& c = GetParam();
    check_against_twin(c, &LF_TEST_NS::gemm_wmma, tol::gemm_tf32(c.k));
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemmWmma_tf32, ::testing::ValuesIn(kCases), case_name);

}  // namespace
}  // namespace lf::test
