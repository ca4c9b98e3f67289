// test_stylegan2_ops.cpp: StyleGAN2's CUDA kernels against their CPU twins, op by op, and the whole
// generator on the CUDA kernels against the CPU backend. One source for both worlds (see backend.h):
// emulated (label emulated; op tests under three SIMT schedules) and on a real GPU (label gpu),
// which skips with one line without a device.
//   ModConv_f32          modulated_conv2d.cu: up 1/2, k 1/3, demod on/off, noise none/[H,W]/[N,H,W],
//                        clamp on/off, lrelu/linear, bias on/off; odd and ragged shapes, batch > 1
//   ModConvWmma_tf32     modulated_conv2d_wmma.cu: error vs an fp64 reference <= 2x the error of a
//                        same-precision (TF32 inputs, fp32 accumulation) computation
//   Upfirdn2d_f32, ToRgb_f32, FullyConnected_f32, Normalize2ndMoment_f32: vs twin, max rel 1e-4
//   BroadcastTruncate_f32, Add_f32: bit-exact (same IEEE operations in the same order)
//   StyleGan2EndToEnd    sg2_tiny32 (committed) and random resnet/orig models at 16x16: ws and images
//                        of seeds 0-1 on the kernels vs cpu_backend(), max rel 1e-4
// Metric (tol::stylegan2_rel): max |got - twin| / max |twin| over the whole output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/core/error.h"
#include "kernels/core/numpy_random.h"
#include "kernels/core/tensor.h"
#include "kernels/io/npy.h"
#include "kernels/ops/elementwise.h"
#include "kernels/ops/fully_connected.h"
#include "kernels/ops/latent_ops.h"
#include "kernels/ops/modulated_conv2d.h"
#include "kernels/ops/torgb.h"
#include "kernels/ops/upfirdn2d.h"
#include "nets/backend.h"
#include "nets/stylegan2.h"
#include "nets/stylegan2_init.h"
#include "tests/emulated/backend.h"
#include "tests/emulated/tolerance.h"
#include "tools/lfgen/generator.h"
#include "tools/lfgen/sample_features.h"

namespace lf::test {
namespace {

// Uniform values in [lo, hi).
std::vector<float> make_values(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    std::mt19937 rng(seed);
    std::vector<float> v(n);
    for (float& x : v) x = lo + (hi - lo) * (static_cast<float>(rng() >> 8) * 0x1p-24f);
    return v;
}

// max |got - want| / max |want| (infinite when got has a non-finite value where want has none).
template <typename T>
double max_rel_error(const std::vector<float>& got, const std::vector<T>& want) {
    double diff = 0.0, ref = 0.0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (!std::isfinite(got[i])) return INFINITY;
        diff = std::max(diff, std::fabs(static_cast<double>(got[i]) - static_cast<double>(want[i])));
        ref = std::max(ref, std::fabs(static_cast<double>(want[i])));
    }
    return diff / std::max(ref, 1e-30);
}

std::string sci(double v) {  // for RecordProperty: 3 significant digits at any magnitude
    std::ostringstream s;
    s.precision(3);
    s << std::scientific << v;
    return s.str();
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& schedule,
                  double tolerance = tol::stylegan2_rel) {
    ASSERT_EQ(got.size(), want.size());
    const double err = max_rel_error(got, want);
    EXPECT_LE(err, tolerance) << schedule << ": max|diff| / max|twin| = " << err;
    ::testing::Test::RecordProperty("max_rel_error", sci(err));
}

void expect_equal(const std::vector<float>& got, const std::vector<float>& want,
                  const std::string& schedule) {
    ASSERT_EQ(got.size(), want.size());
    int reported = 0;
    for (std::size_t i = 0; i < want.size(); ++i)
        if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0 && reported++ < 5)
            ADD_FAILURE() << schedule << ": element " << i << " = " << got[i] << ", twin " << want[i];
}

// The [4,4] resample filter of every StyleGAN2 layer: outer([1,3,3,1]) / 64.
std::vector<float> resample_filter() {
    const float k[4] = {1, 3, 3, 1};
    std::vector<float> f(16);
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) f[y * 4 + x] = k[y] * k[x] / 64.0f;
    return f;
}

// ---- modulated_conv2d -------------------------------------------------------------------------------

enum class Noise { None, Shared, Batched };  // none / [Ho, Wo] (batch stride 0) / [N, Ho, Wo]

struct ModConvCase {
    int n, in, out, h, w, k, up;
    bool demod = true;
    Noise noise = Noise::None;
    float clamp = -1.0f;
    bool lrelu = true;
    bool bias = true;
    float gain = 1.41421356f;
};

std::string modconv_name(const ::testing::TestParamInfo<ModConvCase>& info) {
    const ModConvCase& c = info.param;
    std::ostringstream s;
    s << "n" << c.n << "_i" << c.in << "_o" << c.out << "_" << c.h << "x" << c.w << "_k" << c.k << "_up"
      << c.up << (c.demod ? "_demod" : "")
      << (c.noise == Noise::Shared    ? "_noise"
          : c.noise == Noise::Batched ? "_noiseN"
                                      : "")
      << (c.clamp >= 0.0f ? "_clamp" : "") << (c.lrelu ? "_lrelu" : "_linear") << (c.bias ? "" : "_nobias");
    return s.str();
}

// Host inputs of one modulated-conv case.
struct ModConvData {
    std::vector<float> x, weight, styles, noise, bias, filter;
    ModulatedConv2dParams p;  // host pointers into the vectors above, y unset

    explicit ModConvData(const ModConvCase& c, std::uint32_t seed = 10) {
        const int ho = c.h * c.up, wo = c.w * c.up;
        x = make_values(static_cast<std::size_t>(c.n) * c.in * c.h * c.w, seed);
        weight = make_values(static_cast<std::size_t>(c.out) * c.in * c.k * c.k, seed + 1);
        styles = make_values(static_cast<std::size_t>(c.n) * c.in, seed + 2, 0.25f, 1.75f);  // affine bias 1
        bias = make_values(static_cast<std::size_t>(c.out), seed + 3, -0.5f, 0.5f);
        if (c.noise != Noise::None)
            noise = make_values(static_cast<std::size_t>(c.noise == Noise::Batched ? c.n : 1) * ho * wo,
                                seed + 4);
        filter = resample_filter();
        p.x = x.data();
        p.weight = weight.data();
        p.styles = styles.data();
        p.noise = noise.empty() ? nullptr : noise.data();
        p.noise_batch_stride = c.noise == Noise::Batched ? static_cast<std::int64_t>(ho) * wo : 0;
        p.noise_strength = 0.3f;
        p.bias = c.bias ? bias.data() : nullptr;
        p.resample_filter = c.up == 2 ? filter.data() : nullptr;
        p.batch = c.n;
        p.in_channels = c.in;
        p.out_channels = c.out;
        p.height = c.h;
        p.width = c.w;
        p.kernel = c.k;
        p.up = c.up;
        p.demodulate = c.demod;
        p.act = c.lrelu ? Activation::LRelu : Activation::Linear;
        p.act_gain = c.gain;
        p.clamp = c.clamp;
    }
    std::size_t out_size(const ModConvCase& c) const {
        return static_cast<std::size_t>(c.n) * c.out * c.h * c.up * c.w * c.up;
    }
};

using ModConvEntry = void (*)(const ModulatedConv2dParams&, Stream);

// Runs `entry` on the backend with device copies of `d`'s inputs; returns y on the host.
std::vector<float> run_modconv(const ModConvCase& c, const ModConvData& d, ModConvEntry entry) {
    DeviceBuffer<float> x(d.x), w(d.weight), s(d.styles), b(d.bias), f(d.filter);
    std::vector<float> noise_host = d.noise.empty() ? std::vector<float>{0.0f} : d.noise;
    DeviceBuffer<float> noise(noise_host);
    DeviceBuffer<float> y(std::vector<float>(d.out_size(c), NAN));
    ModulatedConv2dParams p = d.p;
    p.x = x.get();
    p.weight = w.get();
    p.styles = s.get();
    p.bias = d.p.bias ? b.get() : nullptr;
    p.noise = d.p.noise ? noise.get() : nullptr;
    p.resample_filter = d.p.resample_filter ? f.get() : nullptr;
    p.y = y.get();
    entry(p, nullptr);
    return y.to_host();
}

std::vector<float> twin_modconv(const ModConvCase& c, const ModConvData& d) {
    std::vector<float> want(d.out_size(c));
    ModulatedConv2dParams p = d.p;
    p.y = want.data();
    cpu::modulated_conv2d(p);
    return want;
}

const ModConvCase kModConvCases[] = {
    // up = 1, 3x3 (conv1): ragged M, N and K tiles; columns crossing sample boundaries
    {2, 12, 20, 9, 7, 3, 1, true, Noise::Shared},
    {3, 5, 70, 6, 6, 3, 1, true, Noise::Batched, 0.5f},
    {1, 37, 9, 4, 4, 3, 1, true, Noise::None, -1.0f, true, false},
    {2, 8, 8, 1, 1, 3, 1, true, Noise::Batched},
    // up = 2, 3x3 (conv0): transposed conv + FIR; square and non-square, odd sizes
    {2, 33, 17, 5, 5, 3, 2, true, Noise::Batched, 0.6f},
    {1, 7, 9, 3, 4, 3, 2, true, Noise::Shared},
    {3, 16, 66, 2, 2, 3, 2, true, Noise::None},
    {2, 6, 5, 17, 3, 3, 2, true, Noise::Shared, -1.0f, true, true, 1.0f},  // FIR tiles > 32 rows
    // k = 1: resnet skip (no demod, styles 1/sqrt(I), linear, gain sqrt(1/2), no bias) and ToRGB-like
    {2, 16, 24, 8, 8, 1, 1, false, Noise::None, -1.0f, false, false, 0.70710678f},
    {3, 40, 3, 5, 7, 1, 1, false, Noise::None, 0.2f, false, true, 1.0f},
    {2, 9, 13, 3, 5, 1, 1, true, Noise::Batched},
    // up = 2 without demodulation, linear, clamp
    {2, 5, 7, 4, 3, 3, 2, false, Noise::None, 0.4f, false},
};

class ModConv_f32 : public ::testing::TestWithParam<ModConvCase> {};

TEST_P(ModConv_f32, MatchesCpuTwin) {
    LF_REQUIRE_BACKEND();
    const ModConvCase& c = GetParam();
    const ModConvData d(c);
    const std::vector<float> want = twin_modconv(c, d);
    for_each_schedule([&](const std::string& schedule) {
        expect_close(run_modconv(c, d, &LF_TEST_NS::modulated_conv2d), want, schedule);
    });
}

INSTANTIATE_TEST_SUITE_P(Shapes, ModConv_f32, ::testing::ValuesIn(kModConvCases), modconv_name);

// The official fp16 block numerics (fp16_mode.h) on the FP32 and the tensor-core GEMMs against the
// CPU twin: up = 1 and 2, with and without demodulation and noise; Fused needs batch 1.
TEST(ModConv_fp16, NonFusedAndFusedMatchCpuTwin) {
    LF_REQUIRE_BACKEND();
    const ModConvCase cases[] = {
        {3, 5, 70, 6, 6, 3, 1, true, Noise::Batched, 0.5f},
        {2, 33, 17, 5, 5, 3, 2, true, Noise::Shared, 0.6f},
        {2, 9, 13, 3, 5, 1, 1, false, Noise::None, -1.0f, false},
        {1, 37, 9, 4, 4, 3, 1, true, Noise::Shared},
        {1, 7, 9, 3, 4, 3, 2, true, Noise::Shared},
    };
    for (const ModConvCase& c : cases) {
        for (const Fp16Mode mode : {Fp16Mode::NonFused, Fp16Mode::Fused}) {
            if (mode == Fp16Mode::Fused && c.n != 1) continue;
            SCOPED_TRACE(std::string(mode == Fp16Mode::Fused ? "fused " : "non-fused ") + "n" + std::to_string(c.n) +
                         " k" + std::to_string(c.k) + " up" + std::to_string(c.up));
            ModConvData d(c);
            d.p.fp16 = mode;
            const std::vector<float> want = twin_modconv(c, d);
            // The result is half: every value is exactly representable.
            for (float v : want) ASSERT_EQ(v, round_to_half(v));
            {
                ModConvData f32(c);  // fp16 really differs from float32 (by about 2^-11 relative)
                EXPECT_GT(max_rel_error(twin_modconv(c, f32), want), 1e-4);
            }
            for_each_schedule([&](const std::string& schedule) {
                expect_close(run_modconv(c, d, &LF_TEST_NS::modulated_conv2d), want, schedule, tol::fp16_rel);
                expect_close(run_modconv(c, d, &LF_TEST_NS::modulated_conv2d_wmma), want, schedule + " (wmma)",
                             tol::fp16_rel);
            });
        }
    }
    ModConvCase c{2, 4, 4, 3, 3, 3, 1};
    ModConvData d(c);
    d.p.fp16 = Fp16Mode::Fused;
    EXPECT_THROW(run_modconv(c, d, &LF_TEST_NS::modulated_conv2d), ::lf::Error);
    EXPECT_THROW(twin_modconv(c, d), ::lf::Error);
}

TEST(Fp16Rounding, RoundToHalfIsIeeeNearestEven) {
    EXPECT_EQ(round_to_half(1.0f + 0x1p-11f), 1.0f);                 // tie -> even
    EXPECT_EQ(round_to_half(1.0f + 3 * 0x1p-11f), 1.0f + 0x1p-9f);    // tie -> even (up)
    EXPECT_EQ(round_to_half(1.0f + 0x1p-11f + 0x1p-20f), 1.0f + 0x1p-10f);
    EXPECT_EQ(round_to_half(65504.0f), 65504.0f);
    EXPECT_EQ(round_to_half(65519.0f), 65504.0f);
    EXPECT_TRUE(std::isinf(round_to_half(65520.0f)));
    EXPECT_EQ(round_to_half(-3 * 0x1p-25f), -0x1p-23f);             // subnormal tie -> even
    EXPECT_EQ(round_to_half(0x1p-26f), 0.0f);
    EXPECT_EQ(round_to_half(6.1e-5f), 1023 * 0x1p-24f);               // just below the normal range
    EXPECT_TRUE(std::isnan(round_to_half(NAN)));
    // Against the compiler's IEEE binary16 conversion over every exponent of the half range.
    std::mt19937 rng(3);
    for (int i = 0; i < 200000; ++i) {
        std::uint32_t bits = (rng() & 0x807fffffu) | ((100u + rng() % 45u) << 23);  // 2^-27 .. 2^17
        float v;
        std::memcpy(&v, &bits, 4);
        ASSERT_EQ(round_to_half(v), static_cast<float>(static_cast<_Float16>(v))) << v;
    }
}

TEST(ModConv_f32_Args, RejectsBadKernel) {
    LF_REQUIRE_BACKEND();
    ModConvCase c{1, 2, 2, 2, 2, 3, 1};
    ModConvData d(c);
    d.p.kernel = 5;
    EXPECT_THROW(run_modconv(c, d, &LF_TEST_NS::modulated_conv2d), ::lf::Error);
}

// ---- the TF32 tensor-core variant -------------------------------------------------------------------

// fp32 -> TF32, round to nearest with ties away from zero (cvt.rna.tf32.f32, wmma::__float_to_tf32).
float to_tf32(float v) {
    if (!std::isfinite(v)) return v;
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    bits = (bits + 0x1000u) & 0xffffe000u;
    std::memcpy(&v, &bits, 4);
    return v;
}

// The up=1 3x3 modulated conv with its epilogue, in the official fused form (per-sample weights
// W * s * d, then a 'same' cross-correlation). Precision::f64: everything in double (the reference
// the errors are measured against). Precision::tf32: what PyTorch computes with TF32 convolutions:
// W'' = W * s * d in fp32, W'' and x rounded to TF32, products accumulated in fp32, fp32 epilogue.
enum class Precision { f64, tf32 };

std::vector<double> modconv_reference(const ModConvCase& c, const ModConvData& d, Precision prec) {
    const int N = c.n, I = c.in, O = c.out, H = c.h, W = c.w;
    std::vector<double> y(static_cast<std::size_t>(N) * O * H * W);
    std::vector<float> wmod(static_cast<std::size_t>(I) * 9);
    std::vector<double> wmod64(static_cast<std::size_t>(I) * 9);
    for (int n = 0; n < N; ++n) {
        const float* s = d.styles.data() + static_cast<std::size_t>(n) * I;
        for (int o = 0; o < O; ++o) {
            const float* wo = d.weight.data() + static_cast<std::size_t>(o) * I * 9;
            double ss64 = 0.0;
            float ss32 = 0.0f;
            for (int e = 0; e < I * 9; ++e) {
                const double v64 = static_cast<double>(wo[e]) * s[e / 9];
                const float v32 = wo[e] * s[e / 9];
                ss64 += v64 * v64;
                ss32 += v32 * v32;
            }
            const double d64 = c.demod ? 1.0 / std::sqrt(ss64 + 1e-8) : 1.0;
            const float d32 = c.demod ? 1.0f / std::sqrt(ss32 + 1e-8f) : 1.0f;
            for (int e = 0; e < I * 9; ++e) {
                wmod64[e] = static_cast<double>(wo[e]) * s[e / 9] * d64;
                wmod[e] = to_tf32((wo[e] * s[e / 9]) * d32);
            }
            for (int oy = 0; oy < H; ++oy) {
                for (int ox = 0; ox < W; ++ox) {
                    double acc64 = 0.0;
                    float acc32 = 0.0f;
                    for (int i = 0; i < I; ++i) {
                        const float* xi = d.x.data() + (static_cast<std::size_t>(n) * I + i) * H * W;
                        for (int t = 0; t < 9; ++t) {
                            const int iy = oy + t / 3 - 1, ix = ox + t % 3 - 1;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                            const float xv = xi[iy * W + ix];
                            if (prec == Precision::f64)
                                acc64 += wmod64[i * 9 + t] * xv;
                            else
                                acc32 = std::fma(wmod[i * 9 + t], to_tf32(xv), acc32);
                        }
                    }
                    const std::size_t pix = static_cast<std::size_t>(oy) * W + ox;
                    const float* nz = d.p.noise ? d.p.noise + n * d.p.noise_batch_stride + pix : nullptr;
                    const double b = d.p.bias ? d.p.bias[o] : 0.0;
                    double v;
                    if (prec == Precision::f64) {
                        v = acc64 + (nz ? static_cast<double>(*nz) * d.p.noise_strength : 0.0) + b;
                        if (c.lrelu && v < 0.0) v *= 0.2;
                        v *= static_cast<double>(c.gain);
                    } else {
                        float f = acc32;
                        if (nz) f += *nz * d.p.noise_strength;
                        f += static_cast<float>(b);
                        if (c.lrelu && f < 0.0f) f *= 0.2f;
                        f *= c.gain;
                        v = f;
                    }
                    if (c.clamp >= 0.0f)
                        v = std::clamp(v, -static_cast<double>(c.clamp), static_cast<double>(c.clamp));
                    y[(static_cast<std::size_t>(n) * O + o) * H * W + pix] = v;
                }
            }
        }
    }
    return y;
}

const ModConvCase kWmmaCases[] = {
    {2, 16, 20, 9, 7, 3, 1, true, Noise::Shared},
    {1, 35, 70, 5, 6, 3, 1, true, Noise::Batched},  // K = 315: a ragged last K step
    {3, 8, 8, 4, 4, 3, 1, true, Noise::None, -1.0f, false},
    {2, 24, 12, 6, 5, 3, 1, false, Noise::Batched},
};

class ModConvWmma_tf32 : public ::testing::TestWithParam<ModConvCase> {};

TEST_P(ModConvWmma_tf32, ErrorAtMostTwiceSamePrecision) {
    LF_REQUIRE_BACKEND();
    const ModConvCase& c = GetParam();
    const ModConvData d(c);
    const std::vector<double> ref64 = modconv_reference(c, d, Precision::f64);
    std::vector<float> same(ref64.size());
    {
        const std::vector<double> r = modconv_reference(c, d, Precision::tf32);
        std::transform(r.begin(), r.end(), same.begin(), [](double v) { return static_cast<float>(v); });
    }
    const double same_err = max_rel_error(same, ref64);
    const double f32_err = max_rel_error(twin_modconv(c, d), ref64);
    for_each_schedule([&](const std::string& schedule) {
        const std::vector<float> got = run_modconv(c, d, &LF_TEST_NS::modulated_conv2d_wmma);
        const double err = max_rel_error(got, ref64);
        // A TF32 result that is not TF32 (e.g. fp32 by mistake) would be far below same_err; one
        // that is broken far above. Both errors are a few 1e-4 (2^-11 relative per product).
        EXPECT_LE(err, tol::modconv_tf32_ratio * same_err)
            << schedule << ": kernel error " << err << " vs same-precision error " << same_err;
        EXPECT_GT(same_err, 10.0 * f32_err) << "the inputs do not exercise TF32 rounding";
        ::testing::Test::RecordProperty("tf32_error", sci(err));
        ::testing::Test::RecordProperty("same_precision_error", sci(same_err));
        ::testing::Test::RecordProperty("ratio", sci(err / same_err));
    });
}

INSTANTIATE_TEST_SUITE_P(Shapes, ModConvWmma_tf32, ::testing::ValuesIn(kWmmaCases), modconv_name);

// up = 2 and k = 1 fall back to the FP32 kernels.
TEST(ModConvWmma_tf32_Fallback, Up2AndK1MatchTwin) {
    LF_REQUIRE_BACKEND();
    for (const ModConvCase& c : {ModConvCase{2, 6, 10, 3, 4, 3, 2, true, Noise::Batched},
                                 ModConvCase{2, 10, 6, 3, 3, 1, 1, false, Noise::None, -1.0f, false}}) {
        const ModConvData d(c);
        expect_close(run_modconv(c, d, &LF_TEST_NS::modulated_conv2d_wmma), twin_modconv(c, d), "fallback");
    }
}

// ---- upfirdn2d ----------------------------------------------------------------------------------------

struct FirCase {
    std::int64_t planes;
    int h, w, fh, fw, up, down, px0, px1, py0, py1;
    bool flip = false;
    float gain = 1.0f;
    bool resample = false;  // the [4,4] resample filter, else random taps
};

std::string fir_name(const ::testing::TestParamInfo<FirCase>& info) {
    const FirCase& c = info.param;
    std::ostringstream s;
    s << "b" << c.planes << "_" << c.h << "x" << c.w << "_f" << c.fh << "x" << c.fw << "_up" << c.up
      << "_down" << c.down << "_pad" << c.px0 << "_" << c.px1 << "_" << c.py0 << "_" << c.py1
      << (c.flip ? "_flip" : "") << (c.resample ? "_resample" : "");
    std::string name = s.str();
    std::replace(name.begin(), name.end(), '-', 'm');
    return name;
}

const FirCase kFirCases[] = {
    {6, 7, 5, 4, 4, 2, 1, 2, 1, 2, 1, false, 4.0f, true},    // upsample2d (skip image, resnet skip)
    {3, 9, 8, 4, 4, 1, 2, 1, 1, 1, 1, false, 1.0f, true},    // downsample2d
    {4, 11, 11, 4, 4, 1, 1, 1, 1, 1, 1, false, 4.0f, true},  // the conv0 FIR (pad 1, gain 4)
    {2, 6, 9, 3, 5, 3, 2, -1, 2, 3, 0, true, 2.5f},          // general: random taps, crop, flip
    {5, 4, 3, 2, 1, 1, 3, 0, 4, 2, -1, false, 1.0f},         // 2x1 filter, down 3
    {1, 33, 40, 5, 5, 2, 2, 2, 2, 2, 2, false, 1.5f},        // several blocks per plane
};

class Upfirdn2d_f32 : public ::testing::TestWithParam<FirCase> {};

TEST_P(Upfirdn2d_f32, MatchesCpuTwin) {
    LF_REQUIRE_BACKEND();
    const FirCase& c = GetParam();
    const std::vector<float> x = make_values(static_cast<std::size_t>(c.planes) * c.h * c.w, 20);
    const std::vector<float> f =
        c.resample ? resample_filter() : make_values(static_cast<std::size_t>(c.fh) * c.fw, 21);
    Upfirdn2dParams p{x.data(), f.data(), nullptr, c.planes, c.h,   c.w,   c.fh,   c.fw,
                      c.up,     c.down,   c.px0,   c.px1,    c.py0, c.py1, c.flip, c.gain};
    const std::size_t out = static_cast<std::size_t>(c.planes) * p.out_height() * p.out_width();
    std::vector<float> want(out);
    p.y = want.data();
    cpu::upfirdn2d(p);
    for_each_schedule([&](const std::string& schedule) {
        DeviceBuffer<float> dx(x), df(f), dy(std::vector<float>(out, NAN));
        Upfirdn2dParams q = p;
        q.x = dx.get();
        q.filter = df.get();
        q.y = dy.get();
        LF_TEST_NS::upfirdn2d(q, nullptr);
        expect_close(dy.to_host(), want, schedule);
    });
}

INSTANTIATE_TEST_SUITE_P(Shapes, Upfirdn2d_f32, ::testing::ValuesIn(kFirCases), fir_name);

// ---- torgb ------------------------------------------------------------------------------------------

struct ToRgbCase {
    int n, in, c, h, w;
    bool skip;
    float clamp = -1.0f;
};

std::string torgb_name(const ::testing::TestParamInfo<ToRgbCase>& info) {
    const ToRgbCase& c = info.param;
    std::ostringstream s;
    s << "n" << c.n << "_i" << c.in << "_c" << c.c << "_" << c.h << "x" << c.w << (c.skip ? "_skip" : "")
      << (c.clamp >= 0.0f ? "_clamp" : "");
    return s.str();
}

const ToRgbCase kToRgbCases[] = {
    {2, 20, 3, 8, 8, true, 0.3f},   {3, 300, 3, 6, 10, true},  // two chunks of input channels
    {1, 5, 1, 4, 4, false},         {2, 7, 4, 2, 2, true},
    {2, 9, 3, 18, 18, false, 0.5f},  // several blocks per sample
};

class ToRgb_f32 : public ::testing::TestWithParam<ToRgbCase> {};

// The kernel against the CPU twin for one case, in the given fp16 mode (Off: float32).
void check_torgb_case(const ToRgbCase& c, Fp16Mode fp16, double tolerance) {
    const std::vector<float> x = make_values(static_cast<std::size_t>(c.n) * c.in * c.h * c.w, 30);
    const std::vector<float> w = make_values(static_cast<std::size_t>(c.c) * c.in, 31);
    const std::vector<float> s = make_values(static_cast<std::size_t>(c.n) * c.in, 32, 0.0f, 0.5f);
    const std::vector<float> b = make_values(static_cast<std::size_t>(c.c), 33);
    const std::vector<float> skip =
        make_values(static_cast<std::size_t>(c.n) * c.c * (c.h / 2) * (c.w / 2), 34);
    const std::vector<float> f = resample_filter();
    const std::size_t out = static_cast<std::size_t>(c.n) * c.c * c.h * c.w;
    ToRgbParams p;
    p.x = x.data();
    p.weight = w.data();
    p.styles = s.data();
    p.bias = b.data();
    p.skip = c.skip ? skip.data() : nullptr;
    p.filter = c.skip ? f.data() : nullptr;
    p.batch = c.n;
    p.in_channels = c.in;
    p.out_channels = c.c;
    p.height = c.h;
    p.width = c.w;
    p.clamp = c.clamp;
    p.fp16 = fp16;
    std::vector<float> want(out);
    p.y = want.data();
    cpu::torgb(p);
    for_each_schedule([&](const std::string& schedule) {
        DeviceBuffer<float> dx(x), dw(w), ds(s), db(b), dskip(skip), df(f), dy(std::vector<float>(out, NAN));
        ToRgbParams q = p;
        q.x = dx.get();
        q.weight = dw.get();
        q.styles = ds.get();
        q.bias = db.get();
        q.skip = c.skip ? dskip.get() : nullptr;
        q.filter = c.skip ? df.get() : nullptr;
        q.y = dy.get();
        LF_TEST_NS::torgb(q, nullptr);
        expect_close(dy.to_host(), want, schedule, tolerance);
    });
}

TEST_P(ToRgb_f32, MatchesCpuTwin) {
    LF_REQUIRE_BACKEND();
    check_torgb_case(GetParam(), Fp16Mode::Off, tol::stylegan2_rel);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ToRgb_f32, ::testing::ValuesIn(kToRgbCases), torgb_name);

// The fp16 block modes: the same roundings on both sides; the float32 sums before each rounding
// may differ in order, which can move a result by one half ulp (tol::fp16_rel).
TEST(ToRgb_fp16, NonFusedAndFusedMatchCpuTwin) {
    LF_REQUIRE_BACKEND();
    check_torgb_case({3, 300, 3, 6, 10, true}, Fp16Mode::NonFused, tol::fp16_rel);
    check_torgb_case({2, 9, 3, 18, 18, false, 0.5f}, Fp16Mode::NonFused, tol::fp16_rel);
    check_torgb_case({1, 20, 3, 8, 8, true, 0.3f}, Fp16Mode::Fused, tol::fp16_rel);
}

// ---- fully_connected --------------------------------------------------------------------------------

struct FcCase {
    int batch, in, out;
    std::int64_t stride;  // 0: in
    bool lrelu, bias;
    float gain;
};

std::string fc_name(const ::testing::TestParamInfo<FcCase>& info) {
    const FcCase& c = info.param;
    std::ostringstream s;
    s << "n" << c.batch << "_in" << c.in << "_out" << c.out << (c.stride ? "_strided" : "")
      << (c.lrelu ? "_lrelu" : "") << (c.bias ? "" : "_nobias");
    return s.str();
}

const FcCase kFcCases[] = {
    {2, 48, 70, 0, true, true, 1.41421356f},  // mapping layer (R = 1 kernel)
    {7, 33, 64, 100, false, true, 1.0f},      // affine reading ws[:, k] (x_row_stride), R = 4 kernel
    {19, 130, 5, 0, true, false, 1.41421356f},
    {1, 512, 512, 0, true, true, 1.41421356f},
};

class FullyConnected_f32 : public ::testing::TestWithParam<FcCase> {};

TEST_P(FullyConnected_f32, MatchesCpuTwin) {
    LF_REQUIRE_BACKEND();
    const FcCase& c = GetParam();
    const std::int64_t stride = c.stride ? c.stride : c.in;
    const std::vector<float> x = make_values(static_cast<std::size_t>(c.batch - 1) * stride + c.in, 40);
    const std::vector<float> w = make_values(static_cast<std::size_t>(c.out) * c.in, 41, -0.1f, 0.1f);
    const std::vector<float> b = make_values(static_cast<std::size_t>(c.out), 42);
    const std::size_t out = static_cast<std::size_t>(c.batch) * c.out;
    FullyConnectedParams p{x.data(),
                           c.stride,
                           w.data(),
                           c.bias ? b.data() : nullptr,
                           nullptr,
                           c.batch,
                           c.in,
                           c.out,
                           c.lrelu ? Activation::LRelu : Activation::Linear,
                           c.gain};
    std::vector<float> want(out);
    p.y = want.data();
    cpu::fully_connected(p);
    for_each_schedule([&](const std::string& schedule) {
        DeviceBuffer<float> dx(x), dw(w), db(b), dy(std::vector<float>(out, NAN));
        FullyConnectedParams q = p;
        q.x = dx.get();
        q.weight = dw.get();
        q.bias = c.bias ? db.get() : nullptr;
        q.y = dy.get();
        LF_TEST_NS::fully_connected(q, nullptr);
        expect_close(dy.to_host(), want, schedule);
    });
}

INSTANTIATE_TEST_SUITE_P(Shapes, FullyConnected_f32, ::testing::ValuesIn(kFcCases), fc_name);

// ---- latent ops and add -------------------------------------------------------------------------------

TEST(Normalize2ndMoment_f32, MatchesCpuTwin) {
    LF_REQUIRE_BACKEND();
    struct Case {
        int rows, cols;
        std::int64_t stride;
    };
    for (const Case c : {Case{3, 512, 0}, Case{5, 37, 50}, Case{1, 1000, 0}, Case{2, 1, 0}}) {
        const std::int64_t stride = c.stride ? c.stride : c.cols;
        const std::vector<float> x = make_values(static_cast<std::size_t>(c.rows) * stride, 50, -3.0f, 3.0f);
        std::vector<float> want = x;
        cpu::normalize_2nd_moment({want.data(), c.rows, c.cols, c.stride});
        for_each_schedule([&](const std::string& schedule) {
            DeviceBuffer<float> dx(x);
            LF_TEST_NS::normalize_2nd_moment({dx.get(), c.rows, c.cols, c.stride}, nullptr);
            expect_close(dx.to_host(), want, schedule + " rows " + std::to_string(c.rows));
        });
    }
}

TEST(BroadcastTruncate_f32, BitExactWithCpuTwin) {
    LF_REQUIRE_BACKEND();
    struct Case {
        int n, num_ws, w_dim;
        float psi;
        int cutoff;
    };
    // psi 0.7 takes ATen's second lerp form, 0.3 and -0.2 the first; cutoff none / 3 / beyond num_ws.
    for (const Case c : {Case{2, 8, 48, 0.7f, -1}, Case{3, 5, 17, 0.3f, 3}, Case{1, 4, 9, 1.0f, -1},
                         Case{2, 6, 33, -0.2f, 10}}) {
        const std::vector<float> w = make_values(static_cast<std::size_t>(c.n) * c.w_dim, 60, -2.0f, 2.0f);
        const std::vector<float> avg = make_values(static_cast<std::size_t>(c.w_dim), 61);
        const std::size_t out = static_cast<std::size_t>(c.n) * c.num_ws * c.w_dim;
        std::vector<float> want(out);
        cpu::broadcast_truncate({w.data(), avg.data(), want.data(), c.n, c.num_ws, c.w_dim, c.psi, c.cutoff});
        for_each_schedule([&](const std::string& schedule) {
            DeviceBuffer<float> dw(w), da(avg), dy(std::vector<float>(out, NAN));
            LF_TEST_NS::broadcast_truncate(
                {dw.get(), da.get(), dy.get(), c.n, c.num_ws, c.w_dim, c.psi, c.cutoff}, nullptr);
            expect_equal(dy.to_host(), want, schedule);
        });
    }
}

TEST(Add_f32, BitExactWithCpuTwin) {
    LF_REQUIRE_BACKEND();
    for (const std::int64_t n : {std::int64_t{1}, std::int64_t{1000}, std::int64_t{3 * 256 + 7}}) {
        const std::vector<float> x = make_values(static_cast<std::size_t>(n), 70);
        const std::vector<float> y = make_values(static_cast<std::size_t>(n), 71);
        std::vector<float> want = y;
        cpu::add({want.data(), x.data(), n});
        for_each_schedule([&](const std::string& schedule) {
            DeviceBuffer<float> dx(x), dy(y);
            LF_TEST_NS::add({dy.get(), dx.get(), n}, nullptr);
            expect_equal(dy.to_host(), want, schedule);
        });
    }
}

// ---- the whole generator on the kernels vs the CPU backend ----------------------------------------------

const NetBackend& kernel_backend() {
#if LF_TEST_ON_GPU
    static const NetBackend b = cuda_backend(0);
    return b;
#else
    return emulated_backend();
#endif
}

Tensor seeds_z(int z_dim, int count) {  // z of seeds 0..count-1, as `lfgen generate --seeds`
    Tensor z = Tensor::empty({count, z_dim}, DType::F64);
    for (int i = 0; i < count; ++i) {
        const std::vector<double> row =
            NumpyRandomState(static_cast<std::uint32_t>(i)).randn(static_cast<std::size_t>(z_dim));
        std::copy(row.begin(), row.end(), z.data<double>() + static_cast<std::size_t>(i) * z_dim);
    }
    return z;
}

std::vector<float> host_values(const Tensor& t) {
    const Tensor h = t.device().is_cpu() ? t : t.to(Device::cpu());
    return std::vector<float>(h.data<float>(), h.data<float>() + h.numel());
}

// ws and images of seeds 0-1 (psi 0.7) on both backends; `noise` as in SynthesisOptions.
void compare_generators(const std::string& path, NoiseMode noise) {
    const StyleGan2 cpu_net = StyleGan2::load(path, cpu_backend());
    const StyleGan2 net = StyleGan2::load(path, kernel_backend());
    const Tensor z = seeds_z(cpu_net.config().z_dim, 2);
    const Tensor ws_cpu = cpu_net.mapping(z, nullptr, 0.7f, -1);
    const Tensor ws = net.mapping(z, nullptr, 0.7f, -1);
    SynthesisOptions opt;
    opt.noise = noise;
    opt.noise_seed = 5;
    const Tensor img_cpu = cpu_net.synthesis(ws_cpu, opt);
    const Tensor img = net.synthesis(ws, opt);
    const double ws_err = max_rel_error(host_values(ws), host_values(ws_cpu));
    const double img_err = max_rel_error(host_values(img), host_values(img_cpu));
    EXPECT_LE(ws_err, tol::stylegan2_rel) << "ws";
    EXPECT_LE(img_err, tol::stylegan2_rel) << "images";
    ::testing::Test::RecordProperty("ws_max_rel_error", sci(ws_err));
    ::testing::Test::RecordProperty("img_max_rel_error", sci(img_err));
    std::cout << "[ max rel  ] " << std::filesystem::path(path).filename().string() << ": ws " << ws_err
              << ", images " << img_err << "\n";
}

TEST(StyleGan2EndToEnd, Tiny32SkipMatchesCpuBackend) {
    LF_REQUIRE_BACKEND();
    compare_generators(std::string(LF_SOURCE_DIR) + "/weights/tiny/sg2_tiny32.safetensors", NoiseMode::Const);
}

std::string write_random_model(const std::string& architecture, float conv_clamp, std::uint32_t seed) {
    StyleGan2InitConfig cfg;
    cfg.img_resolution = 16;
    cfg.channel_base = 256;  // channels 32 / 32 / 16 at 4 / 8 / 16
    cfg.channel_max = 32;
    cfg.z_dim = 16;
    cfg.w_dim = 24;
    cfg.mapping_layers = 2;
    cfg.architecture = architecture;
    cfg.conv_clamp = conv_clamp;
    const std::string path =
        ::testing::TempDir() + "lf_sg2_" + architecture + "16_" + std::to_string(seed) + ".safetensors";
    stylegan2_write_random(cfg, seed, path);
    return path;
}

TEST(StyleGan2EndToEnd, Resnet16MatchesCpuBackend) {
    LF_REQUIRE_BACKEND();
    const std::string path = write_random_model("resnet", 0.8f, 3);  // a low clamp, so that it clamps
    compare_generators(path, NoiseMode::Random);                     // [N, R, R] noise planes
    std::filesystem::remove(path);
}

TEST(StyleGan2EndToEnd, Orig16MatchesCpuBackend) {
    LF_REQUIRE_BACKEND();
    const std::string path = write_random_model("orig", -1.0f, 4);
    compare_generators(path, NoiseMode::None);
    std::filesystem::remove(path);
}

// The official fp16 block numerics end to end (num_fp16_res 2: b16 and b32 of a 32x32 skip model,
// conv_clamp 256 engaged) against tests/golden/stylegan2_fp16 (tools/reference/
// make_stylegan2_fp16_golden.py): the kernels' fp16 images may be at most twice as far from the
// float32 reference as the same-precision PyTorch computation is (batch 3: the non-fused form; batch 1:
// the fused form); force_fp32 gives the float32 result; the CPU backend computes float32.
TEST(StyleGan2Fp16, ErrorAtMostTwiceSamePrecisionReference) {
    LF_REQUIRE_BACKEND();
    const std::string dir = std::string(LF_SOURCE_DIR) + "/tests/golden/stylegan2_fp16/";
    const StyleGan2 net = StyleGan2::load(dir + "model.safetensors", kernel_backend());
    const Tensor ws = npy::load(dir + "ws.npy");  // [3, num_ws, w_dim]
    const std::vector<float> ref32 = host_values(npy::load(dir + "img_fp32.npy"));
    const std::vector<float> ref16 = host_values(npy::load(dir + "img_fp16.npy"));
    const std::vector<float> ref16_n1 = host_values(npy::load(dir + "img_fp16_n1.npy"));
    SynthesisOptions opt;
    EXPECT_EQ(net.block_fp16(8, 3, opt), Fp16Mode::Off);
    EXPECT_EQ(net.block_fp16(16, 3, opt), Fp16Mode::NonFused);
    EXPECT_EQ(net.block_fp16(32, 1, opt), Fp16Mode::Fused);
    EXPECT_EQ(StyleGan2::load(dir + "model.safetensors", cpu_backend()).block_fp16(32, 3, opt), Fp16Mode::Off);

    opt.force_fp32 = true;
    const double f32_err = max_rel_error(host_values(net.synthesis(ws, opt)), ref32);
    EXPECT_LE(f32_err, tol::stylegan2_rel) << "force_fp32";
    opt.force_fp32 = false;

    Tensor ws1 = Tensor::empty({1, ws.dim(1), ws.dim(2)}, DType::F32);  // seed 0 alone
    std::memcpy(ws1.data<float>(), ws.data<float>(), ws1.nbytes());
    const std::vector<float> ref32_n1(ref32.begin(), ref32.begin() + static_cast<std::ptrdiff_t>(ref16_n1.size()));
    struct Run {
        const char* name;
        const Tensor& ws;
        const std::vector<float>& same;  // the same-precision reference
        const std::vector<float>& f32;   // the float32 reference
    };
    for (const Run& r : {Run{"batch 3 (non-fused)", ws, ref16, ref32}, Run{"batch 1 (fused)", ws1, ref16_n1, ref32_n1}}) {
        SCOPED_TRACE(r.name);
        const std::vector<float> got = host_values(net.synthesis(r.ws, opt));
        const double err = max_rel_error(got, r.f32), same_err = max_rel_error(r.same, r.f32);
        EXPECT_LE(err, tol::modconv_tf32_ratio * same_err) << "kernel " << err << " vs same-precision " << same_err;
        EXPECT_GT(same_err, 10.0 * f32_err) << "fp16 is not exercised";
        // and close to the same-precision result itself (a few half ulps carried through the layers)
        EXPECT_LE(max_rel_error(got, r.same), same_err);
        std::cout << "[ fp16     ] " << r.name << ": error vs float32 " << err << ", same-precision " << same_err
                  << ", vs same-precision " << max_rel_error(got, r.same) << "\n";
    }
}

// `lfgen factorize -m`'s sample matrix gathered on the kernels (on a GPU: in device memory, never
// copied to the host) vs the CPU backend: the same numpy z, and the tap within the generator tolerance.
TEST(FactorizeSampling, TapsGatheredOnKernelsMatchCpu) {
    LF_REQUIRE_BACKEND();
    const std::string path = std::string(LF_SOURCE_DIR) + "/weights/tiny/sg2_tiny32.safetensors";
    const cli::Generator cpu_gen = cli::Generator::load(path);
    const cli::Generator gen = cli::Generator::load(path, kernel_backend());
    EXPECT_EQ(gen.device(), kernel_backend().device);
    const cli::RenderOptions ro;
    for (const std::string layer : {"z", "w", "b8", "b16.conv0.styles"}) {
        SCOPED_TRACE(layer);
        // 7 samples in batches of 3: the last batch is partial.
        const cli::SampledFeatures want = cli::sample_features(cpu_gen, layer, 7, 11, 3, ro, false);
        const cli::SampledFeatures got = cli::sample_features(gen, layer, 7, 11, 3, ro, false);
        EXPECT_EQ(got.x.device(), gen.device());
        ASSERT_EQ(got.x.shape(), want.x.shape());
        EXPECT_LE(max_rel_error(host_values(got.x), host_values(want.x)), tol::stylegan2_rel);
        ASSERT_EQ(got.z.numel(), want.z.numel());
        EXPECT_EQ(0, std::memcmp(got.z.raw_data(), want.z.raw_data(), want.z.nbytes()));
    }
}

}  // namespace
}  // namespace lf::test
