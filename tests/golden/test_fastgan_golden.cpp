// test_fastgan_golden.cpp: lf::FastGan (CPU backend) against the committed golden outputs in
// tests/golden/fastgan/ (cases.json lists them), written by the float64 PyTorch reference of the
// upstream models.py generator:
//   /usr/bin/python3 tools/reference/make_fastgan_golden.py
// Cases: random-weight generators at im_size 256, 512 and 1024 (ngf 16, nz 32), rebuilt here with
// lf::fastgan_write_random (the weights are not committed; their fingerprint in cases.json is checked
// first, so a changed initializer fails with a clear message instead of as a numeric mismatch).
// Modes: eval BatchNorm + noise none, batch BatchNorm (batch of 3) + noise none, eval + seeded
// random noise. Outputs: img and img_128 on a 33x33 grid (border rows/columns included) plus
// per-channel sum, sum |x|, sum x^2 of the full images, and feat_init (the InitLayer output) whole.
//
// Tolerance (cases.json "tolerance"): max |lf - golden| / max |golden| <= 1e-4 per output, the
// FastGAN fixture tolerance (../shared/fixtures/README.md); sums: |d sum|, |d sum|x|| <= 1e-4 sum|x|,
// |d sum x^2| <= 2e-4 sum x^2. The goldens are float64, so this bounds lf's own float32 error; what
// remains is summation order (OpenBLAS vs ATen) through ~10 conv layers, ~1e-6 on these models (the
// 1024 batch-mode image is the worst conditioned: its pre-tanh values reach ~10 while most pixels
// are near 0; PyTorch float32 is ~5e-5 away from the golden there, cases.json records it per output).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/io/npy.h"
#include "nets/fastgan.h"
#include "nets/fastgan_init.h"
#include "weights/safetensors.h"

namespace {

// A relative error as text for the XML report (RecordProperty).
std::string sci(double v) {
    std::ostringstream s;
    s << std::scientific << std::setprecision(2) << v;
    return s.str();
}

std::string golden_dir() {
    return std::string(LF_SOURCE_DIR) + "/tests/golden/fastgan/";
}

nlohmann::json load_doc() {
    std::ifstream in(golden_dir() + "cases.json");
    if (!in) throw std::runtime_error("cannot open " + golden_dir() + "cases.json");
    return nlohmann::json::parse(in);
}

// max |got - want| / max |want| (float64 accumulation); +inf on a shape mismatch or a NaN.
double max_rel(const lf::Tensor& got, const lf::Tensor& want, const std::string& what) {
    EXPECT_EQ(got.shape(), want.shape()) << what << ": shape " << lf::shape_to_string(got.shape())
                                         << " vs golden " << lf::shape_to_string(want.shape());
    if (got.shape() != want.shape()) return INFINITY;
    double diff = 0.0, ref = 0.0;
    for (std::int64_t i = 0; i < got.numel(); ++i) {
        const double a = got.data<float>()[i], b = want.data<float>()[i];
        const double d = std::fabs(a - b);
        if (!(d <= diff)) diff = d;  // NaN propagates as a failure
        ref = std::max(ref, std::fabs(b));
    }
    return diff / std::max(ref, 1e-30);
}

// img [N, C, S, S] sampled at rows/cols (arange(G) * (S - 1)) // (G - 1) -> [N, C, G, G].
lf::Tensor grid_of(const lf::Tensor& img, int g) {
    const std::int64_t n = img.dim(0), c = img.dim(1), s = img.dim(2);
    lf::Tensor out = lf::Tensor::empty({n, c, g, g}, lf::DType::F32);
    for (std::int64_t p = 0; p < n * c; ++p)
        for (int i = 0; i < g; ++i)
            for (int j = 0; j < g; ++j) {
                const std::int64_t y = i * (s - 1) / (g - 1), x = j * (s - 1) / (g - 1);
                out.data<float>()[(p * g + i) * g + j] = img.data<float>()[(p * s + y) * s + x];
            }
    return out;
}

// Per image and channel: sum, sum |x|, sum x^2 against the golden [N, C, 3] float64.
void expect_stats(const lf::Tensor& img, const lf::Tensor& want, double tol, const std::string& what) {
    const std::int64_t nc = img.dim(0) * img.dim(1), plane = img.dim(2) * img.dim(3);
    ASSERT_EQ(want.numel(), nc * 3) << what;
    ASSERT_EQ(want.dtype(), lf::DType::F64) << what;
    for (std::int64_t p = 0; p < nc; ++p) {
        double s = 0.0, sa = 0.0, s2 = 0.0;
        for (std::int64_t q = 0; q < plane; ++q) {
            const double v = img.data<float>()[p * plane + q];
            s += v;
            sa += std::fabs(v);
            s2 += v * v;
        }
        const double* w = want.data<double>() + p * 3;
        EXPECT_LE(std::fabs(s - w[0]), tol * w[1])
            << what << " plane " << p << ": sum " << s << " vs " << w[0];
        EXPECT_LE(std::fabs(sa - w[1]), tol * w[1])
            << what << " plane " << p << ": sum|x| " << sa << " vs " << w[1];
        EXPECT_LE(std::fabs(s2 - w[2]), 2 * tol * w[2])
            << what << " plane " << p << ": sum x^2 " << s2 << " vs " << w[2];
    }
}

struct GoldenParam {
    std::string kase, mode;
};
void PrintTo(const GoldenParam& p, std::ostream* os) {
    *os << p.kase << "/" << p.mode;
}

class FastGanGolden : public ::testing::TestWithParam<GoldenParam> {};

TEST_P(FastGanGolden, MatchesPyTorchReference) {
    const nlohmann::json doc = load_doc();
    const double tol = doc["tolerance"]["rel"].get<double>();
    const int g = doc["grid"].get<int>();
    nlohmann::json cs;
    for (const auto& c : doc["cases"])
        if (c["name"] == GetParam().kase) cs = c;
    ASSERT_FALSE(cs.is_null()) << "case " << GetParam().kase << " not in cases.json";
    const nlohmann::json& mode = cs["modes"][GetParam().mode];
    ASSERT_FALSE(mode.is_null()) << "mode " << GetParam().mode << " not in cases.json";

    // The model: the same bytes `lfgen init fastgan` writes, checked against the fingerprint.
    const std::filesystem::path dir =
        std::filesystem::path(LF_BINARY_DIR) / "tests" / "golden" / "fastgan_models";
    std::filesystem::create_directories(dir);
    const std::string model = (dir / (GetParam().kase + "_" + GetParam().mode + ".safetensors")).string();
    lf::fastgan_write_random(cs["im_size"].get<int>(), cs["ngf"].get<int>(), cs["nz"].get<int>(),
                             cs["nc"].get<int>(), cs["init_seed"].get<std::uint32_t>(), model);
    {
        const lf::SafetensorsFile f = lf::SafetensorsFile::open(model);
        const nlohmann::json& fp = cs["weights_fingerprint"];
        std::int64_t elements = 0;
        double sum = 0.0, sum_abs = 0.0;
        for (const auto& e : f.entries()) {
            const lf::Tensor t = f.get(e.name);
            elements += t.numel();
            if (t.dtype() != lf::DType::F32) continue;
            for (std::int64_t i = 0; i < t.numel(); ++i) {
                sum += t.data<float>()[i];
                sum_abs += std::fabs(t.data<float>()[i]);
            }
        }
        const std::string hint =
            " (nets/fastgan_init.cpp changed? regenerate: " + cs["init_command"].get<std::string>() +
            " / /usr/bin/python3 tools/reference/make_fastgan_golden.py)";
        ASSERT_EQ(static_cast<int>(f.entries().size()), fp["tensors"].get<int>()) << hint;
        ASSERT_EQ(elements, fp["elements"].get<std::int64_t>()) << hint;
        ASSERT_NEAR(sum, fp["sum"].get<double>(), 1e-9 * fp["sum_abs"].get<double>()) << hint;
        ASSERT_NEAR(sum_abs, fp["sum_abs"].get<double>(), 1e-9 * fp["sum_abs"].get<double>()) << hint;
    }

    const lf::FastGan gen = lf::FastGan::load(model);
    const lf::Tensor z = lf::npy::load(golden_dir() + cs["files"]["z"].get<std::string>());
    lf::FastGanOptions opt;
    opt.bn = mode["bn"] == "batch" ? lf::BatchNormMode::Batch : lf::BatchNormMode::Eval;
    opt.noise = mode["noise"] == "random" ? lf::FastGanNoise::Random : lf::FastGanNoise::None;
    opt.noise_seed = mode["noise_seed"].get<std::uint32_t>();
    lf::Tensor feat_init;
    const lf::TapSink taps = [&](const std::string& name, const lf::Tensor& t) {
        if (name == "init") feat_init = t.to(lf::Device::cpu());
    };
    const lf::FastGanOutput out = gen.forward(z, opt, &taps);
    auto golden = [&](const char* key) {
        return lf::npy::load(golden_dir() + mode["files"][key].get<std::string>());
    };

    const double e_img = max_rel(grid_of(out.image, g), golden("img_grid"), "img");
    const double e_128 = max_rel(grid_of(out.image_128, g), golden("img128_grid"), "img_128");
    EXPECT_LE(e_img, tol) << "img grid: max|diff|/max|golden|";
    EXPECT_LE(e_128, tol) << "img_128 grid: max|diff|/max|golden|";
    expect_stats(out.image, golden("img_stats"), tol, "img");
    expect_stats(out.image_128, golden("img128_stats"), tol, "img_128");
    ::testing::Test::RecordProperty("img_rel_error", sci(e_img));
    ::testing::Test::RecordProperty("img128_rel_error", sci(e_128));
    if (mode["files"].contains("feat_init")) {
        const double e_init = max_rel(feat_init, golden("feat_init"), "feat_init");
        EXPECT_LE(e_init, tol) << "feat_init: max|diff|/max|golden|";
        ::testing::Test::RecordProperty("feat_init_rel_error", sci(e_init));
    }
    std::filesystem::remove(model);
}

std::vector<GoldenParam> all_params() {
    std::vector<GoldenParam> v;
    for (const char* c : {"fg256", "fg512", "fg1024"})
        for (const char* m : {"eval", "batch", "eval_noise"}) v.push_back({c, m});
    return v;
}

INSTANTIATE_TEST_SUITE_P(Cases, FastGanGolden, ::testing::ValuesIn(all_params()),
                         [](const ::testing::TestParamInfo<GoldenParam>& info) {
                             return info.param.kase + "_" + info.param.mode;
                         });

}  // namespace
