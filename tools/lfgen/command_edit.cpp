// command_edit.cpp: `lfgen edit`: apply directions from a directions file to generated samples.
// Rows are seeds x components, columns are alphas; W-space directions move ws[:, start:end) (end
// exclusive, as GANSpace saves layer ranges), z-space and feature-layer directions (through their
// least-squares latent rows) move z. `--units stdev` multiplies alpha by the direction's scale (the
// projection stdev for PCA/ICA); SeFa directions default to raw units (its scales are eigenvalues).
// An animated sweep (--gif) shows every seed x component cell moving through the alphas.
#include <cmath>
#include <iostream>

#include "kernels/io/gif_writer.h"
#include "kernels/io/image_png.h"
#include "tools/lfgen/cli_common.h"
#include "tools/lfgen/commands.h"
#include "tools/lfgen/edit_directions.h"
#include "tools/lfgen/generator.h"

namespace lf::cli {
namespace {

struct EditOptions {
    std::string model, dirs;
    std::string components = "0-4";
    std::string alphas = "-3:3:7";
    std::string units = "auto";
    std::string layers;
    std::string seeds = "0-3";
    float trunc = 1.0f;
    int trunc_cutoff = -1;
    std::string noise = "const";
    int batch = 8;
    std::string device = "auto";
    std::string grid_path, gif_path;
    int gif_delay = 12;
};

void run_edit(const EditOptions& o) {
    LF_CHECK(!o.grid_path.empty() || !o.gif_path.empty(), "nothing to write: give -o GRID.png and/or --gif ANIM.gif");
    LF_CHECK(o.batch >= 1, "--batch must be at least 1");
    LF_CHECK(std::isfinite(o.trunc), "--trunc must be a finite number");
    resolve_command_device(o.device, false, "edit");
    const Generator g = Generator::load(o.model);
    const EditDirections d = EditDirections::load(o.dirs, g);
    const std::vector<std::int64_t> comps = parse_int_list(o.components, "--components", 0, d.count() - 1);
    const std::vector<double> alphas = parse_alphas(o.alphas);
    const std::vector<std::int64_t> seeds = parse_int_list(o.seeds, "--seeds", 0, 4294967295LL);
    const EditUnits units = parse_units(o.units, d);
    const LayerRange layers = d.layer_range(o.layers, g);
    RenderOptions ro;
    ro.batch = o.batch;
    if (g.kind() == GeneratorKind::StyleGan2) {
        LF_CHECK(o.noise == "const" || o.noise == "none" || o.noise == "random", "--noise: '", o.noise,
                 "' is not one of const, random, none");
        ro.noise = o.noise == "none" ? NoiseMode::None : o.noise == "random" ? NoiseMode::Random : NoiseMode::Const;
    } else {
        LF_CHECK(o.trunc == 1.0f, "--trunc: FastGAN has no truncation trick");
        LF_CHECK(o.noise == "const" || o.noise == "none" || o.noise == "random", "--noise: '", o.noise, "' is not valid");
        ro.fastgan.noise = o.noise == "random" ? FastGanNoise::Random : FastGanNoise::None;
    }

    const std::int64_t cols = static_cast<std::int64_t>(alphas.size());
    std::vector<ImageU8> cells;  // row-major: (seed, component) rows x alpha columns
    for (std::int64_t s : seeds) {
        const Tensor z = latents_from_seeds({s}, g.z_dim());  // [1, z_dim]
        for (std::int64_t c : comps) {
            const Tensor images = render_edit_row(g, d, z, c, alphas, units, layers, o.trunc, o.trunc_cutoff, ro,
                                                  static_cast<std::uint32_t>(s));
            for (ImageU8& img : images_to_uint8(images, g.uint8_convention())) cells.push_back(std::move(img));
        }
    }
    if (!o.grid_path.empty()) write_png(o.grid_path, compose_grid(cells, static_cast<int>(cols), 2, 255));
    if (!o.gif_path.empty()) {
        // Frame j: a grid of seeds (rows) x components (columns) at alpha j, played forth and back.
        std::vector<ImageU8> frames;
        std::vector<std::int64_t> order;
        for (std::int64_t j = 0; j < cols; ++j) order.push_back(j);
        for (std::int64_t j = cols - 2; j > 0; --j) order.push_back(j);
        for (std::int64_t j : order) {
            std::vector<ImageU8> frame_cells;
            for (std::size_t r = 0; r < seeds.size() * comps.size(); ++r) frame_cells.push_back(cells[r * cols + j]);
            frames.push_back(compose_grid(frame_cells, static_cast<int>(comps.size()), 2, 255));
        }
        write_gif(o.gif_path, frames, o.gif_delay);
    }
    std::cerr << "lfgen: edited " << seeds.size() << " seed(s) x " << comps.size() << " component(s) x " << cols
              << " alpha(s) with " << d.describe() << '\n';
}

}  // namespace

void register_edit(CLI::App& app) {
    auto opt = std::make_shared<EditOptions>();
    CLI::App* cmd = app.add_subcommand("edit", "Apply directions to samples: a grid of seeds x components x alphas");
    cmd->add_option("-m,--model", opt->model, "model .safetensors")->required();
    cmd->add_option("-d,--directions", opt->dirs, "directions .safetensors (lfgen factorize)")->required();
    cmd->add_option("--components", opt->components, "direction indices, e.g. 0-9 or 0,3,7")->default_val("0-4");
    cmd->add_option("--alphas", opt->alphas, "START:STOP:COUNT (linspace) or a comma list")->default_val("-3:3:7");
    cmd->add_option("--units", opt->units,
                    "raw | stdev (alpha times the direction's stdev); auto: raw for SeFa, stdev otherwise")
        ->default_val("auto");
    cmd->add_option("--layers", opt->layers,
                    "StyleGAN2 W edits: ws range START-END, end exclusive as in GANSpace (0-8 = ws 0..7), or all; "
                    "default: the factorized layers (SeFa) or all");
    cmd->add_option("--seeds", opt->seeds, "seeds (rows)")->default_val("0-3");
    cmd->add_option("--trunc", opt->trunc, "truncation psi of the base samples")->default_val(1.0f);
    cmd->add_option("--trunc-cutoff", opt->trunc_cutoff, "truncate only the first C ws");
    cmd->add_option("--noise", opt->noise, "const | random | none (FastGAN: random | none)")->default_val("const");
    cmd->add_option("--batch", opt->batch, "images per forward pass")->default_val(8);
    add_device_option(*cmd, opt->device);
    cmd->add_option("-o,--grid", opt->grid_path, "PNG grid: rows seeds x components, columns alphas");
    cmd->add_option("--gif", opt->gif_path, "animated GIF sweep over the alphas");
    cmd->add_option("--gif-delay", opt->gif_delay, "GIF frame delay in 1/100 s")->default_val(12);
    cmd->callback([opt] { run_edit(*opt); });
}

}  // namespace lf::cli
