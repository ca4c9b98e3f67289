// fastgan.h: the FastGAN generator of upstream FastGAN-pytorch (models.py Generator) for im_size
// 256, 512 and 1024 and any ngf/nz, loaded from a converted safetensors file (spectral norm folded
// by tools/convert.py). BatchNorm in eval mode (running statistics) by default, or with mini-batch
// statistics as the upstream code's train-mode forward; NoiseInjection with seeded noise or none.
// Outputs: the full-size image and the 128x128 image (tanh only at im_size 1024, as upstream).
// Taps: "init" (the InitLayer output: nz 256 / ngf 64 gives 1024x4x4 = 16384 features, the layer
// the seed paper factorizes), "feat_8" ... "feat_1024".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kernels/core/numpy_random.h"
#include "kernels/core/tensor.h"
#include "nets/backend.h"
#include "nets/stylegan2.h"  // defines: TapSink

namespace lf {

struct FastGanConfig {
    int nz = 0, ngf = 0, nc = 3, im_size = 0;
    std::map<int, int> nfc;  // resolution -> channels
    std::string summary() const;
};

enum class FastGanNoise { Random, None };

struct FastGanOptions {
    BatchNormMode bn = BatchNormMode::Eval;
    FastGanNoise noise = FastGanNoise::Random;
    std::uint32_t noise_seed = 0;     // sample i draws from RandomState(noise_seed + sample_offset + i)
    std::uint32_t sample_offset = 0;
};

struct FastGanOutput {
    Tensor image;      // [N, nc, im_size, im_size]
    Tensor image_128;  // [N, nc, 128, 128]
};

class FastGan {
public:
    static FastGan load(const std::string& path, const NetBackend& backend = cpu_backend());
    const FastGanConfig& config() const { return config_; }
    const NetBackend& backend() const { return backend_; }
    // z: host [N, nz] f32 or f64.
    FastGanOutput forward(const Tensor& z, const FastGanOptions& opt, const TapSink* taps = nullptr) const;
    const std::map<std::string, Tensor>& tensors() const { return host_tensors_; }

private:
    const Tensor& dev(const std::string& name) const;
    Tensor up_block(const std::string& p, const Tensor& x, bool comp, int out_channels, const FastGanOptions& opt,
                    std::vector<NumpyRandomState>* rng) const;
    void se(const std::string& p, const Tensor& small, Tensor& big) const;

    FastGanConfig config_;
    NetBackend backend_;
    std::map<std::string, Tensor> host_tensors_;
    std::map<std::string, Tensor> dev_tensors_;
    std::map<std::string, float> noise_weight_;  // "<block>.<index>" -> NoiseInjection.weight
    Tensor init_weight_t_;                       // [2C*16, nz]: the ConvTranspose weight as an FC matrix
};

}  // namespace lf
