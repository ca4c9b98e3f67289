// generator.cpp: see generator.h.
#include "tools/lfgen/generator.h"

#include "linalg/directions_file.h"  // defines: sha256_file
#include "tools/lfgen/cli_common.h"
#include "weights/safetensors.h"

namespace lf::cli {

namespace {

bool is_fastgan(const SafetensorsFile& f) {
    auto it = f.metadata().find("architecture");
    if (it != f.metadata().end()) return it->second == "fastgan";
    return f.contains("init.init.0.weight");
}

}  // namespace

bool is_fastgan_file(const std::string& path) { return is_fastgan(SafetensorsFile::open(path)); }

Generator Generator::load(const std::string& path, const NetBackend& backend) {
    Generator g;
    bool fastgan = false;
    {
        const SafetensorsFile f = SafetensorsFile::open(path);
        auto it = f.metadata().find("source_sha256");
        g.identity_ = it != f.metadata().end() ? it->second : sha256_file(path);
        fastgan = is_fastgan(f);
    }
    if (fastgan) {
        g.kind_ = GeneratorKind::FastGan;
        g.fg_.emplace(FastGan::load(path, backend));
    } else {
        g.kind_ = GeneratorKind::StyleGan2;
        g.sg2_.emplace(StyleGan2::load(path, backend));
    }
    return g;
}

int Generator::z_dim() const { return sg2_ ? sg2_->config().z_dim : fg_->config().nz; }
int Generator::w_dim() const { return sg2_ ? sg2_->config().w_dim : 0; }
int Generator::num_ws() const { return sg2_ ? sg2_->config().num_ws : 0; }
int Generator::resolution() const { return sg2_ ? sg2_->config().img_resolution : fg_->config().im_size; }
int Generator::channels() const { return sg2_ ? sg2_->config().img_channels : fg_->config().nc; }
std::string Generator::summary() const { return sg2_ ? sg2_->config().summary() : fg_->config().summary(); }
Uint8Convention Generator::uint8_convention() const {
    return sg2_ ? Uint8Convention::StyleGan2 : Uint8Convention::TorchvisionSaveImage;
}

Tensor Generator::mapping(const Tensor& z, float psi, int cutoff) const {
    LF_CHECK(sg2_, "this operation needs a StyleGAN2 model (W space)");
    LF_CHECK(sg2_->config().c_dim == 0, "conditional StyleGAN2 models are not supported by this command");
    return sg2_->mapping(z, nullptr, psi, cutoff).to(Device::cpu());
}

Tensor Generator::render_ws(const Tensor& ws, const RenderOptions& opt, std::uint32_t sample_offset) const {
    LF_CHECK(sg2_, "W+ latents need a StyleGAN2 model");
    const std::int64_t n = ws.dim(0);
    const StyleGan2Config& c = sg2_->config();
    Tensor images = Tensor::empty({n, c.img_channels, c.img_resolution, c.img_resolution}, DType::F32);
    const std::int64_t per = images.numel() / std::max<std::int64_t>(n, 1);
    for (std::int64_t b0 = 0; b0 < n; b0 += opt.batch) {
        const std::int64_t b1 = std::min<std::int64_t>(n, b0 + opt.batch);
        SynthesisOptions so;
        so.noise = opt.noise;
        so.noise_seed = 0;
        so.sample_offset = sample_offset + static_cast<std::uint32_t>(b0);
        const Tensor img = sg2_->synthesis(slice_rows(ws, b0, b1), so).to(Device::cpu());
        std::copy(img.data<float>(), img.data<float>() + img.numel(), images.data<float>() + b0 * per);
    }
    return images;
}

Tensor Generator::render_z(const Tensor& z, const RenderOptions& opt, std::uint32_t sample_offset) const {
    if (sg2_) return render_ws(mapping(z, 1.0f, -1), opt, sample_offset);
    const std::int64_t n = z.dim(0);
    const FastGanConfig& c = fg_->config();
    Tensor images = Tensor::empty({n, c.nc, c.im_size, c.im_size}, DType::F32);
    const std::int64_t per = images.numel() / std::max<std::int64_t>(n, 1);
    for (std::int64_t b0 = 0; b0 < n; b0 += opt.batch) {
        const std::int64_t b1 = std::min<std::int64_t>(n, b0 + opt.batch);
        FastGanOptions fo = opt.fastgan;
        fo.sample_offset = sample_offset + static_cast<std::uint32_t>(b0);
        const Tensor img = fg_->forward(slice_rows(z, b0, b1), fo).image.to(Device::cpu());
        std::copy(img.data<float>(), img.data<float>() + img.numel(), images.data<float>() + b0 * per);
    }
    return images;
}

}  // namespace lf::cli
