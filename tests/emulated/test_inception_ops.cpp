// test_inception_ops.cpp: the FID InceptionV3 kernels (conv_bn_relu, max_pool2d, avg_pool2d,
// bilinear_resize) against their CPU twins. One source for both worlds (see backend.h): emulated
// (label emulated) under three schedules, and on a real GPU (label gpu) when there is one.
// Shapes are small (the emulation runs every CUDA thread as a fiber) but cover every conv geometry
// of the net (1x1, 3x3, 5x5, 1x7, 7x1, 1x3, 3x1; stride 1 and 2; the paddings used), more than one
// block in each GEMM dimension, batches, and outputs written into a channel slice (the channels
// outside the slice must stay untouched).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/core/error.h"
#include "kernels/ops/avg_pool2d.h"
#include "kernels/ops/bilinear_resize.h"
#include "kernels/ops/conv_bn_relu.h"
#include "kernels/ops/max_pool2d.h"
#include "weights/safetensors.h"
#include "nets/inception.h"
#include "nets/inception_backend.h"
#include "tests/emulated/backend.h"
#include "tests/emulated/tolerance.h"

namespace lf::test {
namespace {

constexpr float kSentinel = 12345.0f;  // fills the output channels outside the written slice

std::vector<float> make_values(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) x = u(rng);
    return v;
}

// ---- conv_bn_relu ----------------------------------------------------------------------------

struct ConvCase {
    int batch, in, h, w, out, kh, kw, stride, ph, pw;
};

std::string conv_name(const ::testing::TestParamInfo<ConvCase>& info) {
    const ConvCase& c = info.param;
    std::ostringstream s;
    s << "k" << c.kh << "x" << c.kw << "_s" << c.stride << "_p" << c.ph << "x" << c.pw << "_n" << c.batch
      << "_i" << c.in << "_o" << c.out << "_" << c.h << "x" << c.w;
    return s.str();
}

class ConvBnRelu_f32 : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvBnRelu_f32, MatchesCpuTwin) {
    LF_REQUIRE_BACKEND();
    const ConvCase& c = GetParam();
    ConvBnReluParams p;
    p.batch = c.batch;
    p.in_channels = c.in;
    p.height = c.h;
    p.width = c.w;
    p.out_channels = c.out;
    p.kernel_h = c.kh;
    p.kernel_w = c.kw;
    p.stride_h = p.stride_w = c.stride;
    p.pad_h = c.ph;
    p.pad_w = c.pw;
    p.y_channel_offset = 3;
    p.y_channels = c.out + 5;
    const int ho = p.out_height(), wo = p.out_width();
    const int k = c.in * c.kh * c.kw;
    const std::vector<float> x = make_values(static_cast<std::size_t>(c.batch) * c.in * c.h * c.w, 1);
    const std::vector<float> w = make_values(static_cast<std::size_t>(c.out) * k, 2, -0.5f, 0.5f);
    const std::vector<float> b = make_values(static_cast<std::size_t>(c.out), 3);
    const std::vector<float> y0(static_cast<std::size_t>(c.batch) * p.y_channels * ho * wo, kSentinel);

    std::vector<float> want = y0;
    ConvBnReluParams ref = p;
    ref.x = x.data();
    ref.weight = w.data();
    ref.bias = b.data();
    ref.y = want.data();
    cpu::conv_bn_relu(ref);

    // Per-output bound: the GEMM bound over the k products plus the shift (tolerance.h), in terms
    // of sum_k |w x| + |b| (|relu(u) - relu(v)| <= |u - v|, so ReLU keeps it).
    std::vector<double> scale(want.size(), 0.0);
    for (int n = 0; n < c.batch; ++n)
        for (int o = 0; o < c.out; ++o)
            for (int oy = 0; oy < ho; ++oy)
                for (int ox = 0; ox < wo; ++ox) {
                    double s = std::fabs(b[o]);
                    for (int i = 0; i < c.in; ++i)
                        for (int ky = 0; ky < c.kh; ++ky)
                            for (int kx = 0; kx < c.kw; ++kx) {
                                const int iy = oy * c.stride - c.ph + ky, ix = ox * c.stride - c.pw + kx;
                                if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
                                s += std::fabs(
                                    w[((o * c.in + i) * c.kh + ky) * c.kw + kx] *
                                    x[((static_cast<std::size_t>(n) * c.in + i) * c.h + iy) * c.w + ix]);
                            }
                    scale[((static_cast<std::size_t>(n) * p.y_channels + p.y_channel_offset + o) * ho + oy) *
                              wo +
                          ox] = s;
                }
    const double tolerance = tol::gemm_f32(k + 1);

    for_each_schedule([&](const std::string& schedule) {
        DeviceBuffer<float> dx(x), dw(w), db(b), dy(y0);
        ConvBnReluParams q = p;
        q.x = dx.get();
        q.weight = dw.get();
        q.bias = db.get();
        q.y = dy.get();
        LF_TEST_NS::conv_bn_relu(q, nullptr);
        const std::vector<float> got = dy.to_host();
        int reported = 0;
        double max_err = 0.0, max_ref = 0.0;
        for (std::size_t e = 0; e < got.size(); ++e) {
            const int ch = static_cast<int>((e / (static_cast<std::size_t>(ho) * wo)) % p.y_channels);
            const bool in_slice = ch >= p.y_channel_offset && ch < p.y_channel_offset + c.out;
            const double bound = in_slice ? tolerance * scale[e] + 1e-30 : 0.0;
            const double err = std::fabs(static_cast<double>(got[e]) - want[e]);
            if (in_slice) {
                max_err = std::max(max_err, err);
                max_ref = std::max(max_ref, std::fabs(static_cast<double>(want[e])));
            }
            if (!(err <= bound) && reported++ < 5)
                ADD_FAILURE() << schedule << ": y[" << e << "] (channel " << ch << ") = " << got[e]
                              << ", twin " << want[e] << ", bound " << bound;
        }
        EXPECT_EQ(reported, 0) << schedule << ": elements outside the tolerance";
        // max |kernel - twin| / max |twin|, the relative error the issue reports
        char rel[32];
        std::snprintf(rel, sizeof(rel), "%.3e", max_err / std::max(max_ref, 1e-30));
        RecordProperty("max_rel_error", rel);
    });
}

// Every conv geometry of the FID InceptionV3, small; the last ones span several 64x64 tiles and
// several 16-deep k steps.
const ConvCase kConvCases[] = {
    {2, 5, 9, 8, 6, 1, 1, 1, 0, 0},     // 1x1 (branch1x1, *_1, branch_pool)
    {2, 3, 11, 9, 7, 3, 3, 2, 0, 0},    // 3x3 stride 2 (Conv2d_1a, Mixed_6a, Mixed_7a)
    {2, 4, 9, 9, 5, 3, 3, 1, 0, 0},     // 3x3 valid (Conv2d_2a, Conv2d_4a)
    {2, 4, 7, 8, 6, 3, 3, 1, 1, 1},     // 3x3 pad 1 (Conv2d_2b, 3x3dbl)
    {2, 3, 7, 6, 5, 5, 5, 1, 2, 2},     // 5x5 pad 2 (branch5x5_2)
    {2, 4, 6, 9, 5, 1, 7, 1, 0, 3},     // 1x7 pad (0, 3)
    {2, 4, 9, 6, 5, 7, 1, 1, 3, 0},     // 7x1 pad (3, 0)
    {2, 4, 5, 7, 6, 1, 3, 1, 0, 1},     // 1x3 pad (0, 1)
    {2, 4, 7, 5, 6, 3, 1, 1, 1, 0},     // 3x1 pad (1, 0)
    {3, 20, 9, 10, 70, 3, 3, 1, 1, 1},  // 2 tiles of output channels, 5 tiles of pixels, 12 k steps
    {1, 37, 4, 4, 130, 1, 1, 1, 0, 0},  // 3 channel tiles, ragged k
};

INSTANTIATE_TEST_SUITE_P(Shapes, ConvBnRelu_f32, ::testing::ValuesIn(kConvCases), conv_name);

TEST(ConvBnRelu_f32_Args, RejectsSliceOutsideOutput) {
    LF_REQUIRE_BACKEND();
    ConvBnReluParams p;
    p.batch = 1;
    p.in_channels = p.out_channels = 2;
    p.height = p.width = 3;
    p.y_channels = 3;
    p.y_channel_offset = 2;
    float dummy = 0;
    p.x = p.weight = p.bias = &dummy;
    p.y = &dummy;
    EXPECT_THROW(LF_TEST_NS::conv_bn_relu(p, nullptr), ::lf::Error);
}

// ---- pools -----------------------------------------------------------------------------------

struct PoolCase {
    int batch, channels, h, w, kh, kw, stride, pad;
};

std::string pool_name(const ::testing::TestParamInfo<PoolCase>& info) {
    const PoolCase& c = info.param;
    std::ostringstream s;
    s << "k" << c.kh << "x" << c.kw << "_s" << c.stride << "_p" << c.pad << "_" << c.h << "x" << c.w;
    return s.str();
}

const PoolCase kPoolCases[] = {
    {2, 3, 9, 11, 3, 3, 2, 0},  // stride-2 reduction (stem, Mixed_6a, Mixed_7a)
    {2, 3, 6, 5, 3, 3, 1, 1},   // stride-1 pad-1 branch pool (FIDInceptionA/C/E)
    {2, 4, 5, 5, 5, 5, 1, 0},   // whole-map window (the global pools)
};

// Runs a pool entry on the backend and expects the twin's output bit for bit: both scan the same
// window in the same order with plain compares / adds and one division (no FMA to contract).
template <typename Params, typename Entry, typename Twin>
void check_pool(const PoolCase& c, Entry entry, Twin twin) {
    Params p;
    p.batch = c.batch;
    p.channels = c.channels;
    p.height = c.h;
    p.width = c.w;
    p.kernel_h = c.kh;
    p.kernel_w = c.kw;
    p.stride_h = p.stride_w = c.stride;
    p.pad_h = p.pad_w = c.pad;
    p.y_channel_offset = 2;
    p.y_channels = c.channels + 3;
    const std::vector<float> x = make_values(static_cast<std::size_t>(c.batch) * c.channels * c.h * c.w, 4);
    const std::vector<float> y0(
        static_cast<std::size_t>(c.batch) * p.y_channels * p.out_height() * p.out_width(), kSentinel);
    std::vector<float> want = y0;
    Params ref = p;
    ref.x = x.data();
    ref.y = want.data();
    twin(ref);
    for_each_schedule([&](const std::string& schedule) {
        DeviceBuffer<float> dx(x), dy(y0);
        Params q = p;
        q.x = dx.get();
        q.y = dy.get();
        entry(q, nullptr);
        const std::vector<float> got = dy.to_host();
        int reported = 0;
        for (std::size_t e = 0; e < got.size(); ++e)
            if (!(got[e] == want[e]) && reported++ < 5)
                ADD_FAILURE() << schedule << ": y[" << e << "] = " << got[e] << ", twin " << want[e];
        EXPECT_EQ(reported, 0) << schedule;
    });
}

class MaxPool2d_f32 : public ::testing::TestWithParam<PoolCase> {};
TEST_P(MaxPool2d_f32, MatchesCpuTwinExactly) {
    LF_REQUIRE_BACKEND();
    check_pool<MaxPool2dParams>(GetParam(), &LF_TEST_NS::max_pool2d,
                                [](const MaxPool2dParams& p) { cpu::max_pool2d(p); });
}
INSTANTIATE_TEST_SUITE_P(Shapes, MaxPool2d_f32, ::testing::ValuesIn(kPoolCases), pool_name);

class AvgPool2d_f32 : public ::testing::TestWithParam<PoolCase> {};
TEST_P(AvgPool2d_f32, MatchesCpuTwinExactly) {
    LF_REQUIRE_BACKEND();
    check_pool<AvgPool2dParams>(GetParam(), &LF_TEST_NS::avg_pool2d,
                                [](const AvgPool2dParams& p) { cpu::avg_pool2d(p); });
}
INSTANTIATE_TEST_SUITE_P(Shapes, AvgPool2d_f32, ::testing::ValuesIn(kPoolCases), pool_name);

// count_include_pad=False at the corner of a 3x3 s1 p1 window: 4 real pixels, divided by 4.
TEST(AvgPool2d_f32_Semantics, ExcludesPaddingFromTheCount) {
    const std::vector<float> x = {1, 2, 3, 4};  // 2x2
    std::vector<float> y(4, 0.0f);
    AvgPool2dParams p;
    p.x = x.data();
    p.y = y.data();
    p.batch = p.channels = 1;
    p.height = p.width = 2;
    p.stride_h = p.stride_w = 1;
    p.pad_h = p.pad_w = 1;
    p.y_channels = 1;
    cpu::avg_pool2d(p);
    for (float v : y) EXPECT_EQ(v, 2.5f);  // every window covers all 4 pixels
}

// ---- bilinear resize -------------------------------------------------------------------------

struct ResizeCase {
    int planes, h, w, oh, ow;
};

std::string resize_name(const ::testing::TestParamInfo<ResizeCase>& info) {
    const ResizeCase& c = info.param;
    std::ostringstream s;
    s << c.h << "x" << c.w << "_to_" << c.oh << "x" << c.ow;
    return s.str();
}

class BilinearResize_f32 : public ::testing::TestWithParam<ResizeCase> {};

// Bit-exact: the same bilinear_tap() weights and the same products and sums, rounded one by one
// (the kernel spells them __fmul_rn / __fadd_rn so nvcc cannot fuse them).
TEST_P(BilinearResize_f32, MatchesCpuTwinExactly) {
    LF_REQUIRE_BACKEND();
    const ResizeCase& c = GetParam();
    BilinearResizeParams p;
    p.planes = c.planes;
    p.height = c.h;
    p.width = c.w;
    p.out_height = c.oh;
    p.out_width = c.ow;
    p.alpha = 2.0f;
    p.beta = -1.0f;
    const std::vector<float> x = make_values(static_cast<std::size_t>(c.planes) * c.h * c.w, 5, 0.0f, 1.0f);
    const std::vector<float> y0(static_cast<std::size_t>(c.planes) * c.oh * c.ow, kSentinel);
    std::vector<float> want = y0;
    BilinearResizeParams ref = p;
    ref.x = x.data();
    ref.y = want.data();
    cpu::bilinear_resize(ref);
    for_each_schedule([&](const std::string& schedule) {
        DeviceBuffer<float> dx(x), dy(y0);
        BilinearResizeParams q = p;
        q.x = dx.get();
        q.y = dy.get();
        LF_TEST_NS::bilinear_resize(q, nullptr);
        const std::vector<float> got = dy.to_host();
        int reported = 0;
        for (std::size_t e = 0; e < got.size(); ++e)
            if (!(got[e] == want[e]) && reported++ < 5)
                ADD_FAILURE() << schedule << ": y[" << e << "] = " << got[e] << ", twin " << want[e];
        EXPECT_EQ(reported, 0) << schedule;
    });
}

const ResizeCase kResizeCases[] = {
    {6, 7, 11, 23, 19},   // up in both axes (a 64 -> 299 resize, small)
    {3, 29, 31, 13, 10},  // down in both axes
    {3, 9, 9, 9, 9},      // same size: torch's copy path
    {2, 1, 5, 4, 5},      // a single source row; width unchanged
};

INSTANTIATE_TEST_SUITE_P(Shapes, BilinearResize_f32, ::testing::ValuesIn(kResizeCases), resize_name);

// torch's taps (probed with one-hot inputs through F.interpolate in torch 1.13): 64 -> 299, output
// columns 2 and 6.
TEST(BilinearResize_f32_Semantics, TapsMatchTorch) {
    const BilinearTap t2 = bilinear_tap(2, 64, 299);
    EXPECT_EQ(t2.i0, 0);
    EXPECT_EQ(t2.i1, 1);
    EXPECT_EQ(t2.l0, 0x1.ee0524p-1f);
    EXPECT_EQ(t2.l1, 0x1.1fadccp-5f);
    const BilinearTap t6 = bilinear_tap(6, 64, 299);
    EXPECT_EQ(t6.l0, 0x1.bd37bp-4f);
    EXPECT_EQ(t6.l1, 0x1.c8590ap-1f);
    const BilinearTap t0 = bilinear_tap(0, 64, 299);  // src clamps at 0
    EXPECT_EQ(t0.i0, 0);
    EXPECT_EQ(t0.l1, 0.0f);
}

// ---- the whole FID InceptionV3 on the kernels vs the CPU backend -----------------------------------

// Random weights (the pytorch-fid tensor layout), one 64x64 image resized to 299 as in pytorch-fid:
// the pool3 features through every kernel of the net against the CPU backend, within the 1e-4
// relative (to the largest feature) that the FID issue asks of the kernels.
TEST(InceptionEndToEnd, KernelsMatchCpuBackend) {
    LF_REQUIRE_BACKEND();
    auto bytes = std::make_shared<std::vector<std::uint8_t>>(serialize_safetensors(InceptionFid::random_state_dict(1)));
    const SafetensorsFile file = SafetensorsFile::from_bytes(bytes, "random inception");
    const InceptionFid cpu_net = InceptionFid::from_file(file);
    Tensor x = Tensor::empty({1, 3, 64, 64}, DType::F32);  // [N, 3, H, W] in [0, 1]
    const std::vector<float> values = make_values(static_cast<std::size_t>(x.numel()), 11, 0.0f, 1.0f);
    std::copy(values.begin(), values.end(), x.data<float>());
    const Tensor want = cpu_net.features(x, 2048, inception_cpu_backend());  // [1, 2048]
#if LF_TEST_ON_GPU
    const InceptionFid net = InceptionFid::from_file(file, Device::cuda(0));
    const Tensor got = net.features(x.to(Device::cuda(0)), 2048, inception_cuda_backend(0)).to(Device::cpu());
#else
    const Tensor got = cpu_net.features(x, 2048, inception_emulated_backend());
#endif
    ASSERT_EQ(got.shape(), want.shape());
    double max_err = 0.0, max_ref = 0.0;
    for (std::int64_t i = 0; i < want.numel(); ++i) {
        max_err = std::max(max_err, std::fabs(static_cast<double>(got.data<float>()[i]) - want.data<float>()[i]));
        max_ref = std::max(max_ref, std::fabs(static_cast<double>(want.data<float>()[i])));
    }
    const double rel = max_err / std::max(max_ref, 1e-30);
    std::printf("[ max rel  ] pool3 features, kernels vs CPU backend: %.3e\n", rel);
    EXPECT_LE(rel, 1e-4);
}

}  // namespace
}  // namespace lf::test
