// stylegan2.cpp: StyleGAN2 loading (config detection + validation) and the CPU forward pass, built
// from the kernels/ops CPU backends. The computation order follows stylegan2-ada-pytorch
// (networks.py, eval mode, fused modconv): see ../shared/docs/stylegan2.md.
#include "nets/stylegan2.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "kernels/core/device_memory.h"
#include "kernels/core/numpy_random.h"
#include "kernels/core/nvtx_range.h"
#include "weights/safetensors.h"

namespace lf {
namespace {

constexpr float kSqrt2 = 1.41421356237309504880f;
constexpr float kSqrtHalf = 0.70710678118654752440f;

std::string res_prefix(int res) { return str_cat("synthesis.b", res); }

Tensor scaled_copy(const Tensor& t, float gain) {
    Tensor out = Tensor::empty(t.shape(), DType::F32);
    const float* src = t.data<float>();
    float* dst = out.data<float>();
    for (std::int64_t i = 0; i < t.numel(); ++i) dst[i] = src[i] * gain;
    return out;
}

}  // namespace

std::string StyleGan2Config::summary() const {
    return str_cat("StyleGAN2 ", architecture, " ", img_resolution, "x", img_resolution, "x", img_channels,
                   ", z_dim ", z_dim, ", w_dim ", w_dim, ", c_dim ", c_dim, ", ", mapping_layers,
                   " mapping layers, num_ws ", num_ws, ", conv_clamp ",
                   conv_clamp < 0 ? std::string("none") : str_cat(conv_clamp), ", num_fp16_res ", num_fp16_res);
}

const Tensor& StyleGan2::dev(const std::string& name) const {
    auto it = dev_tensors_.find(name);
    LF_CHECK(it != dev_tensors_.end(), "StyleGAN2 model has no tensor '", name, "'");
    return it->second;
}

StyleGan2 StyleGan2::load(const std::string& path, const NetBackend& backend) {
    LF_CHECK(backend.fully_connected && backend.modulated_conv2d && backend.upfirdn2d && backend.torgb &&
                 backend.normalize_2nd_moment && backend.broadcast_truncate && backend.add,
             "the ", backend.name, " backend lacks StyleGAN2 kernels");
    const SafetensorsFile file = SafetensorsFile::open(path);
    StyleGan2 g;
    g.backend_ = backend;
    auto meta_it = file.metadata().find("architecture");
    if (meta_it != file.metadata().end())
        LF_CHECK(meta_it->second == "stylegan2", path, ": not a StyleGAN2 model (architecture '", meta_it->second, "')");
    LF_CHECK(file.contains("mapping.fc0.weight") && file.contains("synthesis.b4.const"), path,
             ": not a StyleGAN2 model (no mapping.fc0.weight / synthesis.b4.const)");
    for (const auto& e : file.entries()) {
        LF_CHECK(e.dtype == DType::F32, path, ": tensor '", e.name, "' is ", dtype_name(e.dtype), ", expected f32");
        g.host_tensors_.emplace(e.name, file.get(e.name));
    }
    auto has = [&](const std::string& name) { return g.host_tensors_.count(name) != 0; };
    auto need = [&](const std::string& name, const Shape& shape) -> const Tensor& {
        auto it = g.host_tensors_.find(name);
        LF_CHECK(it != g.host_tensors_.end(), path, ": missing tensor '", name, "'");
        LF_CHECK(it->second.shape() == shape, path, ": tensor '", name, "' has shape ",
                 shape_to_string(it->second.shape()), ", expected ", shape_to_string(shape),
                 " (weights inconsistent with the config)");
        return it->second;
    };

    StyleGan2Config& c = g.config_;
    // Metadata config (from the converter: the official _init_kwargs).
    nlohmann::json cfg = nlohmann::json::object();
    // config_resolved (all defaults filled in by the converter) when present, else config.
    auto cfg_it = file.metadata().find("config_resolved");
    if (cfg_it == file.metadata().end()) cfg_it = file.metadata().find("config");
    if (auto it = cfg_it; it != file.metadata().end()) {
        cfg = nlohmann::json::parse(it->second, nullptr, false);
        LF_CHECK(cfg.is_object(), path, ": metadata 'config' is not a JSON object");
    }
    const nlohmann::json mk = cfg.value("mapping_kwargs", nlohmann::json::object());
    const nlohmann::json sk = cfg.value("synthesis_kwargs", nlohmann::json::object());
    try {
        if (mk.contains("lr_multiplier") && mk["lr_multiplier"].is_number()) c.lr_multiplier = mk["lr_multiplier"].get<float>();
        if (sk.contains("conv_clamp") && sk["conv_clamp"].is_number()) c.conv_clamp = sk["conv_clamp"].get<float>();
        if (sk.contains("num_fp16_res") && sk["num_fp16_res"].is_number()) c.num_fp16_res = sk["num_fp16_res"].get<int>();
        if (sk.contains("architecture") && sk["architecture"].is_string()) c.architecture = sk["architecture"].get<std::string>();
    } catch (const nlohmann::json::exception& e) {
        fail(path, ": bad metadata config: ", e.what());
    }

    // Mapping network.
    while (has(str_cat("mapping.fc", c.mapping_layers, ".weight"))) ++c.mapping_layers;
    const Tensor& fc0 = g.host_tensors_.at("mapping.fc0.weight");
    LF_CHECK(fc0.rank() == 2, path, ": mapping.fc0.weight must be 2-D");
    c.w_dim = static_cast<int>(g.host_tensors_.at(str_cat("mapping.fc", c.mapping_layers - 1, ".weight")).dim(0));
    if (has("mapping.embed.weight")) {
        const Tensor& e = g.host_tensors_.at("mapping.embed.weight");
        LF_CHECK(e.rank() == 2, path, ": mapping.embed.weight must be 2-D");
        c.embed_features = static_cast<int>(e.dim(0));
        c.c_dim = static_cast<int>(e.dim(1));
        need("mapping.embed.bias", {e.dim(0)});
    }
    c.z_dim = static_cast<int>(fc0.dim(1)) - c.embed_features;
    LF_CHECK(c.z_dim >= 0, path, ": mapping.fc0.weight is narrower than the label embedding");
    std::int64_t in = c.z_dim + c.embed_features;
    for (int i = 0; i < c.mapping_layers; ++i) {
        const std::string p = str_cat("mapping.fc", i);
        const Tensor& w = g.host_tensors_.at(p + ".weight");
        LF_CHECK(w.rank() == 2 && w.dim(1) == in, path, ": tensor '", p, ".weight' has shape ",
                 shape_to_string(w.shape()), ", expected [*, ", in, "]");
        const Tensor& b = need(p + ".bias", {w.dim(0)});
        const float wg = c.lr_multiplier / std::sqrt(static_cast<float>(in));
        g.mapping_weights_.push_back(scaled_copy(w, wg));
        g.mapping_biases_.push_back(c.lr_multiplier != 1.0f ? scaled_copy(b, c.lr_multiplier) : b);
        in = w.dim(0);
    }
    if (c.c_dim > 0) {
        g.embed_weight_ = scaled_copy(g.host_tensors_.at("mapping.embed.weight"), 1.0f / std::sqrt(static_cast<float>(c.c_dim)));
        g.embed_bias_ = g.host_tensors_.at("mapping.embed.bias");
    }
    if (has("mapping.w_avg")) need("mapping.w_avg", {c.w_dim});

    // Synthesis blocks.
    for (int res = 4; res <= 1024 && has(res_prefix(res) + ".conv1.weight"); res *= 2) c.block_resolutions.push_back(res);
    LF_CHECK(!c.block_resolutions.empty(), path, ": missing tensor 'synthesis.b4.conv1.weight'");
    c.img_resolution = c.block_resolutions.back();
    LF_CHECK(!has(str_cat(res_prefix(c.img_resolution * 2), ".conv0.weight")), path, ": synthesis block b",
             c.img_resolution * 2, " has no conv1 (missing tensor 'synthesis.b", c.img_resolution * 2, ".conv1.weight')");
    for (int res : c.block_resolutions) {
        const Tensor& w = g.host_tensors_.at(res_prefix(res) + ".conv1.weight");
        LF_CHECK(w.rank() == 4, path, ": tensor '", res_prefix(res), ".conv1.weight' must be 4-D");
        c.channels[res] = static_cast<int>(w.dim(0));
    }
    if (meta_it == file.metadata().end() || !sk.contains("architecture")) {
        c.architecture = has("synthesis.b8.skip.weight") ? "resnet"
                         : (c.block_resolutions.size() > 1 && !has("synthesis.b4.torgb.weight")) ? "orig"
                                                                                                   : "skip";
    }
    LF_CHECK(c.architecture == "skip" || c.architecture == "resnet" || c.architecture == "orig", path,
             ": unknown synthesis architecture '", c.architecture, "'");
    const std::string last_torgb = str_cat(res_prefix(c.img_resolution), ".torgb.weight");
    LF_CHECK(has(last_torgb) && g.host_tensors_.at(last_torgb).rank() == 4, path, ": missing tensor '", last_torgb, "'");
    c.img_channels = static_cast<int>(g.host_tensors_.at(last_torgb).dim(0));

    const std::int64_t wd = c.w_dim;
    auto need_layer = [&](const std::string& p, std::int64_t cin, std::int64_t cout, int res, int k, bool conv) {
        need(p + ".weight", {cout, cin, k, k});
        need(p + ".bias", {cout});
        need(p + ".affine.weight", {cin, wd});
        need(p + ".affine.bias", {cin});
        if (conv) {
            need(p + ".noise_strength", {});
            if (has(p + ".noise_const")) need(p + ".noise_const", {res, res});
        }
        const float affine_gain = 1.0f / std::sqrt(static_cast<float>(wd));
        g.affine_weights_[p] = scaled_copy(g.host_tensors_.at(p + ".affine.weight"), affine_gain);
    };
    c.num_ws = 0;
    for (int res : c.block_resolutions) {
        const std::string p = res_prefix(res);
        const std::int64_t cout = c.channels[res];
        const bool is_last = res == c.img_resolution;
        if (res == 4) {
            need(p + ".const", {cout, 4, 4});
        } else {
            const std::int64_t cin = c.channels[res / 2];
            need_layer(p + ".conv0", cin, cout, res, 3, true);
            need(p + ".conv0.resample_filter", {4, 4});
            if (c.architecture == "resnet") {
                need(p + ".skip.weight", {cout, cin, 1, 1});
                need(p + ".skip.resample_filter", {4, 4});
            }
        }
        need_layer(p + ".conv1", cout, cout, res, 3, true);
        if (is_last || c.architecture == "skip") need_layer(p + ".torgb", cout, c.img_channels, res, 1, false);
        if (res > 4 && c.architecture == "skip") need(p + ".resample_filter", {4, 4});
        c.num_ws += res == 4 ? 1 : 2;
    }
    c.num_ws += 1;  // the last block's torgb
    // Cross-check the converter's config against the shapes.
    auto check_cfg = [&](const char* key, int detected) {
        if (cfg.contains(key) && cfg[key].is_number_integer())
            LF_CHECK(cfg[key].get<int>() == detected, path, ": weights inconsistent with the config: ", key, " is ",
                     cfg[key].get<int>(), " in the metadata but ", detected, " in the tensors");
    };
    check_cfg("z_dim", c.z_dim);
    check_cfg("w_dim", c.w_dim);
    check_cfg("c_dim", c.c_dim);
    check_cfg("img_resolution", c.img_resolution);
    check_cfg("img_channels", c.img_channels);
    if (mk.contains("num_layers") && mk["num_layers"].is_number_integer())
        LF_CHECK(mk["num_layers"].get<int>() == c.mapping_layers, path, ": weights inconsistent with the config: ",
                 "mapping num_layers is ", mk["num_layers"].get<int>(), " but ", c.mapping_layers, " fc layers are stored");
    // Move everything the forward pass reads to the backend device.
    const Device d = backend.device;
    for (const auto& [name, t] : g.host_tensors_) {
        g.dev_tensors_.emplace(name, d.is_cpu() ? t : t.to(d, backend.stream));
        if (name.size() > 15 && name.ends_with(".noise_strength"))
            g.noise_strength_[name.substr(0, name.size() - 15)] = t.data<float>()[0];
    }
    auto move = [&](Tensor& t) { if (!d.is_cpu() && t.numel() > 0) t = t.to(d, backend.stream); };
    for (Tensor& t : g.mapping_weights_) move(t);
    for (Tensor& t : g.mapping_biases_) move(t);
    move(g.embed_weight_);
    move(g.embed_bias_);
    for (auto& [name, t] : g.affine_weights_) move(t);
    return g;
}

Tensor StyleGan2::class_labels(int class_index, int batch) const {
    if (config_.c_dim == 0) return {};
    LF_CHECK(class_index >= 0 && class_index < config_.c_dim, "class ", class_index, " out of range: the model has ",
             config_.c_dim, " classes");
    Tensor c = Tensor::zeros({batch, config_.c_dim}, DType::F32);
    for (int i = 0; i < batch; ++i) c.data<float>()[i * config_.c_dim + class_index] = 1.0f;
    return c;
}

Tensor StyleGan2::mapping(const Tensor& z, const Tensor* c, float psi, int cutoff, const TapSink* taps) const {
    const NvtxRange range("stylegan2/mapping");
    const StyleGan2Config& cf = config_;
    const NetBackend& be = backend_;
    LF_CHECK(z.device().is_cpu() && (z.dtype() == DType::F32 || z.dtype() == DType::F64), "z: expected a host float tensor");
    LF_CHECK(z.rank() == 2 && z.dim(1) == cf.z_dim, "z: expected shape [N, ", cf.z_dim, "], got ", shape_to_string(z.shape()));
    const int n = static_cast<int>(z.dim(0));
    LF_CHECK(n > 0, "z: empty batch");
    const int width = cf.z_dim + cf.embed_features;
    // x = [z, c] on the host: z cast to float32 first (generate.py passes float64 from RandomState).
    Tensor x_host = Tensor::empty({n, width}, DType::F32);  // [N, z_dim + embed]
    float* xp = x_host.data<float>();
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < cf.z_dim; ++j)
            xp[i * width + j] = z.dtype() == DType::F64 ? static_cast<float>(z.data<double>()[i * cf.z_dim + j])
                                                        : z.data<float>()[i * cf.z_dim + j];
    Tensor x = be.device.is_cpu() ? x_host : x_host.to(be.device, be.stream);
    if (taps) (*taps)("z", x);
    if (cf.z_dim > 0) be.normalize_2nd_moment({x.data<float>(), n, cf.z_dim, width}, be.stream);
    if (cf.c_dim > 0) {
        LF_CHECK(c && c->device().is_cpu() && c->rank() == 2 && c->dim(0) == n && c->dim(1) == cf.c_dim &&
                     c->dtype() == DType::F32,
                 "this model is conditional: class labels of shape [", n, ", ", cf.c_dim, "] are required (--class)");
        const Tensor cd = be.device.is_cpu() ? *c : c->to(be.device, be.stream);
        // embed(c) written straight into the x[:, z_dim:] slice, then normalized there.
        Tensor e = Tensor::empty({n, cf.embed_features}, DType::F32, be.device, be.stream);  // [N, embed]
        be.fully_connected({cd.data<float>(), 0, embed_weight_.data<float>(), embed_bias_.data<float>(), e.data<float>(), n,
                            cf.c_dim, cf.embed_features, Activation::Linear, 1.0f},
                           be.stream);
        be.normalize_2nd_moment({e.data<float>(), n, cf.embed_features, 0}, be.stream);
        for (int i = 0; i < n; ++i)
            copy_bytes(x.data<float>() + i * width + cf.z_dim, be.device, e.data<float>() + i * cf.embed_features,
                       be.device, sizeof(float) * cf.embed_features, be.stream);
    }
    for (int l = 0; l < cf.mapping_layers; ++l) {
        const Tensor& w = mapping_weights_[l];  // [out, in]
        Tensor y = Tensor::empty({n, w.dim(0)}, DType::F32, be.device, be.stream);
        be.fully_connected({x.data<float>(), 0, w.data<float>(), mapping_biases_[l].data<float>(), y.data<float>(), n,
                            static_cast<int>(w.dim(1)), static_cast<int>(w.dim(0)), Activation::LRelu, kSqrt2},
                           be.stream);
        x = std::move(y);
    }
    if (taps) (*taps)("w", x);
    Tensor ws = Tensor::empty({n, cf.num_ws, cf.w_dim}, DType::F32, be.device, be.stream);  // [N, num_ws, w_dim]
    auto avg = dev_tensors_.find("mapping.w_avg");
    LF_CHECK(psi == 1.0f || avg != dev_tensors_.end(),
             "truncation needs mapping.w_avg, which this model file does not have");
    be.broadcast_truncate({x.data<float>(), avg != dev_tensors_.end() ? avg->second.data<float>() : nullptr,
                           ws.data<float>(), n, cf.num_ws, cf.w_dim, psi, cutoff},
                          be.stream);
    if (taps) (*taps)("ws", ws);
    return ws;
}

// Styles of layer p from ws[:, w_index]: (w (A / sqrt(w_dim))^T + b) * gain.
Tensor StyleGan2::styles(const std::string& p, const Tensor& ws, int w_index, float gain) const {
    const NetBackend& be = backend_;
    const int n = static_cast<int>(ws.dim(0));
    const Tensor& a = affine_weights_.at(p);  // [I, w_dim]
    Tensor s = Tensor::empty({n, a.dim(0)}, DType::F32, be.device, be.stream);  // [N, I]
    be.fully_connected({ws.data<float>() + static_cast<std::int64_t>(w_index) * config_.w_dim,
                        static_cast<std::int64_t>(config_.num_ws) * config_.w_dim, a.data<float>(),
                        dev(p + ".affine.bias").data<float>(), s.data<float>(), n, config_.w_dim,
                        static_cast<int>(a.dim(0)), Activation::Linear, gain},
                       be.stream);
    return s;
}

Fp16Mode StyleGan2::block_fp16(int res, int n, const SynthesisOptions& opt) const {
    const StyleGan2Config& cf = config_;
    if (opt.force_fp32 || !backend_.fp16_blocks || cf.num_fp16_res <= 0 || cf.architecture == "resnet")
        return Fp16Mode::Off;
    int log2_res = 0;
    while ((1 << log2_res) < cf.img_resolution) ++log2_res;
    const int exponent = log2_res + 1 - cf.num_fp16_res;
    const int fp16_resolution = std::max(exponent >= 0 && exponent < 31 ? 1 << exponent : 0, 8);
    if (res < fp16_resolution) return Fp16Mode::Off;
    return n == 1 ? Fp16Mode::Fused : Fp16Mode::NonFused;  // eval mode: fused only for one sample
}

// One SynthesisLayer on x [N, I, H, W]: modulated 3x3 conv (up 1 or 2) with its full epilogue.
Tensor StyleGan2::layer(const std::string& p, const Tensor& x, const Tensor& ws, int w_index, int up, float gain,
                        const SynthesisOptions& opt, const Tensor& noise, Fp16Mode fp16, const TapSink* taps) const {
    const StyleGan2Config& cf = config_;
    const NetBackend& be = backend_;
    const int n = static_cast<int>(x.dim(0)), cin = static_cast<int>(x.dim(1));
    const int h = static_cast<int>(x.dim(2)), wd = static_cast<int>(x.dim(3));
    const Tensor& weight = dev(p + ".weight");  // [O, I, 3, 3]
    const int cout = static_cast<int>(weight.dim(0));
    const Tensor s = styles(p, ws, w_index, 1.0f);
    if (taps) (*taps)(p.substr(10) + ".styles", s);  // without "synthesis."
    ModulatedConv2dParams mp;
    mp.x = x.data<float>();
    mp.weight = weight.data<float>();
    mp.styles = s.data<float>();
    mp.bias = dev(p + ".bias").data<float>();
    mp.batch = n;
    mp.in_channels = cin;
    mp.out_channels = cout;
    mp.height = h;
    mp.width = wd;
    mp.kernel = 3;
    mp.up = up;
    mp.demodulate = true;
    mp.act = Activation::LRelu;
    mp.act_gain = kSqrt2 * gain;
    mp.clamp = cf.conv_clamp >= 0 ? cf.conv_clamp * gain : -1.0f;
    if (up == 2) mp.resample_filter = dev(p + ".resample_filter").data<float>();
    mp.fp16 = fp16;
    mp.noise_strength = noise_strength_.at(p);
    const int ho = h * up;
    if (opt.noise == NoiseMode::Const) {
        mp.noise = dev(p + ".noise_const").data<float>();  // [R, R], shared by the batch
        mp.noise_batch_stride = 0;
    } else if (opt.noise == NoiseMode::Random) {
        mp.noise = noise.data<float>();  // [N, R, R]
        mp.noise_batch_stride = static_cast<std::int64_t>(ho) * ho;
    }
    Tensor y = Tensor::empty({n, cout, ho, ho}, DType::F32, be.device, be.stream);  // [N, O, Ho, Wo]
    mp.y = y.data<float>();
    // fp16 blocks on the tensor cores (their half operands are exact in TF32); fp32 blocks keep the
    // FP32 kernels, as the official code computes them with TF32 off.
    (fp16 != Fp16Mode::Off && be.modulated_conv2d_tensor_cores ? be.modulated_conv2d_tensor_cores
                                                                : be.modulated_conv2d)(mp, be.stream);
    return y;
}

// ToRGB on x [N, I, R, R] plus the upsampled previous image (skip architecture).
Tensor StyleGan2::to_rgb(const std::string& p, const Tensor& x, const Tensor& ws, int w_index, const Tensor* skip,
                         Fp16Mode fp16, const TapSink* taps) const {
    const NetBackend& be = backend_;
    const int n = static_cast<int>(x.dim(0)), cin = static_cast<int>(x.dim(1)), r = static_cast<int>(x.dim(2));
    const Tensor s = styles(p, ws, w_index, 1.0f / std::sqrt(static_cast<float>(cin)));
    if (taps) (*taps)(p.substr(10) + ".styles", s);
    ToRgbParams tp;
    tp.x = x.data<float>();
    tp.weight = dev(p + ".weight").data<float>();
    tp.styles = s.data<float>();
    tp.bias = dev(p + ".bias").data<float>();
    tp.skip = skip ? skip->data<float>() : nullptr;
    tp.filter = skip ? dev(p.substr(0, p.size() - 6) + ".resample_filter").data<float>() : nullptr;  // block filter
    tp.batch = n;
    tp.in_channels = cin;
    tp.out_channels = config_.img_channels;
    tp.height = tp.width = r;
    tp.clamp = config_.conv_clamp;
    tp.fp16 = fp16;
    Tensor y = Tensor::empty({n, config_.img_channels, r, r}, DType::F32, be.device, be.stream);
    tp.y = y.data<float>();
    be.torgb(tp, be.stream);
    return y;
}

Tensor StyleGan2::synthesis(const Tensor& ws_in, const SynthesisOptions& opt, const TapSink* taps) const {
    const StyleGan2Config& cf = config_;
    const NetBackend& be = backend_;
    LF_CHECK(ws_in.rank() == 3 && ws_in.dim(1) == cf.num_ws && ws_in.dim(2) == cf.w_dim && ws_in.dtype() == DType::F32,
             "ws: expected float32 [N, ", cf.num_ws, ", ", cf.w_dim, "], got ", dtype_name(ws_in.dtype()), " ",
             shape_to_string(ws_in.shape()));
    const int n = static_cast<int>(ws_in.dim(0));
    LF_CHECK(n > 0, "ws: empty batch");
    const Tensor ws = ws_in.device() == be.device ? ws_in : ws_in.to(be.device, be.stream);
    // Random noise: sample i draws its planes layer by layer from RandomState(seed + offset + i).
    std::vector<NumpyRandomState> noise_rng;
    if (opt.noise == NoiseMode::Random)
        for (int i = 0; i < n; ++i) noise_rng.emplace_back(opt.noise_seed + opt.sample_offset + static_cast<std::uint32_t>(i));
    auto draw_noise = [&](int res) -> Tensor {
        if (opt.noise != NoiseMode::Random) return {};
        Tensor t = Tensor::empty({n, res, res}, DType::F32);  // [N, R, R]
        const std::int64_t plane = static_cast<std::int64_t>(res) * res;
        for (int i = 0; i < n; ++i)
            for (std::int64_t q = 0; q < plane; ++q) t.data<float>()[i * plane + q] = static_cast<float>(noise_rng[i].standard_normal());
        return be.device.is_cpu() ? t : t.to(be.device, be.stream);
    };

    Tensor x, img;
    int w_idx = 0;
    for (int res : cf.block_resolutions) {
        const std::string p = res_prefix(res);
        const NvtxRange range("stylegan2/synthesis/" + p.substr(p.rfind('.') + 1));
        const bool is_last = res == cf.img_resolution;
        const bool has_torgb = is_last || cf.architecture == "skip";
        const int first = w_idx;
        const Fp16Mode fp16 = block_fp16(res, n, opt);
        if (res == 4) {
            const Tensor& c = dev(p + ".const");  // [C, 4, 4], repeated over the batch
            Tensor x0 = Tensor::empty({n, c.dim(0), 4, 4}, DType::F32, be.device, be.stream);
            for (int i = 0; i < n; ++i)
                copy_bytes(x0.data<float>() + i * c.numel(), be.device, c.data<float>(), be.device, c.nbytes(), be.stream);
            x = layer(p + ".conv1", x0, ws, first, 1, 1.0f, opt, draw_noise(4), fp16, taps);
            w_idx += 1;
        } else {
            Tensor skip;
            if (cf.architecture == "resnet") {
                // skip: 1x1 conv (weight / sqrt(I), no bias, as a modulated conv with unit styles),
                // upfirdn2d up=2 pad (2,1,2,1) gain 4, gain sqrt(1/2), no clamp.
                const int cin = static_cast<int>(x.dim(1)), h = static_cast<int>(x.dim(2));
                const Tensor& sw = dev(p + ".skip.weight");  // [O, I, 1, 1]
                const int cout = static_cast<int>(sw.dim(0));
                Tensor ones_host = Tensor::empty({n, cin}, DType::F32);
                const float g = 1.0f / std::sqrt(static_cast<float>(cin));
                std::fill(ones_host.data<float>(), ones_host.data<float>() + ones_host.numel(), g);
                const Tensor unit = be.device.is_cpu() ? ones_host : ones_host.to(be.device, be.stream);
                Tensor t = Tensor::empty({n, cout, h, h}, DType::F32, be.device, be.stream);
                ModulatedConv2dParams mp;
                mp.x = x.data<float>();
                mp.weight = sw.data<float>();
                mp.styles = unit.data<float>();
                mp.y = t.data<float>();
                mp.batch = n;
                mp.in_channels = cin;
                mp.out_channels = cout;
                mp.height = mp.width = h;
                mp.kernel = 1;
                mp.demodulate = false;
                mp.act = Activation::Linear;
                mp.act_gain = kSqrtHalf;
                be.modulated_conv2d(mp, be.stream);
                skip = Tensor::empty({n, cout, 2 * h, 2 * h}, DType::F32, be.device, be.stream);
                Upfirdn2dParams f;
                f.x = t.data<float>();
                f.filter = dev(p + ".skip.resample_filter").data<float>();
                f.y = skip.data<float>();
                f.planes = static_cast<std::int64_t>(n) * cout;
                f.height = f.width = h;
                f.filter_h = f.filter_w = 4;
                f.up = 2;
                f.pad_x0 = f.pad_y0 = 2;
                f.pad_x1 = f.pad_y1 = 1;
                f.gain = 4.0f;
                be.upfirdn2d(f, be.stream);
            }
            x = layer(p + ".conv0", x, ws, first, 2, 1.0f, opt, draw_noise(res), fp16, taps);
            const float gain1 = cf.architecture == "resnet" ? kSqrtHalf : 1.0f;
            x = layer(p + ".conv1", x, ws, first + 1, 1, gain1, opt, draw_noise(res), fp16, taps);
            if (skip.numel() > 0) be.add({x.data<float>(), skip.data<float>(), x.numel()}, be.stream);
            w_idx += 2;
        }
        if (taps) (*taps)(p.substr(10), x);
        if (has_torgb) {
            const int torgb_idx = res == 4 ? first + 1 : first + 2;
            const bool accumulate = img.numel() > 0 && cf.architecture == "skip";
            img = to_rgb(p + ".torgb", x, ws, torgb_idx, accumulate ? &img : nullptr, fp16, taps);
            if (taps) (*taps)(p.substr(10) + ".img", img);
        }
    }
    return img;
}

}  // namespace lf
