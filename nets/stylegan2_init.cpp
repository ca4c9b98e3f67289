// stylegan2_init.cpp: see stylegan2_init.h.
#include "nets/stylegan2_init.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "kernels/core/error.h"
#include "kernels/core/numpy_random.h"
#include "kernels/core/tensor.h"
#include "weights/safetensors.h"

namespace lf {

std::vector<std::string> stylegan2_preset_names() {
    return {"config-f", "stylegan2", "paper256", "paper512", "paper1024", "cifar"};
}

StyleGan2InitConfig stylegan2_preset(const std::string& name) {
    StyleGan2InitConfig c;
    if (name == "config-f") return c;  // 1024, channel_base 32768, 8 mapping layers, fp32, no clamp
    c.num_fp16_res = 4;
    c.conv_clamp = 256.0f;
    if (name == "stylegan2" || name == "paper1024") return c;
    if (name == "paper512") { c.img_resolution = 512; return c; }
    if (name == "paper256") { c.img_resolution = 256; c.channel_base = 16384; return c; }
    if (name == "cifar") { c.img_resolution = 32; c.mapping_layers = 2; return c; }
    std::string names;
    for (const auto& n : stylegan2_preset_names()) names += (names.empty() ? "" : ", ") + n;
    fail("unknown StyleGAN2 preset '", name, "' (known: ", names, ")");
}

namespace {

class Filler {
public:
    explicit Filler(std::uint32_t seed) : rng_(seed) {}
    Tensor randn(Shape shape, float scale, float offset = 0.0f) {
        Tensor t = Tensor::empty(std::move(shape), DType::F32);
        for (std::int64_t i = 0; i < t.numel(); ++i)
            t.data<float>()[i] = offset + scale * static_cast<float>(rng_.standard_normal());
        return t;
    }
    Tensor constant(Shape shape, float value) {
        Tensor t = Tensor::empty(std::move(shape), DType::F32);
        std::fill(t.data<float>(), t.data<float>() + t.numel(), value);
        return t;
    }

private:
    NumpyRandomState rng_;
};

Tensor resample_filter() {  // outer([1,3,3,1]) / 64
    Tensor f = Tensor::empty({4, 4}, DType::F32);
    const float k[4] = {1, 3, 3, 1};
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) f.data<float>()[y * 4 + x] = k[y] * k[x] / 64.0f;
    return f;
}

}  // namespace

void stylegan2_write_random(const StyleGan2InitConfig& c, std::uint32_t seed, const std::string& path) {
    LF_CHECK(c.img_resolution >= 4 && c.img_resolution <= 1024 && (c.img_resolution & (c.img_resolution - 1)) == 0,
             "resolution ", c.img_resolution, " is not a power of two in 4..1024");
    LF_CHECK(c.z_dim >= 0 && c.w_dim > 0 && c.c_dim >= 0 && c.mapping_layers >= 1 && c.img_channels >= 1 &&
                 c.channel_base > 0 && c.channel_max > 0,
             "invalid StyleGAN2 config");
    LF_CHECK(c.architecture == "skip" || c.architecture == "resnet" || c.architecture == "orig",
             "unknown architecture '", c.architecture, "'");
    Filler fill(seed);
    std::vector<std::pair<std::string, Tensor>> t;
    const float lr_mul = 0.01f;
    const int embed = c.c_dim > 0 ? c.w_dim : 0;
    if (c.c_dim > 0) {
        t.emplace_back("mapping.embed.weight", fill.randn({embed, c.c_dim}, 1.0f));
        t.emplace_back("mapping.embed.bias", fill.constant({embed}, 0.0f));
    }
    int in = c.z_dim + embed;
    for (int i = 0; i < c.mapping_layers; ++i) {
        t.emplace_back(str_cat("mapping.fc", i, ".weight"), fill.randn({c.w_dim, in}, 1.0f / lr_mul));
        t.emplace_back(str_cat("mapping.fc", i, ".bias"), fill.randn({c.w_dim}, 0.1f / lr_mul));
        in = c.w_dim;
    }
    t.emplace_back("mapping.w_avg", fill.randn({c.w_dim}, 0.2f));
    auto ch = [&](int res) { return std::min(c.channel_base / res, c.channel_max); };
    auto layer = [&](const std::string& p, int cin, int cout, int res, int k, bool conv) {
        t.emplace_back(p + ".weight", fill.randn({cout, cin, k, k}, 1.0f));
        t.emplace_back(p + ".bias", fill.randn({cout}, 0.1f));
        t.emplace_back(p + ".affine.weight", fill.randn({cin, c.w_dim}, 1.0f));
        t.emplace_back(p + ".affine.bias", fill.randn({cin}, 0.1f, 1.0f));
        if (conv) {
            t.emplace_back(p + ".noise_strength", fill.randn({}, 0.05f));
            t.emplace_back(p + ".noise_const", fill.randn({res, res}, 1.0f));
            t.emplace_back(p + ".resample_filter", resample_filter());
        }
    };
    for (int res = 4; res <= c.img_resolution; res *= 2) {
        const std::string p = str_cat("synthesis.b", res);
        const bool is_last = res == c.img_resolution;
        t.emplace_back(p + ".resample_filter", resample_filter());
        if (res == 4) {
            t.emplace_back(p + ".const", fill.randn({ch(4), 4, 4}, 1.0f));
        } else {
            layer(p + ".conv0", ch(res / 2), ch(res), res, 3, true);
            if (c.architecture == "resnet") {
                t.emplace_back(p + ".skip.weight", fill.randn({ch(res), ch(res / 2), 1, 1}, 1.0f));
                t.emplace_back(p + ".skip.resample_filter", resample_filter());
            }
        }
        layer(p + ".conv1", ch(res), ch(res), res, 3, true);
        if (is_last || c.architecture == "skip") layer(p + ".torgb", ch(res), c.img_channels, res, 1, false);
    }
    nlohmann::json synthesis = {{"channel_base", c.channel_base}, {"channel_max", c.channel_max},
                                {"num_fp16_res", c.num_fp16_res}, {"architecture", c.architecture}};
    synthesis["conv_clamp"] = c.conv_clamp < 0 ? nlohmann::json(nullptr) : nlohmann::json(c.conv_clamp);
    nlohmann::json config = {{"z_dim", c.z_dim},
                             {"c_dim", c.c_dim},
                             {"w_dim", c.w_dim},
                             {"img_resolution", c.img_resolution},
                             {"img_channels", c.img_channels},
                             {"mapping_kwargs", {{"num_layers", c.mapping_layers}}},
                             {"synthesis_kwargs", synthesis}};
    std::map<std::string, std::string> meta = {{"format", "latentfactor-safetensors"},
                                               {"format_version", "1"},
                                               {"architecture", "stylegan2"},
                                               {"net", "random"},
                                               {"config", config.dump()},
                                               {"init_seed", std::to_string(seed)},
                                               {"source", "lfgen init (random weights)"}};
    write_safetensors(path, t, meta);
}

}  // namespace lf
