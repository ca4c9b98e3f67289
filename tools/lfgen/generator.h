// generator.h: one handle over the generator families lfgen drives (StyleGAN2, FastGAN) for the
// commands that render many latents (edit, evaluate, demo): load by file, sample z from seeds,
// map to W+, render W+ or z to host images, and tell which 8-bit convention the family uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kernels/io/image_png.h"
#include "nets/fastgan.h"
#include "nets/stylegan2.h"

namespace lf::cli {

enum class GeneratorKind { StyleGan2, FastGan };

// Options that shape rendering; not every field applies to every family.
struct RenderOptions {
    NoiseMode noise = NoiseMode::Const;           // StyleGAN2
    FastGanOptions fastgan;                       // FastGAN (noise, BN mode)
    int batch = 8;
};

class Generator {
public:
    // The network runs on `backend` (CPU, the emulated CUDA kernels, or a CUDA device).
    static Generator load(const std::string& path, const NetBackend& backend = cpu_backend());
    Device device() const { return sg2_ ? sg2_->backend().device : fg_->backend().device; }
    Stream stream() const { return sg2_ ? sg2_->backend().stream : fg_->backend().stream; }

    GeneratorKind kind() const { return kind_; }
    bool has_w() const { return kind_ == GeneratorKind::StyleGan2; }
    int z_dim() const;
    int w_dim() const;      // StyleGAN2 only
    int num_ws() const;     // StyleGAN2 only
    int resolution() const;
    int channels() const;   // image channels (img_channels / nc)
    std::string summary() const;
    // SHA-256 of the checkpoint the model was converted from (metadata source_sha256), or of the
    // model file itself; directions record it so edits refuse another model's directions.
    const std::string& identity() const { return identity_; }
    Uint8Convention uint8_convention() const;

    const StyleGan2& stylegan2() const { return *sg2_; }
    const FastGan& fastgan() const { return *fg_; }

    // z [N, z_dim] host f64/f32 -> ws [N, num_ws, w_dim] host f32 (StyleGAN2).
    Tensor mapping(const Tensor& z, float psi, int cutoff) const;
    // Renders ws (StyleGAN2) or z (FastGAN) in batches; returns host images [N, C, R, R].
    // `sample_offset` keeps seeded noise independent of the batch size.
    Tensor render_ws(const Tensor& ws, const RenderOptions& opt, std::uint32_t sample_offset = 0) const;
    Tensor render_z(const Tensor& z, const RenderOptions& opt, std::uint32_t sample_offset = 0) const;

private:
    GeneratorKind kind_ = GeneratorKind::StyleGan2;
    std::optional<StyleGan2> sg2_;
    std::optional<FastGan> fg_;
    std::string identity_;
};

bool is_fastgan_file(const std::string& path);

}  // namespace lf::cli
