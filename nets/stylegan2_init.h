// stylegan2_init.h: random-weight StyleGAN2 models with the official names, shapes and config
// metadata, for benchmarks and tests without downloaded weights (`lfgen init`). Initialization
// follows the official constructors (equalized-lr weights ~ N(0,1)/lr_mul, affine bias 1, noise_const
// ~ N(0,1)), with small non-zero noise strengths and w_avg so every path is exercised.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lf {

struct StyleGan2InitConfig {
    int z_dim = 512, w_dim = 512, c_dim = 0;
    int img_resolution = 1024, img_channels = 3;
    int mapping_layers = 8;
    int channel_base = 32768, channel_max = 512;
    int num_fp16_res = 0;
    float conv_clamp = -1.0f;  // < 0: None
    std::string architecture = "skip";
};

// Official presets: "config-f" (TF config-F 1024 as converted: fp32, no clamp), "stylegan2",
// "paper256", "paper512", "paper1024", "cifar" (train.py cfg_specs: num_fp16_res 4, conv_clamp 256).
StyleGan2InitConfig stylegan2_preset(const std::string& name);
std::vector<std::string> stylegan2_preset_names();

// Writes the model to `path` (safetensors with architecture/config metadata); same seed, same bytes.
void stylegan2_write_random(const StyleGan2InitConfig& cfg, std::uint32_t seed, const std::string& path);

}  // namespace lf
