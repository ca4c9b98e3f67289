// command_init.cpp: `lfgen init stylegan2 --preset NAME -o OUT.safetensors`: writes a random-weight
// model at an official size (official names, shapes and config metadata) so benchmarks and tests
// need no downloaded weights.
#include <iostream>

#include "kernels/core/error.h"
#include "nets/fastgan_init.h"
#include "nets/inception_init.h"
#include "nets/stylegan2_init.h"
#include "tools/lfgen/commands.h"

namespace lf::cli {
namespace {

struct InitOptions {
    std::string arch;
    std::string preset = "config-f";
    std::string out;
    std::uint32_t seed = 0;
    int resolution = 0;
    int z_dim = -1, w_dim = -1, c_dim = -1, mapping_layers = -1;
    std::string architecture;
    int im_size = 1024, ngf = 64, nz = 256;  // fastgan
};

void run_init(const InitOptions& o) {
    if (o.arch == "inception") {
        inception_write_random(o.out, o.seed);
        std::cerr << "lfgen: wrote a random-weight FID InceptionV3 (pytorch-fid layout) to " << o.out << '\n';
        return;
    }
    if (o.arch == "fastgan") {
        fastgan_write_random(o.im_size, o.ngf, o.nz, 3, o.seed, o.out);
        std::cerr << "lfgen: wrote random FastGAN " << o.im_size << "x" << o.im_size << " (ngf " << o.ngf
                  << ", nz " << o.nz << ") to " << o.out << '\n';
        return;
    }
    LF_CHECK(o.arch == "stylegan2", "unknown network '", o.arch, "' (known: stylegan2, fastgan, inception)");
    StyleGan2InitConfig c = stylegan2_preset(o.preset);
    if (o.resolution > 0) c.img_resolution = o.resolution;
    if (o.z_dim >= 0) c.z_dim = o.z_dim;
    if (o.w_dim > 0) c.w_dim = o.w_dim;
    if (o.c_dim >= 0) c.c_dim = o.c_dim;
    if (o.mapping_layers > 0) c.mapping_layers = o.mapping_layers;
    if (!o.architecture.empty()) c.architecture = o.architecture;
    stylegan2_write_random(c, o.seed, o.out);
    std::cerr << "lfgen: wrote random StyleGAN2 " << o.preset << " (" << c.img_resolution << "x" << c.img_resolution
              << ", " << c.architecture << ") to " << o.out << '\n';
}

}  // namespace

void register_init(CLI::App& app) {
    auto opt = std::make_shared<InitOptions>();
    CLI::App* cmd = app.add_subcommand("init", "Write a random-weight model at an official size (for benchmarks)");
    cmd->add_option("generator", opt->arch, "stylegan2 | fastgan | inception (random FID InceptionV3)")->required();
    cmd->add_option("--preset", opt->preset,
                    "config-f | stylegan2 | paper256 | paper512 | paper1024 | cifar")->default_val("config-f");
    cmd->add_option("-o,--output", opt->out, "output .safetensors")->required();
    cmd->add_option("--seed", opt->seed, "weight seed")->default_val(0);
    cmd->add_option("--resolution", opt->resolution, "override the image resolution (power of two, 4..1024)");
    cmd->add_option("--z-dim", opt->z_dim, "override z_dim");
    cmd->add_option("--w-dim", opt->w_dim, "override w_dim");
    cmd->add_option("--c-dim", opt->c_dim, "override c_dim (classes)");
    cmd->add_option("--mapping-layers", opt->mapping_layers, "override the mapping depth");
    cmd->add_option("--architecture", opt->architecture, "skip | resnet | orig");
    cmd->add_option("--im-size", opt->im_size, "fastgan: 256 | 512 | 1024")->default_val(1024);
    cmd->add_option("--ngf", opt->ngf, "fastgan: generator width (a multiple of 8)")->default_val(64);
    cmd->add_option("--nz", opt->nz, "fastgan: latent size")->default_val(256);
    cmd->callback([opt] { run_init(*opt); });
}

}  // namespace lf::cli
