// test_linalg_kernels.cpp: the CUDA kernels of linalg/ (ica_nonlinearity, scatter_shift,
// accumulate_f64, column_moments) against their CPU twins. One source for both worlds
// (tests/emulated/backend.h): lf_linalg_emulated_tests (label emulated, three SIMT schedules) and
// lf_linalg_gpu_tests (label gpu, skips without a device).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "linalg/column_moments.h"
#include "linalg/ica_nonlinearity.h"
#include "linalg/scatter_accumulate.h"
#include "tests/emulated/backend.h"

namespace lf::test {
namespace {

std::vector<float> values(std::size_t n, std::uint32_t seed, float scale) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> g(0.0f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = g(rng);
    return v;
}

struct NonlinCase {
    IcaFunction fun;
    float alpha;
    int rows;
    std::int64_t cols, pad;
};

class IcaNonlinearityKernel : public ::testing::TestWithParam<NonlinCase> {};

TEST_P(IcaNonlinearityKernel, MatchesTwin) {
    LF_REQUIRE_BACKEND();
    const NonlinCase c = GetParam();
    const std::int64_t ld = c.cols + c.pad;
    const std::vector<float> y0 = values(static_cast<std::size_t>(c.rows * ld), 5, 2.0f);
    std::vector<float> want = y0;
    std::vector<double> want_sum(c.rows);
    IcaNonlinearityParams p{c.rows, c.cols, want.data(), ld, want_sum.data(), c.fun, c.alpha, nullptr};
    cpu::ica_nonlinearity(p);
    for_each_schedule([&](const std::string&) {
        DeviceBuffer<float> y(y0);
        DeviceBuffer<double> sums(std::vector<double>(c.rows, -1.0));
        DeviceBuffer<double> partial(
            std::vector<double>(static_cast<std::size_t>(ica_nonlinearity_workspace(c.rows, c.cols)), 0.0));
        IcaNonlinearityParams q{c.rows, c.cols, y.get(), ld, sums.get(), c.fun, c.alpha, partial.get()};
        LF_TEST_NS::ica_nonlinearity(q);
        const std::vector<float> got = y.to_host();
        const std::vector<double> got_sum = sums.to_host();
        for (int r = 0; r < c.rows; ++r) {
            for (std::int64_t j = 0; j < ld; ++j) {
                const std::size_t at = static_cast<std::size_t>(r * ld + j);
                if (j >= c.cols) {
                    EXPECT_EQ(got[at], y0[at]) << "padding written";
                    continue;
                }
                // g is bounded by |u|^3 (cube) or 1: the twin's own expf and the device's tanhf/expf differ
                // by a few ulp; 4e-7 absolute + 2e-6 relative covers both (float32 unit roundoff 6e-8).
                ASSERT_NEAR(got[at], want[at], 4e-7 + 2e-6 * std::fabs(want[at]))
                    << "row " << r << " col " << j;
            }
            // Sum of cols values of g' in float per thread/lane, float64 across: relative 1e-5.
            EXPECT_NEAR(got_sum[r], want_sum[r], 1e-5 * (std::fabs(want_sum[r]) + c.cols)) << "row " << r;
        }
    });
}

INSTANTIATE_TEST_SUITE_P(Cases, IcaNonlinearityKernel,
                         ::testing::Values(NonlinCase{IcaFunction::Logcosh, 1.0f, 3, 1000, 0},
                                           NonlinCase{IcaFunction::Logcosh, 1.7f, 2, 9000, 5},
                                           NonlinCase{IcaFunction::Exp, 1.0f, 4, 777, 3},
                                           NonlinCase{IcaFunction::Cube, 1.0f, 2, 300, 0},
                                           NonlinCase{IcaFunction::Logcosh, 1.0f, 1, 1, 0}));

TEST(ScatterKernels, ShiftAndAccumulateMatchTwins) {
    LF_REQUIRE_BACKEND();
    const std::int64_t rows = 37, cols = 300, ldx = 305, ldo = 301;
    const std::vector<float> x = values(static_cast<std::size_t>(rows * ldx), 7, 3.0f);
    std::vector<double> shift(cols);
    for (std::int64_t j = 0; j < cols; ++j) shift[j] = 0.25 * static_cast<double>(j % 7);
    std::vector<float> want_out(static_cast<std::size_t>(rows * ldo), 0.0f);
    std::vector<double> want_sum(cols, 1.5);
    cpu::scatter_shift({rows, cols, x.data(), ldx, shift.data(), want_out.data(), ldo, want_sum.data()});
    const std::vector<float> src = values(1234, 8, 1.0f);
    std::vector<double> want_acc(1234, 0.5);
    cpu::accumulate_f64({1234, src.data(), want_acc.data()});
    for_each_schedule([&](const std::string&) {
        DeviceBuffer<float> dx(x), dout(std::vector<float>(static_cast<std::size_t>(rows * ldo), 0.0f)),
            dsrc(src);
        DeviceBuffer<double> dshift(shift), dsum(std::vector<double>(cols, 1.5)),
            dacc(std::vector<double>(1234, 0.5));
        LF_TEST_NS::scatter_shift({rows, cols, dx.get(), ldx, dshift.get(), dout.get(), ldo, dsum.get()});
        LF_TEST_NS::accumulate_f64({1234, dsrc.get(), dacc.get()});
        // Same operations in the same order on both sides (one thread per column, rows in order): exact.
        EXPECT_EQ(dout.to_host(), want_out);
        EXPECT_EQ(dsum.to_host(), want_sum);
        EXPECT_EQ(dacc.to_host(), want_acc);
    });
}

TEST(ScatterKernels, ShiftInPlaceMatchesTwin) {
    // Randomized PCA's GPU pass shifts T [rows, l] in place (out == x): few columns, many rows.
    LF_REQUIRE_BACKEND();
    const std::int64_t rows = 1100, cols = 13;
    const std::vector<float> t0 = values(static_cast<std::size_t>(rows * cols), 9, 40.0f);
    std::vector<double> offset(cols);
    for (std::int64_t j = 0; j < cols; ++j)
        offset[j] = static_cast<float>(3.7 * static_cast<double>(j) - 20.0);
    std::vector<float> want = t0;
    std::vector<double> want_sum(cols, 0.0);
    cpu::scatter_shift({rows, cols, want.data(), cols, offset.data(), want.data(), cols, want_sum.data()});
    for_each_schedule([&](const std::string&) {
        DeviceBuffer<float> dt(t0);
        DeviceBuffer<double> doff(offset), dsum(std::vector<double>(cols, 0.0));
        LF_TEST_NS::scatter_shift({rows, cols, dt.get(), cols, doff.get(), dt.get(), cols, dsum.get()});
        // Same operations in the same order on both sides: exact.
        EXPECT_EQ(dt.to_host(), want);
        EXPECT_EQ(dsum.to_host(), want_sum);
    });
}

TEST(ColumnMomentsKernel, MatchesTwin) {
    LF_REQUIRE_BACKEND();
    for (const std::int64_t cols : {std::int64_t{1}, std::int64_t{300}, std::int64_t{513}}) {
        const std::int64_t rows = 41, ldx = cols + 3;
        std::vector<float> x = values(static_cast<std::size_t>(rows * ldx), 10, 2.0f);
        std::vector<double> shift(cols);
        for (std::int64_t j = 0; j < cols; ++j) {
            shift[j] = 100.0 + 0.5 * static_cast<double>(j % 11);  // large mean: the shift matters
            for (std::int64_t i = 0; i < rows; ++i) x[i * ldx + j] += static_cast<float>(shift[j]) + 0.25f;
        }
        std::vector<double> want_sum(cols, 1.5), want_sq(cols, 2.5);
        cpu::column_moments({rows, cols, x.data(), ldx, shift.data(), want_sum.data(), want_sq.data()});
        for_each_schedule([&](const std::string&) {
            DeviceBuffer<float> dx(x);
            DeviceBuffer<double> dshift(shift), dsum(std::vector<double>(cols, 1.5)),
                dsq(std::vector<double>(cols, 2.5));
            LF_TEST_NS::column_moments({rows, cols, dx.get(), ldx, dshift.get(), dsum.get(), dsq.get()});
            const std::vector<double> got_sum = dsum.to_host(), got_sq = dsq.to_host();
            // One thread per column, rows in order, as the twin: the sums are exact. The squares may be
            // fused (FMA) by nvcc on a GPU: 1e-14 relative (a few float64 ulp over 41 terms).
            EXPECT_EQ(got_sum, want_sum) << cols << " columns";
            for (std::int64_t j = 0; j < cols; ++j)
                EXPECT_NEAR(got_sq[j], want_sq[j], 1e-14 * want_sq[j]) << "column " << j << " of " << cols;
        });
    }
}

}  // namespace
}  // namespace lf::test
