// fastgan.cpp: FastGAN loading (config inferred from shapes and checked against every tensor) and
// the forward pass on a NetBackend; see ../shared/docs/fastgan-inception-ganspace-sefa.md §A.
#include "nets/fastgan.h"

#include <cmath>

#include "kernels/core/device_memory.h"
#include "kernels/core/numpy_random.h"
#include "kernels/core/nvtx_range.h"
#include "weights/safetensors.h"

namespace lf {
namespace {

// nfc[r] = int(mult[r] * ngf)
int fastgan_channels(int res, int ngf) {
    switch (res) {
        case 4: return 16 * ngf;
        case 8: return 8 * ngf;
        case 16: return 4 * ngf;
        case 32: return 2 * ngf;
        case 64: return 2 * ngf;
        case 128: return ngf;
        case 256: return ngf / 2;
        case 512: return ngf / 4;
        case 1024: return ngf / 8;
    }
    return 0;
}

bool is_comp_block(int res) { return res == 8 || res == 32 || res == 128 || res == 512; }

}  // namespace

std::string FastGanConfig::summary() const {
    return str_cat("FastGAN ", im_size, "x", im_size, "x", nc, ", nz ", nz, ", ngf ", ngf);
}

const Tensor& FastGan::dev(const std::string& name) const {
    auto it = dev_tensors_.find(name);
    LF_CHECK(it != dev_tensors_.end(), "FastGAN model has no tensor '", name, "'");
    return it->second;
}

FastGan FastGan::load(const std::string& path, const NetBackend& backend) {
    LF_CHECK(backend.fully_connected && backend.conv2d && backend.batchnorm_glu && backend.se_block &&
                 backend.upconv_bn_glu,
             "the ",
             backend.name, " backend lacks FastGAN kernels");
    const SafetensorsFile file = SafetensorsFile::open(path);
    auto arch = file.metadata().find("architecture");
    LF_CHECK(arch == file.metadata().end() || arch->second == "fastgan", path, ": not a FastGAN model (architecture '",
             arch == file.metadata().end() ? "" : arch->second, "')");
    FastGan g;
    g.backend_ = backend;
    for (const auto& e : file.entries()) {
        if (e.dtype == DType::I64) continue;  // num_batches_tracked
        LF_CHECK(e.dtype == DType::F32, path, ": tensor '", e.name, "' is ", dtype_name(e.dtype), ", expected f32");
        g.host_tensors_.emplace(e.name, file.get(e.name));
    }
    auto need = [&](const std::string& name, const Shape& shape) -> const Tensor& {
        auto it = g.host_tensors_.find(name);
        LF_CHECK(it != g.host_tensors_.end(), path, ": missing tensor '", name, "'");
        LF_CHECK(it->second.shape() == shape, path, ": tensor '", name, "' has shape ", shape_to_string(it->second.shape()),
                 ", expected ", shape_to_string(shape));
        return it->second;
    };
    FastGanConfig& c = g.config_;
    auto it = g.host_tensors_.find("init.init.0.weight");
    LF_CHECK(it != g.host_tensors_.end(), path, ": missing tensor 'init.init.0.weight' (not a converted FastGAN generator?)");
    LF_CHECK(it->second.rank() == 4 && it->second.dim(2) == 4 && it->second.dim(3) == 4 && it->second.dim(1) % 32 == 0,
             path, ": tensor 'init.init.0.weight' has shape ", shape_to_string(it->second.shape()), ", expected [nz, 32*ngf, 4, 4]");
    c.nz = static_cast<int>(it->second.dim(0));
    c.ngf = static_cast<int>(it->second.dim(1) / 32);
    LF_CHECK(c.ngf % 8 == 0, path, ": ngf ", c.ngf, " is not a multiple of 8 (init.init.0.weight ",
             shape_to_string(it->second.shape()), ")");
    c.im_size = g.host_tensors_.count("feat_1024.1.weight") ? 1024 : g.host_tensors_.count("feat_512.1.weight") ? 512 : 256;
    if (auto m = file.metadata().find("im_size"); m != file.metadata().end()) {
        LF_CHECK(m->second == "256" || m->second == "512" || m->second == "1024", path, ": im_size ", m->second,
                 " is not one FastGAN supports (256, 512, 1024)");
        LF_CHECK(std::stoi(m->second) == c.im_size, path, ": metadata im_size ", m->second, " but the tensors describe ",
                 c.im_size);
    }
    for (int r = 4; r <= 1024; r *= 2) c.nfc[r] = fastgan_channels(r, c.ngf);
    const Tensor& init_w = it->second;
    auto need_bn = [&](const std::string& p, std::int64_t ch) {
        for (const char* k : {".weight", ".bias", ".running_mean", ".running_var"}) need(p + k, {ch});
    };
    need_bn("init.init.1", 2 * c.nfc[4]);
    for (int r = 8; r <= c.im_size; r *= 2) {
        const std::string p = str_cat("feat_", r);
        const std::int64_t in = c.nfc[r / 2], out = c.nfc[r];
        need(p + ".1.weight", {2 * out, in, 3, 3});
        if (is_comp_block(r)) {
            need(p + ".2.weight", {1});
            need_bn(p + ".3", 2 * out);
            need(p + ".5.weight", {2 * out, out, 3, 3});
            need(p + ".6.weight", {1});
            need_bn(p + ".7", 2 * out);
            g.noise_weight_[p + ".2"] = g.host_tensors_.at(p + ".2.weight").data<float>()[0];
            g.noise_weight_[p + ".6"] = g.host_tensors_.at(p + ".6.weight").data<float>()[0];
        } else {
            need_bn(p + ".2", 2 * out);
        }
    }
    const int se_small[] = {4, 8, 16, 32};
    for (int k = 0; k < 4; ++k) {
        const int r = 64 << k;
        if (r > c.im_size || r == 1024) break;
        const std::string p = str_cat("se_", r);
        need(p + ".main.1.weight", {c.nfc[r], c.nfc[se_small[k]], 4, 4});
        need(p + ".main.3.weight", {c.nfc[r], c.nfc[r], 1, 1});
    }
    need("to_128.weight", {c.nc, c.nfc[128], 1, 1});
    c.nc = static_cast<int>(g.host_tensors_.at("to_128.weight").dim(0));
    need("to_big.weight", {c.nc, c.nfc[c.im_size], 3, 3});

    // The ConvTranspose weight [nz, 2C, 4, 4] as an FC matrix [2C*16, nz] (y = z W^T).
    const std::int64_t cols = init_w.dim(1) * 16;
    Tensor wt = Tensor::empty({cols, c.nz}, DType::F32);
    for (std::int64_t i = 0; i < c.nz; ++i)
        for (std::int64_t j = 0; j < cols; ++j) wt.data<float>()[j * c.nz + i] = init_w.data<float>()[i * cols + j];
    const Device d = backend.device;
    g.init_weight_t_ = d.is_cpu() ? wt : wt.to(d, backend.stream);
    for (const auto& [name, t] : g.host_tensors_) g.dev_tensors_.emplace(name, d.is_cpu() ? t : t.to(d, backend.stream));
    return g;
}

Tensor FastGan::up_block(const std::string& p, const Tensor& x, bool comp, int out_channels, const FastGanOptions& opt,
                         std::vector<NumpyRandomState>* rng) const {
    const NetBackend& be = backend_;
    const int n = static_cast<int>(x.dim(0));
    int h = static_cast<int>(x.dim(2)) * 2, w = static_cast<int>(x.dim(3)) * 2;
    auto draw = [&]() -> Tensor {  // [N, H, W] standard normal, per-sample streams
        Tensor t = Tensor::empty({n, h, w}, DType::F32);
        for (int i = 0; i < n; ++i)
            for (int q = 0; q < h * w; ++q) t.data<float>()[i * h * w + q] = static_cast<float>((*rng)[i].standard_normal());
        return be.device.is_cpu() ? t : t.to(be.device, be.stream);
    };
    // One stage: (upsample) + 3x3 conv + (noise) + BN + GLU, as one op (fused on CUDA in eval mode).
    auto conv_bn_glu = [&](const Tensor& in, int upsample, const std::string& conv, const std::string& noise,
                           const std::string& bn) {
        Tensor nz, scratch;
        UpConvBnGluParams up;
        if (!noise.empty() && opt.noise == FastGanNoise::Random) {
            nz = draw();
            up.noise = nz.data<float>();
            up.noise_strength = noise_weight_.at(noise);
        }
        if (opt.bn == BatchNormMode::Batch) {
            scratch = Tensor::empty({n, 2 * out_channels, h, w}, DType::F32, be.device, be.stream);
            up.scratch = scratch.data<float>();
        }
        Tensor y = Tensor::empty({n, out_channels, h, w}, DType::F32, be.device, be.stream);  // [N, C, Ho, Wo]
        up.x = in.data<float>();
        up.weight = dev(conv + ".weight").data<float>();  // [2C, I, 3, 3]
        up.y = y.data<float>();
        up.bn_weight = dev(bn + ".weight").data<float>();
        up.bn_bias = dev(bn + ".bias").data<float>();
        up.running_mean = dev(bn + ".running_mean").data<float>();
        up.running_var = dev(bn + ".running_var").data<float>();
        up.mode = opt.bn;
        up.batch = n;
        up.in_channels = static_cast<int>(in.dim(1));
        up.channels = out_channels;
        up.height = static_cast<int>(in.dim(2));
        up.width = static_cast<int>(in.dim(3));
        up.upsample = upsample;
        be.upconv_bn_glu(up, be.stream);
        return y;
    };
    if (!comp) return conv_bn_glu(x, 2, p + ".1", "", p + ".2");
    Tensor y = conv_bn_glu(x, 2, p + ".1", p + ".2", p + ".3");
    return conv_bn_glu(y, 1, p + ".5", p + ".6", p + ".7");
}

void FastGan::se(const std::string& p, const Tensor& small, Tensor& big) const {
    SeBlockParams sp;
    sp.small = small.data<float>();
    sp.big = big.data<float>();
    sp.w1 = dev(p + ".main.1.weight").data<float>();
    sp.w2 = dev(p + ".main.3.weight").data<float>();
    sp.batch = static_cast<int>(small.dim(0));
    sp.small_channels = static_cast<int>(small.dim(1));
    sp.small_height = static_cast<int>(small.dim(2));
    sp.small_width = static_cast<int>(small.dim(3));
    sp.big_channels = static_cast<int>(big.dim(1));
    sp.big_plane = big.dim(2) * big.dim(3);
    backend_.se_block(sp, backend_.stream);
}

FastGanOutput FastGan::forward(const Tensor& z, const FastGanOptions& opt, const TapSink* taps) const {
    const NvtxRange range("fastgan/forward");
    const FastGanConfig& c = config_;
    const NetBackend& be = backend_;
    LF_CHECK(z.device().is_cpu() && (z.dtype() == DType::F32 || z.dtype() == DType::F64), "z: expected a host float tensor");
    LF_CHECK(z.rank() == 2 && z.dim(1) == c.nz, "z: expected shape [N, ", c.nz, "], got ", shape_to_string(z.shape()));
    const int n = static_cast<int>(z.dim(0));
    LF_CHECK(n > 0, "z: empty batch");
    LF_CHECK(opt.bn == BatchNormMode::Eval || n > 1, "--bn batch needs a batch of at least 2 images");
    const Tensor zf = to_float32(z);  // [N, nz]
    const Tensor zd = be.device.is_cpu() ? zf : zf.to(be.device, be.stream);
    std::vector<NumpyRandomState> rng;
    if (opt.noise == FastGanNoise::Random)
        for (int i = 0; i < n; ++i) rng.emplace_back(opt.noise_seed + opt.sample_offset + static_cast<std::uint32_t>(i));

    // InitLayer: ConvTranspose 4x4 on a 1x1 input = one GEMM, then BN + GLU.
    const int c4 = c.nfc.at(4);
    Tensor t = Tensor::empty({n, 2 * c4, 4, 4}, DType::F32, be.device, be.stream);
    be.fully_connected({zd.data<float>(), 0, init_weight_t_.data<float>(), nullptr, t.data<float>(), n, c.nz, 2 * c4 * 16,
                        Activation::Linear, 1.0f},
                       be.stream);
    Tensor feat4 = Tensor::empty({n, c4, 4, 4}, DType::F32, be.device, be.stream);
    BatchNormGluParams bp;
    bp.x = t.data<float>();
    bp.y = feat4.data<float>();
    bp.bn_weight = dev("init.init.1.weight").data<float>();
    bp.bn_bias = dev("init.init.1.bias").data<float>();
    bp.running_mean = dev("init.init.1.running_mean").data<float>();
    bp.running_var = dev("init.init.1.running_var").data<float>();
    bp.mode = opt.bn;
    bp.batch = n;
    bp.channels = c4;
    bp.plane = 16;
    be.batchnorm_glu(bp, be.stream);
    if (taps) (*taps)("init", feat4);

    std::map<int, Tensor> feat;
    feat[4] = feat4;
    for (int r = 8; r <= c.im_size; r *= 2) {
        Tensor x = up_block(str_cat("feat_", r), feat[r / 2], is_comp_block(r), c.nfc.at(r), opt, &rng);
        if (r >= 64 && r <= 512) se(str_cat("se_", r), feat[r / 16], x);
        if (taps) (*taps)(str_cat("feat_", r), x);
        feat[r] = std::move(x);
    }
    const OutputActivation act = c.im_size == 1024 ? OutputActivation::Tanh : OutputActivation::None;
    auto out_conv = [&](const Tensor& x, const std::string& name, int k) {
        Conv2dParams cp;
        cp.x = x.data<float>();
        cp.weight = dev(name + ".weight").data<float>();
        cp.batch = n;
        cp.in_channels = static_cast<int>(x.dim(1));
        cp.out_channels = c.nc;
        cp.height = static_cast<int>(x.dim(2));
        cp.width = static_cast<int>(x.dim(3));
        cp.kernel = k;
        cp.pad = k / 2;
        cp.act = act;
        Tensor y = Tensor::empty({n, c.nc, x.dim(2), x.dim(3)}, DType::F32, be.device, be.stream);
        cp.y = y.data<float>();
        be.conv2d(cp, be.stream);
        return y;
    };
    return {out_conv(feat[c.im_size], "to_big", 3), out_conv(feat[128], "to_128", 1)};
}

}  // namespace lf
