// command_features.cpp: `lfgen features --inception I --images X.npy --npy F.npy`: raw FID
// InceptionV3 features (pool3 2048-d by default, or the 64/192/768-d block means with --dims) of
// NCHW images in [0, 1] of any size, as pytorch-fid's get_activations computes them (resize to 299
// inside the net, then 2x - 1). Writes [N, dims] float32.
#include <iostream>

#include "kernels/io/npy.h"
#include "tools/lfgen/commands.h"
#include "tools/lfgen/fid_common.h"

namespace lf::cli {
namespace {

struct FeaturesOptions {
    std::string inception;
    std::string images;
    std::string npy;
    int batch = 50;
    int dims = 2048;
    std::string device = "auto";
};

void run_features(const FeaturesOptions& opt) {
    check_fid_dims(opt.dims);
    check_fid_batch(opt.batch);
    Tensor images = npy::load(opt.images);
    LF_CHECK(images.rank() == 4 && images.dim(1) == 3 && images.dim(2) >= 1 && images.dim(3) >= 1, opt.images,
             ": images must be [N, 3, H, W] (NCHW, values in [0, 1]), got ", shape_to_string(images.shape()));
    LF_CHECK(images.dtype() == DType::F32 || images.dtype() == DType::F64, opt.images,
             ": images must be float32 or float64, got ", dtype_name(images.dtype()));
    if (images.dtype() == DType::F64) {
        Tensor f = Tensor::empty(images.shape(), DType::F32);
        for (std::int64_t i = 0; i < images.numel(); ++i)
            f.data<float>()[i] = static_cast<float>(images.data<double>()[i]);
        images = f;
    }
    const InceptionSetup setup = InceptionSetup::load(opt.inception, opt.device, "features");
    const Tensor feats = setup.extract(
        images.dim(0), opt.batch, opt.dims, "features", [&](std::int64_t b0, std::int64_t b1, Tensor& x) {
            const Tensor part = slice_rows(images, b0, b1).to(setup.device, setup.backend.stream);
            setup.net.preprocess_into(part, x, 0, setup.backend);
        });
    npy::save(opt.npy, feats);
    std::cout << opt.npy << ": " << feats.dim(0) << " x " << opt.dims << " features (float32)\n";
}

}  // namespace

void register_features(CLI::App& app) {
    auto opt = std::make_shared<FeaturesOptions>();
    CLI::App* cmd =
        app.add_subcommand("features", "FID InceptionV3 features (pool3 2048-d) of NCHW images in [0, 1]");
    cmd->add_option("--inception", opt->inception,
                    "FID InceptionV3 .safetensors (tools/convert.py inception ...)")
        ->required();
    cmd->add_option("--images", opt->images,
                    "images .npy [N, 3, H, W] in [0, 1], any H and W (resized to 299)")
        ->required();
    cmd->add_option("--npy", opt->npy, "output .npy [N, dims] float32")->required();
    cmd->add_option("--dims", opt->dims, "64 | 192 | 768 | 2048 (pool3), as pytorch-fid --dims")
        ->default_val(2048);
    cmd->add_option("--batch", opt->batch, "images per forward pass")->default_val(50);
    add_device_option(*cmd, opt->device);
    cmd->callback([opt] { run_features(*opt); });
}

}  // namespace lf::cli
