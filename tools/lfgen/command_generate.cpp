// command_generate.cpp: `lfgen generate`: images from a StyleGAN2 or FastGAN model for seeds, a z
// .npy or (StyleGAN2) a W+ .npy; writes a PNG grid, one PNG per image (seedNNNN.png as the official
// generate.py) and/or the raw NCHW float32 images as .npy. StyleGAN2 defaults follow generate.py
// (truncation psi 1, noise const); FastGAN defaults to eval-mode BatchNorm and seeded random noise.
#include <cmath>
#include <filesystem>
#include <iostream>

#include "kernels/io/image_png.h"
#include "kernels/io/npy.h"
#include "nets/fastgan.h"
#include "nets/stylegan2.h"
#include "weights/safetensors.h"
#include "tools/lfgen/cli_common.h"
#include "tools/lfgen/commands.h"
#include "tools/lfgen/progress.h"
#include "tools/lfgen/generator.h"  // defines: is_fastgan_file

namespace lf::cli {
namespace {

#ifdef LF_WITH_CUDA
constexpr bool kCudaBuild = true;
#else
constexpr bool kCudaBuild = false;
#endif

struct GenerateOptions {
    bool quiet = false;
    std::string model;
    std::string seeds;
    std::string z_path;
    std::string ws_path;
    float trunc = 1.0f;
    int trunc_cutoff = -1;
    std::string noise;  // default: const (StyleGAN2), random (FastGAN)
    std::string bn = "eval";
    std::string npy128_path;
    std::uint32_t noise_seed = 0;
    bool fp32 = false;  // force_fp32: fp16 blocks compute float32 on CUDA
    int class_index = -1;
    int batch = 4;
    std::string device = "auto";
    std::string grid_path;
    int grid_columns = 0;
    std::string outdir;
    std::string npy_path;
};

NoiseMode parse_noise(const std::string& s) {
    if (s.empty() || s == "const") return NoiseMode::Const;
    if (s == "random") return NoiseMode::Random;
    if (s == "none") return NoiseMode::None;
    fail("--noise: '", s, "' is not one of const, random, none");
}

Tensor load_f32_or_f64(const std::string& path, const char* flag) {
    Tensor t = npy::load(path);
    LF_CHECK(t.dtype() == DType::F32 || t.dtype() == DType::F64, flag, " ", path, ": expected float32 or float64, got ",
             dtype_name(t.dtype()));
    return t;
}

void write_outputs(const GenerateOptions& opt, const Tensor& images, const std::vector<std::int64_t>& seeds,
                   Uint8Convention convention) {
    const std::int64_t n = images.dim(0);
    if (!opt.npy_path.empty()) npy::save(opt.npy_path, images);
    const std::vector<ImageU8> u8 = images_to_uint8(images, convention);
    if (!opt.outdir.empty()) {
        std::filesystem::create_directories(opt.outdir);
        for (std::int64_t i = 0; i < n; ++i) {
            char name[64];
            if (!seeds.empty())
                std::snprintf(name, sizeof name, "seed%04lld.png", static_cast<long long>(seeds[i]));
            else
                std::snprintf(name, sizeof name, "img%04lld.png", static_cast<long long>(i));
            write_png((std::filesystem::path(opt.outdir) / name).string(), u8[i]);
        }
    }
    if (!opt.grid_path.empty()) {
        const int cols = opt.grid_columns > 0 ? opt.grid_columns
                                              : static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n))));
        write_png(opt.grid_path, compose_grid(u8, cols, 0));
    }
}

void generate_fastgan(const GenerateOptions& opt, const NetBackend& backend) {
    LF_CHECK(opt.ws_path.empty(), "--ws: FastGAN has no W space; give --seeds or --z");
    LF_CHECK(opt.trunc == 1.0f && opt.trunc_cutoff < 0, "--trunc: FastGAN has no truncation trick");
    LF_CHECK(opt.class_index < 0, "--class: FastGAN models are unconditional");
    LF_CHECK(opt.noise.empty() || opt.noise == "random" || opt.noise == "none",
             "--noise ", opt.noise, ": FastGAN noise is random or none");
    LF_CHECK(opt.bn == "eval" || opt.bn == "batch", "--bn: '", opt.bn, "' is not eval or batch");
    const FastGan g = FastGan::load(opt.model, backend);
    const FastGanConfig& cf = g.config();
    std::vector<std::int64_t> seeds;
    Tensor z;
    if (!opt.seeds.empty()) {
        seeds = parse_int_list(opt.seeds, "--seeds", 0, 4294967295LL);
        z = latents_from_seeds(seeds, cf.nz);
    } else {
        z = load_f32_or_f64(opt.z_path, "--z");
        LF_CHECK(z.rank() == 2 && z.dim(1) == cf.nz, "--z ", opt.z_path, ": expected shape [N, ", cf.nz, "], got ",
                 shape_to_string(z.shape()));
    }
    const std::int64_t n = z.dim(0);
    LF_CHECK(n > 0, "no latents to generate");
    FastGanOptions fo;
    fo.bn = opt.bn == "batch" ? BatchNormMode::Batch : BatchNormMode::Eval;
    fo.noise = opt.noise == "none" ? FastGanNoise::None : FastGanNoise::Random;
    fo.noise_seed = opt.noise_seed;
    // Batch statistics depend on the batch: with --bn batch the whole set is one batch unless --batch says otherwise.
    Tensor images = Tensor::empty({n, cf.nc, cf.im_size, cf.im_size}, DType::F32);
    Tensor images128 = Tensor::empty({n, cf.nc, 128, 128}, DType::F32);
    Progress bar("generate", n, !opt.quiet);
    for (std::int64_t b0 = 0; b0 < n; b0 += opt.batch) {
        const std::int64_t b1 = std::min<std::int64_t>(n, b0 + opt.batch);
        bar.update(b0);
        fo.sample_offset = static_cast<std::uint32_t>(b0);
        FastGanOutput out = g.forward(slice_rows(z, b0, b1), fo);
        out.image = out.image.to(Device::cpu());
        out.image_128 = out.image_128.to(Device::cpu());
        std::copy(out.image.data<float>(), out.image.data<float>() + out.image.numel(),
                  images.data<float>() + b0 * (images.numel() / n));
        std::copy(out.image_128.data<float>(), out.image_128.data<float>() + out.image_128.numel(),
                  images128.data<float>() + b0 * (images128.numel() / n));
    }
    bar.update(n);
    if (!opt.npy128_path.empty()) npy::save(opt.npy128_path, images128);
    write_outputs(opt, images, seeds, Uint8Convention::TorchvisionSaveImage);
    std::cerr << "lfgen: generated " << n << " image(s) with " << cf.summary() << '\n';
}

void run_generate(const GenerateOptions& opt) {
    LF_CHECK(!opt.grid_path.empty() || !opt.outdir.empty() || !opt.npy_path.empty() || !opt.npy128_path.empty(),
             "nothing to write: give -o GRID.png, --outdir DIR and/or --npy OUT.npy");
    const int sources = !opt.seeds.empty() + !opt.z_path.empty() + !opt.ws_path.empty();
    LF_CHECK(sources == 1, "give exactly one of --seeds, --z and --ws");
    LF_CHECK(opt.batch >= 1, "--batch must be at least 1");
    LF_CHECK(std::isfinite(opt.trunc), "--trunc must be a finite number");
    const Device device = resolve_command_device(opt.device, kCudaBuild, "generate");
    const NetBackend backend = device.is_cuda() ? cuda_backend(device.index) : cpu_backend();
    if (is_fastgan_file(opt.model)) return generate_fastgan(opt, backend);
    LF_CHECK(opt.bn == "eval", "--bn applies to FastGAN models only");
    LF_CHECK(opt.npy128_path.empty(), "--npy128 applies to FastGAN models only");
    const NoiseMode noise = parse_noise(opt.noise);

    const StyleGan2 g = StyleGan2::load(opt.model, backend);
    const StyleGan2Config& cf = g.config();
    LF_CHECK(cf.c_dim == 0 || opt.class_index >= 0 || !opt.ws_path.empty(), "this model is conditional (", cf.c_dim,
             " classes): give --class C");
    LF_CHECK(cf.c_dim > 0 || opt.class_index < 0, "--class given, but the model is unconditional");

    std::vector<std::int64_t> seeds;
    Tensor z, ws_all;
    if (!opt.seeds.empty()) {
        seeds = parse_int_list(opt.seeds, "--seeds", 0, 4294967295LL);
        z = latents_from_seeds(seeds, cf.z_dim);
    } else if (!opt.z_path.empty()) {
        z = load_f32_or_f64(opt.z_path, "--z");
        LF_CHECK(z.rank() == 2 && z.dim(1) == cf.z_dim, "--z ", opt.z_path, ": expected shape [N, ", cf.z_dim, "], got ",
                 shape_to_string(z.shape()));
    } else {
        ws_all = to_float32(load_f32_or_f64(opt.ws_path, "--ws"));
        if (ws_all.rank() == 2 && ws_all.dim(1) == cf.w_dim) {  // [N, w_dim]: broadcast to every layer
            Tensor b = Tensor::empty({ws_all.dim(0), cf.num_ws, cf.w_dim}, DType::F32);
            for (std::int64_t i = 0; i < ws_all.dim(0); ++i)
                for (int k = 0; k < cf.num_ws; ++k)
                    std::copy(ws_all.data<float>() + i * cf.w_dim, ws_all.data<float>() + (i + 1) * cf.w_dim,
                              b.data<float>() + (i * cf.num_ws + k) * cf.w_dim);
            ws_all = std::move(b);
        }
        LF_CHECK(ws_all.rank() == 3 && ws_all.dim(1) == cf.num_ws && ws_all.dim(2) == cf.w_dim, "--ws ", opt.ws_path,
                 ": expected shape [N, ", cf.num_ws, ", ", cf.w_dim, "] or [N, ", cf.w_dim, "], got ",
                 shape_to_string(ws_all.shape()));
        LF_CHECK(opt.trunc == 1.0f, "--trunc applies to z and seeds, not to a W+ input");
    }
    const std::int64_t n = z.numel() > 0 || z.rank() == 2 ? z.dim(0) : ws_all.dim(0);
    LF_CHECK(n > 0, "no latents to generate");
    Tensor images = Tensor::empty({n, cf.img_channels, cf.img_resolution, cf.img_resolution}, DType::F32);
    const std::int64_t image_elems = images.numel() / n;
    SynthesisOptions so{noise, opt.noise_seed};
    so.force_fp32 = opt.fp32;
    Progress bar("generate", n, !opt.quiet);
    for (std::int64_t b0 = 0; b0 < n; b0 += opt.batch) {
        const std::int64_t b1 = std::min<std::int64_t>(n, b0 + opt.batch);
        bar.update(b0);
        Tensor ws;
        if (ws_all.numel() > 0) {
            ws = slice_rows(ws_all, b0, b1);
        } else {
            const Tensor zb = slice_rows(z, b0, b1);
            const Tensor c = g.class_labels(opt.class_index, static_cast<int>(b1 - b0));
            ws = g.mapping(zb, cf.c_dim > 0 ? &c : nullptr, opt.trunc, opt.trunc_cutoff);
        }
        so.sample_offset = static_cast<std::uint32_t>(b0);
        const Tensor img = g.synthesis(ws, so).to(Device::cpu());
        std::copy(img.data<float>(), img.data<float>() + img.numel(), images.data<float>() + b0 * image_elems);
    }
    bar.update(n);
    write_outputs(opt, images, seeds, Uint8Convention::StyleGan2);
    std::cerr << "lfgen: generated " << n << " image(s) with " << cf.summary() << '\n';
}

}  // namespace

void register_generate(CLI::App& app) {
    auto opt = std::make_shared<GenerateOptions>();
    CLI::App* cmd = app.add_subcommand("generate", "Generate images from a StyleGAN2 or FastGAN model (seeds, z or W+)");
    cmd->add_option("-m,--model", opt->model, "model .safetensors (from tools/convert.py or lfgen init)")->required();
    cmd->add_option("--seeds", opt->seeds, "seeds, e.g. 0-7 or 1,5,9-12 (z = np.random.RandomState(seed).randn)");
    cmd->add_option("--z", opt->z_path, "latents .npy [N, z_dim] (float32/64)");
    cmd->add_option("--ws", opt->ws_path, "W+ latents .npy [N, num_ws, w_dim] or [N, w_dim]");
    cmd->add_option("--trunc", opt->trunc, "truncation psi (1 = none)")->default_val(1.0f);
    cmd->add_option("--trunc-cutoff", opt->trunc_cutoff, "truncate only the first C ws (default: all)");
    cmd->add_option("--noise", opt->noise, "noise: const | random | none (default: const for StyleGAN2, random for FastGAN)");
    cmd->add_option("--noise-seed", opt->noise_seed, "seed of the random noise (--noise random)")->default_val(0);
    cmd->add_option("--class", opt->class_index, "class index for conditional models");
    cmd->add_flag("--fp32", opt->fp32,
                  "StyleGAN2: compute the num_fp16_res blocks in float32 on CUDA (the official force_fp32; "
                  "the CPU always computes float32)");
    cmd->add_option("--batch", opt->batch, "images per forward pass")->default_val(4);
    cmd->add_flag("-q,--quiet", opt->quiet, "no progress bar");
    add_device_option(*cmd, opt->device);
    cmd->add_option("-o,--grid", opt->grid_path, "write all images as one PNG grid");
    cmd->add_option("--grid-columns", opt->grid_columns, "grid columns (default: ceil(sqrt(N)))");
    cmd->add_option("--outdir", opt->outdir, "write one PNG per image (seedNNNN.png)");
    cmd->add_option("--npy", opt->npy_path, "write the raw images, NCHW float32 .npy");
    cmd->add_option("--npy128", opt->npy128_path, "FastGAN: write the 128x128 second output as .npy");
    cmd->add_option("--bn", opt->bn, "FastGAN BatchNorm: eval (running statistics) | batch (mini-batch statistics, "
                                     "as the upstream code's train-mode forward)")->default_val("eval");
    cmd->callback([opt] { run_generate(*opt); });
}

}  // namespace lf::cli
