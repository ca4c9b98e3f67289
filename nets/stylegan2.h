// stylegan2.h: the StyleGAN2 generator of NVlabs stylegan2-ada-pytorch (mapping + synthesis, skip,
// resnet and orig architectures, any resolution 4..1024 and channel config), loaded from a converted
// safetensors file (official state_dict names). The config is detected from the tensor shapes; the
// converter's metadata supplies what shapes cannot tell (conv_clamp, lr_multiplier, num_fp16_res).
// The forward pass runs on a NetBackend (CPU, emulated CUDA kernels, or CUDA); conv_clamp is
// honoured. The blocks from fp16_resolution = max(2^(log2(R) + 1 - num_fp16_res), 8) up compute with
// the official fp16 numerics on the CUDA kernels (kernels/ops/fp16_mode.h: the non-fused form for
// N > 1, the fused one for N = 1, as eval mode; their 3x3 convs on the tensor cores), unless
// SynthesisOptions::force_fp32; the CPU backend computes float32 throughout (the official
// force_fp32=True). The resnet architecture always computes float32 (its skip path's fp16 rounding
// is not modelled).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "kernels/core/tensor.h"
#include "nets/backend.h"

namespace lf {

struct StyleGan2Config {
    int z_dim = 0, c_dim = 0, w_dim = 0;
    int img_resolution = 0, img_channels = 0;
    int mapping_layers = 0;
    int embed_features = 0;             // w_dim when c_dim > 0, else 0
    float lr_multiplier = 0.01f;        // mapping FC layers
    std::string architecture = "skip";  // skip | resnet | orig
    float conv_clamp = -1.0f;           // < 0: none
    int num_fp16_res = 0;
    int num_ws = 0;
    std::vector<int> block_resolutions; // 4, 8, ..., img_resolution
    std::map<int, int> channels;        // resolution -> channels

    std::string summary() const;        // one line for logs
};

enum class NoiseMode { Const, Random, None };

struct SynthesisOptions {
    NoiseMode noise = NoiseMode::Const;   // generate.py default
    std::uint32_t noise_seed = 0;         // NoiseMode::Random: sample i draws its noise planes, layer by
    std::uint32_t sample_offset = 0;      // layer, from RandomState(noise_seed + sample_offset + i), so
                                          // results do not depend on the batch size
    bool force_fp32 = false;              // the official force_fp32: fp16 blocks compute float32
};

// Receives named intermediate tensors ("z", "w", "ws", "b{R}.conv{0,1}.styles", "b{R}.torgb.styles",
// "b{R}" block features, "b{R}.img"), on the backend's device; only valid during the call.
using TapSink = std::function<void(const std::string& name, const Tensor& value)>;

class StyleGan2 {
public:
    // Loads and validates a converted file and places the weights on the backend's device; any
    // missing or wrong-shaped tensor is one lf::Error naming it.
    static StyleGan2 load(const std::string& path, const NetBackend& backend = cpu_backend());

    const StyleGan2Config& config() const { return config_; }
    // How block `res` computes for a batch of n on this backend (Off: float32).
    Fp16Mode block_fp16(int res, int n, const SynthesisOptions& opt) const;
    const NetBackend& backend() const { return backend_; }

    // z: host [N, z_dim] f32 or f64; c: host [N, c_dim] (ignored when c_dim == 0). Truncation psi
    // with cutoff (cutoff < 0: all layers). Returns ws [N, num_ws, w_dim] f32 on the backend device.
    Tensor mapping(const Tensor& z, const Tensor* c, float psi, int cutoff, const TapSink* taps = nullptr) const;
    // ws: [N, num_ws, w_dim] f32 (any device) -> image [N, img_channels, R, R] f32 on the backend
    // device, nominal range [-1, 1].
    Tensor synthesis(const Tensor& ws, const SynthesisOptions& opt, const TapSink* taps = nullptr) const;

    // One-hot class labels [N, c_dim] (class index < c_dim), or an empty tensor when c_dim == 0.
    Tensor class_labels(int class_index, int batch) const;

    // All named tensors as stored, on the host (for SeFa and tools).
    const std::map<std::string, Tensor>& tensors() const { return host_tensors_; }

private:
    const Tensor& dev(const std::string& name) const;  // a weight on the backend device
    Tensor layer(const std::string& p, const Tensor& x, const Tensor& ws, int w_index, int up, float gain,
                 const SynthesisOptions& opt, const Tensor& noise, Fp16Mode fp16, const TapSink* taps) const;
    Tensor to_rgb(const std::string& p, const Tensor& x, const Tensor& ws, int w_index, const Tensor* skip,
                  Fp16Mode fp16, const TapSink* taps) const;
    Tensor styles(const std::string& p, const Tensor& ws, int w_index, float gain) const;

    StyleGan2Config config_;
    NetBackend backend_;
    std::map<std::string, Tensor> host_tensors_;   // as stored (borrowed from the mapped file)
    std::map<std::string, Tensor> dev_tensors_;    // the same on the backend device
    std::map<std::string, float> noise_strength_;  // "<layer>" -> noise_strength
    std::vector<Tensor> mapping_weights_;          // fc{i}.weight * lr_mul / sqrt(in), f32, device
    std::vector<Tensor> mapping_biases_;           // fc{i}.bias * lr_mul, device
    Tensor embed_weight_, embed_bias_;             // c_dim > 0, device
    std::map<std::string, Tensor> affine_weights_; // "<layer>" -> affine.weight / sqrt(w_dim), device
};

}  // namespace lf
