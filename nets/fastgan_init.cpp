// fastgan_init.cpp: see fastgan_init.h. The tensor order is tools/lfconvert/fastgan.py
// expected_layout() (models.py registration order) with the spectral-norm triples folded to
// `<m>.weight`; tools/reference/fastgan_reference.py init_random() mirrors this file draw for draw.
#include "nets/fastgan_init.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "kernels/core/error.h"
#include "kernels/core/numpy_random.h"
#include "weights/safetensors.h"

namespace lf {
namespace {

constexpr double kConvGain = 1.4142135623730951;  // sqrt(2): GLU halves the signal's second moment
constexpr double kOutputGain = 0.25;  // to_big / to_128: keeps tanh (im_size 1024) mostly unsaturated

class FastGanFiller {
public:
    explicit FastGanFiller(std::uint32_t seed) : rng_(seed) {}

    void conv(const std::string& name, Shape shape, std::int64_t fan_in, double gain = kConvGain) {
        const double scale = gain / std::sqrt(static_cast<double>(fan_in));
        Tensor t = Tensor::empty(std::move(shape), DType::F32);
        for (std::int64_t i = 0; i < t.numel(); ++i)
            t.data<float>()[i] = static_cast<float>(scale * rng_.standard_normal());
        out_.emplace_back(name, t);
    }
    void normal(const std::string& name, std::int64_t n, double offset, double scale) {
        Tensor t = Tensor::empty({n}, DType::F32);
        for (std::int64_t i = 0; i < n; ++i)
            t.data<float>()[i] = static_cast<float>(offset + scale * rng_.standard_normal());
        out_.emplace_back(name, t);
    }
    void uniform(const std::string& name, Shape shape, double lo, double width) {
        Tensor t = Tensor::empty(std::move(shape), DType::F32);
        for (std::int64_t i = 0; i < t.numel(); ++i)
            t.data<float>()[i] = static_cast<float>(lo + width * rng_.random_sample());
        out_.emplace_back(name, t);
    }
    void batch_norm(const std::string& p, std::int64_t c) {
        normal(p + ".weight", c, 1.0, 0.1);
        normal(p + ".bias", c, 0.0, 0.1);
        normal(p + ".running_mean", c, 0.0, 0.1);
        uniform(p + ".running_var", {c}, 0.8, 0.4);
        Tensor nbt = Tensor::empty({}, DType::I64);
        nbt.data<std::int64_t>()[0] = 0;
        out_.emplace_back(p + ".num_batches_tracked", nbt);
    }
    std::vector<std::pair<std::string, Tensor>> take() { return std::move(out_); }

private:
    NumpyRandomState rng_;
    std::vector<std::pair<std::string, Tensor>> out_;
};

}  // namespace

std::vector<std::pair<std::string, Tensor>> fastgan_random_tensors(const FastGanInitConfig& c,
                                                                   std::uint32_t seed) {
    LF_CHECK(c.im_size == 256 || c.im_size == 512 || c.im_size == 1024, "FastGAN im_size ", c.im_size,
             " is not one FastGAN supports (256, 512, 1024)");
    LF_CHECK(c.ngf >= 8 && c.ngf % 8 == 0, "FastGAN ngf ", c.ngf, " is not a positive multiple of 8");
    LF_CHECK(c.nz >= 1 && c.nc >= 1, "FastGAN nz (", c.nz, ") and nc (", c.nc, ") must be positive");
    LF_CHECK(c.ngf <= 4096 && c.nz <= 65536 && c.nc <= 64, "FastGAN config too large (ngf ", c.ngf, ", nz ",
             c.nz, ", nc ", c.nc, ")");
    std::map<int, std::int64_t> nfc;  // nfc[r] = int(mult[r] * ngf)
    const std::pair<int, double> mult[] = {{4, 16},  {8, 8},     {16, 4},     {32, 2},      {64, 2},
                                           {128, 1}, {256, 0.5}, {512, 0.25}, {1024, 0.125}};
    for (const auto& [r, m] : mult) nfc[r] = static_cast<std::int64_t>(m * c.ngf);

    FastGanFiller f(seed);
    auto up_block = [&](const std::string& p, std::int64_t in, std::int64_t out) {
        f.conv(p + ".1.weight", {2 * out, in, 3, 3}, in * 9);
        f.batch_norm(p + ".2", 2 * out);
    };
    auto up_block_comp = [&](const std::string& p, std::int64_t in, std::int64_t out) {
        f.conv(p + ".1.weight", {2 * out, in, 3, 3}, in * 9);
        f.uniform(p + ".2.weight", {1}, 0.02, 0.08);
        f.batch_norm(p + ".3", 2 * out);
        f.conv(p + ".5.weight", {2 * out, out, 3, 3}, out * 9);
        f.uniform(p + ".6.weight", {1}, 0.02, 0.08);
        f.batch_norm(p + ".7", 2 * out);
    };
    auto se_block = [&](const std::string& p, std::int64_t in, std::int64_t out) {
        f.conv(p + ".main.1.weight", {out, in, 4, 4}, in * 16);
        f.conv(p + ".main.3.weight", {out, out, 1, 1}, out);
    };
    f.conv("init.init.0.weight", {c.nz, 2 * nfc[4], 4, 4}, c.nz);  // ConvTranspose2d [in, out, k, k]
    f.batch_norm("init.init.1", 2 * nfc[4]);
    up_block_comp("feat_8", nfc[4], nfc[8]);
    up_block("feat_16", nfc[8], nfc[16]);
    up_block_comp("feat_32", nfc[16], nfc[32]);
    up_block("feat_64", nfc[32], nfc[64]);
    up_block_comp("feat_128", nfc[64], nfc[128]);
    up_block("feat_256", nfc[128], nfc[256]);
    se_block("se_64", nfc[4], nfc[64]);
    se_block("se_128", nfc[8], nfc[128]);
    se_block("se_256", nfc[16], nfc[256]);
    f.conv("to_128.weight", {c.nc, nfc[128], 1, 1}, nfc[128], kOutputGain);
    f.conv("to_big.weight", {c.nc, nfc[c.im_size], 3, 3}, nfc[c.im_size] * 9, kOutputGain);
    if (c.im_size > 256) {
        up_block_comp("feat_512", nfc[256], nfc[512]);
        se_block("se_512", nfc[32], nfc[512]);
    }
    if (c.im_size > 512) up_block("feat_1024", nfc[512], nfc[1024]);
    return f.take();
}

void fastgan_write_random(const FastGanInitConfig& c, std::uint32_t seed, const std::string& path) {
    const auto tensors = fastgan_random_tensors(c, seed);
    const nlohmann::json config = {{"im_size", c.im_size}, {"nc", c.nc}, {"ngf", c.ngf}, {"nz", c.nz}};
    const std::map<std::string, std::string> meta = {
        {"architecture", "fastgan"},
        {"config", config.dump()},
        {"im_size", std::to_string(c.im_size)},
        {"ngf", std::to_string(c.ngf)},
        {"nz", std::to_string(c.nz)},
        {"nc", std::to_string(c.nc)},
        {"weights", "random"},
        {"init_seed", std::to_string(seed)},
        {"source", "lfgen init fastgan (random weights, nets/fastgan_init.cpp)"},
        {"batchnorm", "running_mean/running_var random (eval-mode BatchNorm, eps 1e-5)"}};
    write_safetensors(path, tensors, meta);
}

}  // namespace lf
