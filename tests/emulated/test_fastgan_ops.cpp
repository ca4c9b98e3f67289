// test_fastgan_ops.cpp: FastGAN's CUDA kernels against their CPU twins: conv2d (conv2d.cu),
// batchnorm_glu (batchnorm_glu.cu), upconv_bn_glu (upconv_bn_glu.cu, eval: the fused kernel;
// batch: conv2d + batchnorm_glu) and se_block (se_block.cu). One source for both worlds (see
// backend.h): emulated (label emulated) under three schedules, and on a real GPU (label gpu) when
// there is one. Shapes are small and odd (ragged tiles in every dimension), batch > 1, noise on/off,
// eval/batch BatchNorm, upsample 1/2, k = 1/2/3/5, tanh; each selects a different kernel variant
// (noted per case). Names: <Op>_f32/<shape>. Metric: max |got - twin| / max |twin| over the whole
// output (tol::fastgan_rel).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/core/error.h"
#include "kernels/ops/batchnorm_glu.h"
#include "kernels/ops/conv2d.h"
#include "kernels/ops/se_block.h"
#include "kernels/ops/upconv_bn_glu.h"
#include "tests/emulated/backend.h"
#include "tests/emulated/tolerance.h"

namespace lf::test {
namespace {

// A relative error as text for the XML report (RecordProperty).
std::string sci(double v) {
    std::ostringstream s;
    s << std::scientific << std::setprecision(2) << v;
    return s.str();
}

// Uniform values in [lo, hi).
std::vector<float> make_values(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    std::mt19937 rng(seed);
    std::vector<float> v(n);
    for (float& x : v) x = lo + (hi - lo) * (static_cast<float>(rng() >> 8) * 0x1p-24f);
    return v;
}

// max |got - want| / max |want|, the FastGAN acceptance metric.
double max_rel_error(const std::vector<float>& got, const std::vector<float>& want) {
    double diff = 0.0, ref = 0.0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (!std::isfinite(got[i])) return INFINITY;
        diff = std::max(diff, std::fabs(static_cast<double>(got[i]) - want[i]));
        ref = std::max(ref, std::fabs(static_cast<double>(want[i])));
    }
    return diff / std::max(ref, 1e-30);
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want,
                  const std::string& schedule) {
    ASSERT_EQ(got.size(), want.size());
    const double err = max_rel_error(got, want);
    EXPECT_LE(err, tol::fastgan_rel) << schedule << ": max|diff| / max|twin| = " << err;
    ::testing::Test::RecordProperty("max_rel_error", sci(err));
}

// ---- conv2d ----------------------------------------------------------------------------------------

struct ConvCase {
    int n, in, out, h, w, k, pad, up;
    bool tanh_out;
};

std::string conv_name(const ::testing::TestParamInfo<ConvCase>& info) {
    const ConvCase& c = info.param;
    std::ostringstream s;
    s << "n" << c.n << "_i" << c.in << "_o" << c.out << "_" << c.h << "x" << c.w << "_k" << c.k << "_p"
      << c.pad << "_up" << c.up << (c.tanh_out ? "_tanh" : "");
    return s.str();
}

class Conv2d_f32 : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2d_f32, MatchesCpuTwin) {
    LF_REQUIRE_BACKEND();
    const ConvCase& c = GetParam();
    Conv2dParams p;
    p.batch = c.n;
    p.in_channels = c.in;
    p.out_channels = c.out;
    p.height = c.h;
    p.width = c.w;
    p.kernel = c.k;
    p.pad = c.pad;
    p.upsample = c.up;
    p.act = c.tanh_out ? OutputActivation::Tanh : OutputActivation::None;
    const auto x = make_values(static_cast<std::size_t>(c.n) * c.in * c.h * c.w, 11);
    const auto w = make_values(static_cast<std::size_t>(c.out) * c.in * c.k * c.k, 12, -0.5f, 0.5f);
    const std::size_t ny = static_cast<std::size_t>(c.n) * c.out * p.out_height() * p.out_width();
    std::vector<float> want(ny);
    Conv2dParams ref = p;
    ref.x = x.data();
    ref.weight = w.data();
    ref.y = want.data();
    cpu::conv2d(ref);

    for_each_schedule([&](const std::string& schedule) {
        DeviceBuffer<float> dx(x), dw(w), dy(std::vector<float>(ny, NAN));
        Conv2dParams q = p;
        q.x = dx.get();
        q.weight = dw.get();
        q.y = dy.get();
        LF_TEST_NS::conv2d(q, nullptr);
        expect_close(dy.to_host(), want, schedule);
    });
}

const ConvCase kConvCases[] = {
    {2, 5, 3, 7, 9, 3, 1, 2, true},      // direct kernel (O <= 4): to_big at 1024, upsample, tanh
    {3, 8, 3, 6, 5, 1, 0, 1, false},     // direct, 1x1: to_128
    {1, 70, 4, 3, 5, 3, 1, 1, false},    // direct, two input-channel chunks of the shared weights
    {3, 7, 20, 5, 6, 3, 1, 2, false},    // GEMM 16x256 tile, 3x3, upsample (batch-mode up-block conv)
    {2, 6, 10, 12, 11, 3, 1, 2, false},  // as above, planes large enough for the twin's sub-pixel form
    {2, 9, 50, 4, 5, 3, 1, 1, true},     // GEMM 64x64 tile, 3x3, tanh
    {2, 33, 70, 3, 3, 1, 0, 2, false},   // GEMM 64x64, 1x1, two M tiles, upsample
    {1, 4, 6, 5, 5, 5, 2, 1, false},     // GEMM 16x256, run-time k = 5
    {2, 3, 66, 4, 3, 2, 0, 2, false},    // GEMM 64x64, run-time k = 2 (even, no padding: smaller output)
};
INSTANTIATE_TEST_SUITE_P(Shapes, Conv2d_f32, ::testing::ValuesIn(kConvCases), conv_name);

// ---- batchnorm_glu ---------------------------------------------------------------------------------

struct BnCase {
    int n, c, h, w;
    bool noise;
    BatchNormMode mode;
};

std::string bn_name(const ::testing::TestParamInfo<BnCase>& info) {
    const BnCase& c = info.param;
    std::ostringstream s;
    s << "n" << c.n << "_c" << c.c << "_" << c.h << "x" << c.w << (c.noise ? "_noise" : "")
      << (c.mode == BatchNormMode::Eval ? "_eval" : "_batch");
    return s.str();
}

struct BnTensors {  // parameters shared by batchnorm_glu and upconv_bn_glu cases; gamma, beta, mean, var [2C]
    std::vector<float> gamma, beta, mean, var;
    explicit BnTensors(int c2)
        : gamma(make_values(c2, 21, 0.5f, 1.5f)),
          beta(make_values(c2, 22, -0.5f, 0.5f)),
          mean(make_values(c2, 23, -0.5f, 0.5f)),
          var(make_values(c2, 24, 0.5f, 2.0f)) {}
};

class BatchNormGlu_f32 : public ::testing::TestWithParam<BnCase> {};

TEST_P(BatchNormGlu_f32, MatchesCpuTwin) {
    LF_REQUIRE_BACKEND();
    const BnCase& c = GetParam();
    const std::int64_t plane = static_cast<std::int64_t>(c.h) * c.w;
    const BnTensors bn(2 * c.c);
    const auto x = make_values(static_cast<std::size_t>(c.n) * 2 * c.c * plane, 25, -2.0f, 3.0f);
    const auto noise = make_values(static_cast<std::size_t>(c.n) * plane, 26);
    const std::size_t ny = static_cast<std::size_t>(c.n) * c.c * plane;
    BatchNormGluParams p;
    p.noise_strength = c.noise ? 0.3f : 0.0f;
    p.mode = c.mode;
    p.batch = c.n;
    p.channels = c.c;
    p.plane = plane;
    std::vector<float> want(ny);
    BatchNormGluParams ref = p;
    ref.x = x.data();
    ref.y = want.data();
    ref.noise = c.noise ? noise.data() : nullptr;
    ref.bn_weight = bn.gamma.data();
    ref.bn_bias = bn.beta.data();
    ref.running_mean = bn.mean.data();
    ref.running_var = bn.var.data();
    cpu::batchnorm_glu(ref);

    for_each_schedule([&](const std::string& schedule) {
        DeviceBuffer<float> dx(x), dn(noise), dy(std::vector<float>(ny, NAN)), dg(bn.gamma), db(bn.beta),
            dm(bn.mean), dv(bn.var);
        BatchNormGluParams q = p;
        q.x = dx.get();
        q.y = dy.get();
        q.noise = c.noise ? dn.get() : nullptr;
        q.bn_weight = dg.get();
        q.bn_bias = db.get();
        q.running_mean = dm.get();
        q.running_var = dv.get();
        LF_TEST_NS::batchnorm_glu(q, nullptr);
        expect_close(dy.to_host(), want, schedule);
    });
}

const BnCase kBnCases[] = {
    {3, 5, 7, 9, true, BatchNormMode::Eval},     {3, 5, 7, 9, false, BatchNormMode::Batch},
    {2, 3, 4, 4, true, BatchNormMode::Batch},     // the init layer's 4x4 plane
    {2, 2, 90, 100, true, BatchNormMode::Batch},  // 18000 values per channel: 3 statistics blocks
    {1, 4, 3, 5, false, BatchNormMode::Batch},    // batch 1 (statistics over H, W only)
    {2, 300, 1, 1, false, BatchNormMode::Eval},   // 600 channels: two fold blocks
};
INSTANTIATE_TEST_SUITE_P(Shapes, BatchNormGlu_f32, ::testing::ValuesIn(kBnCases), bn_name);

// ---- upconv_bn_glu ---------------------------------------------------------------------------------

struct UpCase {
    int n, in, c, h, w, up;
    bool noise;
    BatchNormMode mode;
};

std::string up_name(const ::testing::TestParamInfo<UpCase>& info) {
    const UpCase& c = info.param;
    std::ostringstream s;
    s << "n" << c.n << "_i" << c.in << "_c" << c.c << "_" << c.h << "x" << c.w << "_up" << c.up
      << (c.noise ? "_noise" : "") << (c.mode == BatchNormMode::Eval ? "_eval" : "_batch");
    return s.str();
}

class UpConvBnGlu_f32 : public ::testing::TestWithParam<UpCase> {};

TEST_P(UpConvBnGlu_f32, MatchesCpuTwin) {
    LF_REQUIRE_BACKEND();
    const UpCase& c = GetParam();
    UpConvBnGluParams p;
    p.batch = c.n;
    p.in_channels = c.in;
    p.channels = c.c;
    p.height = c.h;
    p.width = c.w;
    p.upsample = c.up;
    p.mode = c.mode;
    p.noise_strength = c.noise ? 0.25f : 0.0f;
    const std::int64_t plane = static_cast<std::int64_t>(p.out_height()) * p.out_width();
    const BnTensors bn(2 * c.c);
    const auto x = make_values(static_cast<std::size_t>(c.n) * c.in * c.h * c.w, 31);
    const auto w = make_values(static_cast<std::size_t>(2 * c.c) * c.in * 9, 32, -0.5f, 0.5f);
    const auto noise = make_values(static_cast<std::size_t>(c.n) * plane, 33);
    const std::size_t ny = static_cast<std::size_t>(c.n) * c.c * plane, nt = 2 * ny;
    std::vector<float> want(ny), scratch(nt);
    UpConvBnGluParams ref = p;
    ref.x = x.data();
    ref.weight = w.data();
    ref.y = want.data();
    ref.scratch = scratch.data();
    ref.noise = c.noise ? noise.data() : nullptr;
    ref.bn_weight = bn.gamma.data();
    ref.bn_bias = bn.beta.data();
    ref.running_mean = bn.mean.data();
    ref.running_var = bn.var.data();
    cpu::upconv_bn_glu(ref);

    for_each_schedule([&](const std::string& schedule) {
        DeviceBuffer<float> dx(x), dw(w), dn(noise), dy(std::vector<float>(ny, NAN)),
            ds(std::vector<float>(nt, NAN)), dg(bn.gamma), db(bn.beta), dm(bn.mean), dv(bn.var);
        UpConvBnGluParams q = p;
        q.x = dx.get();
        q.weight = dw.get();
        q.y = dy.get();
        q.scratch = c.mode == BatchNormMode::Batch ? ds.get() : nullptr;
        q.noise = c.noise ? dn.get() : nullptr;
        q.bn_weight = dg.get();
        q.bn_bias = db.get();
        q.running_mean = dm.get();
        q.running_var = dv.get();
        LF_TEST_NS::upconv_bn_glu(q, nullptr);
        expect_close(dy.to_host(), want, schedule);
    });
}

const UpCase kUpCases[] = {
    {2, 5, 7, 5, 6, 2, true, BatchNormMode::Eval},  // fused kernel, 16x256 tile (C < 24), UpBlockComp conv 1
    {3, 6, 5, 4, 3, 1, true, BatchNormMode::Eval},  // fused, 16x256, no upsample (UpBlockComp conv 2)
    {1, 6, 30, 4, 3, 2, false, BatchNormMode::Eval},   // fused, 64x64 tile (C >= 24), UpBlock
    {2, 4, 40, 3, 3, 1, true, BatchNormMode::Eval},    // fused, 64x64, two channel-pair tiles
    {1, 4, 6, 16, 17, 2, true, BatchNormMode::Eval},   // fused, 16x256; the twin's conv in sub-pixel form
    {3, 4, 5, 4, 5, 2, true, BatchNormMode::Batch},    // two passes: conv2d (16x256) + batchnorm_glu
    {2, 3, 26, 3, 4, 2, false, BatchNormMode::Batch},  // two passes: conv2d (64x64, O = 52)
};
INSTANTIATE_TEST_SUITE_P(Shapes, UpConvBnGlu_f32, ::testing::ValuesIn(kUpCases), up_name);

TEST(UpConvBnGlu_f32_Args, BatchModeNeedsScratch) {
    LF_REQUIRE_BACKEND();
    const std::vector<float> one(64, 1.0f);
    DeviceBuffer<float> d(one), y(one);
    UpConvBnGluParams p;
    p.x = p.weight = p.bn_weight = p.bn_bias = d.get();
    p.y = y.get();
    p.batch = 2;
    p.in_channels = p.channels = 1;
    p.height = p.width = 2;
    p.mode = BatchNormMode::Batch;
    EXPECT_THROW(LF_TEST_NS::upconv_bn_glu(p, nullptr), ::lf::Error);
    p.mode = BatchNormMode::Eval;  // and eval mode needs running statistics
    EXPECT_THROW(LF_TEST_NS::upconv_bn_glu(p, nullptr), ::lf::Error);
}

// ---- se_block --------------------------------------------------------------------------------------

struct SeCase {
    int n, cs, hs, ws, cb, hb, wb;
};

std::string se_name(const ::testing::TestParamInfo<SeCase>& info) {
    const SeCase& c = info.param;
    std::ostringstream s;
    s << "n" << c.n << "_cs" << c.cs << "_" << c.hs << "x" << c.ws << "_cb" << c.cb << "_" << c.hb << "x"
      << c.wb;
    return s.str();
}

class SeBlock_f32 : public ::testing::TestWithParam<SeCase> {};

TEST_P(SeBlock_f32, MatchesCpuTwin) {
    LF_REQUIRE_BACKEND();
    const SeCase& c = GetParam();
    const auto small = make_values(static_cast<std::size_t>(c.n) * c.cs * c.hs * c.ws, 41, -1.0f, 2.0f);
    const auto big0 = make_values(static_cast<std::size_t>(c.n) * c.cb * c.hb * c.wb, 42);
    const auto w1 = make_values(static_cast<std::size_t>(c.cb) * c.cs * 16, 43, -0.3f, 0.3f);
    const auto w2 = make_values(static_cast<std::size_t>(c.cb) * c.cb, 44);
    SeBlockParams p;
    p.batch = c.n;
    p.small_channels = c.cs;
    p.small_height = c.hs;
    p.small_width = c.ws;
    p.big_channels = c.cb;
    p.big_plane = static_cast<std::int64_t>(c.hb) * c.wb;
    std::vector<float> want = big0;
    SeBlockParams ref = p;
    ref.small = small.data();
    ref.big = want.data();
    ref.w1 = w1.data();
    ref.w2 = w2.data();
    cpu::se_block(ref);

    for_each_schedule([&](const std::string& schedule) {
        DeviceBuffer<float> ds(small), db(big0), d1(w1), d2(w2);
        SeBlockParams q = p;
        q.small = ds.get();
        q.big = db.get();
        q.w1 = d1.get();
        q.w2 = d2.get();
        LF_TEST_NS::se_block(q, nullptr);
        expect_close(db.to_host(), want, schedule);
    });
}

const SeCase kSeCases[] = {
    {2, 5, 4, 4, 6, 8, 8},      // se_64 shape class: 4x4 small input (pool = identity)
    {1, 70, 8, 8, 40, 16, 16},  // two input-channel chunks; 8x8 small input (2x2 blocks)
    {3, 3, 16, 12, 9, 5, 7},    // non-square small input, odd big plane
    {2, 16, 32, 32, 33, 9, 9},  // 8x8 pooling blocks (se_512's 32x32 input), 33 gates
};
INSTANTIATE_TEST_SUITE_P(Shapes, SeBlock_f32, ::testing::ValuesIn(kSeCases), se_name);

TEST(SeBlock_f32_Args, RejectsSmallInputNotMultipleOf4) {
    LF_REQUIRE_BACKEND();
    const std::vector<float> one(64, 1.0f);
    DeviceBuffer<float> d(one);
    SeBlockParams p;
    p.small = p.w1 = p.w2 = d.get();
    p.big = d.get();
    p.batch = 1;
    p.small_channels = p.big_channels = 1;
    p.small_height = 6;
    p.small_width = 4;
    p.big_plane = 4;
    EXPECT_THROW(LF_TEST_NS::se_block(p, nullptr), ::lf::Error);
}

}  // namespace
}  // namespace lf::test
