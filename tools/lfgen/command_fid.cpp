// command_fid.cpp: `lfgen fid --inception I.safetensors A B`: the Fréchet Inception Distance between
// two image folders and/or .npz statistics files, computed as pytorch-fid 0.3.0 does it:
//  - a folder contributes its *.{bmp,jpg,jpeg,pgm,png,ppm,tif,tiff,webp} files (lower-case
//    patterns, not recursive), sorted by name, each decoded to RGB (stb: PNG, JPEG, BMP, PGM/PPM;
//    TIFF and WebP are listed but refused with a clear error), uint8 / 255, resized inside the net;
//  - a .npz is pytorch-fid's statistics format: 'mu' [d] and 'sigma' [d, d] (float64; float32 is
//    accepted); `--save-stats OUT.npz FOLDER` writes one (np.savez layout, readable by pytorch-fid);
//  - statistics in float64 (mean, unbiased covariance), the Fréchet distance through the symmetric
//    eigenvalue route (linalg/frechet_distance.h), on the CPU or with cuSOLVER on --device cuda.
// Prints "FID: <value>" (shortest round-trip decimal) on stdout, or with --json one JSON object
// (the value, its three terms, the route and rank of the trace term, the inputs, the times).
#include <charconv>
#include <chrono>
#include <filesystem>
#include <exception>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "kernels/core/cpu_threads.h"
#include "kernels/core/nvtx_range.h"
#include "kernels/io/image_png.h"
#include "kernels/io/npz.h"
#include "linalg/frechet_distance.h"
#include "tools/lfgen/commands.h"
#include "tools/lfgen/fid_common.h"

namespace lf::cli {
namespace {

namespace fs = std::filesystem;

struct FidOptions {
    std::string inception;
    std::vector<std::string> inputs;
    std::string save_stats;
    int batch = 50;
    int dims = 2048;
    std::string device = "auto";
    bool json = false;
};

const char* route_name(FrechetRoute r) {
    switch (r) {
        case FrechetRoute::Cholesky: return "cholesky";
        case FrechetRoute::PivotedCholesky: return "pivoted-cholesky";
        case FrechetRoute::Eigen: return "eigen";
    }
    return "?";
}

const char* const kImageExtensions[] = {"bmp", "jpg", "jpeg", "pgm", "png", "ppm", "tif", "tiff", "webp"};

bool is_stats_path(const std::string& p) {
    return p.size() >= 4 && p.compare(p.size() - 4, 4, ".npz") == 0;
}

// The image files of a folder, as pytorch-fid globs and sorts them.
std::vector<std::string> list_images(const std::string& dir) {
    std::error_code ec;
    LF_CHECK(fs::is_directory(dir, ec), dir, ": not a folder of images or a .npz statistics file");
    std::vector<std::string> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const std::size_t dot = name.rfind('.');
        if (dot == std::string::npos) continue;
        const std::string ext = name.substr(dot + 1);
        bool listed = false;
        for (const char* e : kImageExtensions) listed = listed || ext == e;
        if (listed && it->is_regular_file(ec)) files.push_back(it->path().string());
    }
    LF_CHECK(!ec, dir, ": cannot list the folder (", ec.message(), ")");
    LF_CHECK(!files.empty(), dir,
             ": no images (*.png, *.jpg, *.jpeg, *.bmp, *.pgm, *.ppm, *.tif, *.tiff, *.webp) in the folder");
    std::sort(files.begin(), files.end());
    return files;
}

// pytorch-fid's statistics file: 'mu' [d], 'sigma' [d, d].
GaussianStats load_stats(const std::string& path) {
    auto arrays = npz::load(path);
    GaussianStats s;
    bool have_mu = false, have_sigma = false;
    for (auto& [name, t] : arrays) {
        if (name != "mu" && name != "sigma") continue;
        LF_CHECK(t.dtype() == DType::F64 || t.dtype() == DType::F32, path, ": '", name, "' has dtype ",
                 dtype_name(t.dtype()), ", expected float64");
        Tensor f64 = t;
        if (t.dtype() == DType::F32) {
            f64 = Tensor::empty(t.shape(), DType::F64);
            for (std::int64_t i = 0; i < t.numel(); ++i) f64.data<double>()[i] = t.data<float>()[i];
        }
        (name == "mu" ? s.mu : s.sigma) = f64;
        (name == "mu" ? have_mu : have_sigma) = true;
    }
    LF_CHECK(have_mu, path, ": no 'mu' array (a FID statistics .npz holds 'mu' [d] and 'sigma' [d, d])");
    LF_CHECK(have_sigma, path,
             ": no 'sigma' array (a FID statistics .npz holds 'mu' [d] and 'sigma' [d, d])");
    check_gaussian_stats(s, path);
    return s;
}

std::string format_double(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof(buf), v);
    return std::string(buf, r.ptr);
}

// Images [begin, end) of `files` decoded and preprocessed into x (on the setup's device).
void fill_from_files(const InceptionSetup& setup, const std::vector<std::string>& files, std::int64_t begin,
                     std::int64_t end, Tensor& x) {
    for (std::int64_t i = begin; i < end; ++i) {
        const ImageU8 img = read_image_rgb(files[static_cast<std::size_t>(i)]);
        LF_CHECK(img.channels == 3 && img.width > 0 && img.height > 0, files[static_cast<std::size_t>(i)],
                 ": decoded to an unexpected layout");
        const std::int64_t plane = static_cast<std::int64_t>(img.width) * img.height;
        Tensor chw = Tensor::empty({1, 3, img.height, img.width}, DType::F32);
        float* dst = chw.data<float>();
        for (std::int64_t q = 0; q < plane; ++q)
            for (int c = 0; c < 3; ++c)
                dst[c * plane + q] = static_cast<float>(img.pixels[q * 3 + c]) / 255.0f;
        const Tensor on_device = setup.device.is_cpu() ? chw : chw.to(setup.device, setup.backend.stream);
        setup.net.preprocess_into(on_device, x, i - begin, setup.backend);
    }
}

void run_fid(const FidOptions& opt) {
    check_fid_dims(opt.dims);
    check_fid_batch(opt.batch);
    const bool saving = !opt.save_stats.empty();
    if (saving) {
        LF_CHECK(opt.inputs.size() == 1, "--save-stats takes one image folder (got ", opt.inputs.size(),
                 " inputs)");
        LF_CHECK(!is_stats_path(opt.inputs[0]), "--save-stats needs an image folder, not ", opt.inputs[0]);
        LF_CHECK(is_stats_path(opt.save_stats), "--save-stats ", opt.save_stats,
                 ": the file name must end in .npz");
    } else {
        LF_CHECK(opt.inputs.size() == 2, "fid needs two inputs (image folders or .npz statistics), got ",
                 opt.inputs.size());
    }

    // Validate every input before the (slow) model load: folders listed, statistics read.
    struct Input {
        std::string path;
        std::vector<std::string> files;
        GaussianStats stats;
    };
    // Statistics files load concurrently (each is file reading, CRC checks and fresh pages: ~30 ms
    // at d = 2048); their errors are raised below in input order.
    const int n_inputs = static_cast<int>(opt.inputs.size());
    std::vector<GaussianStats> loaded(opt.inputs.size());
    std::vector<std::exception_ptr> load_errors(opt.inputs.size());
    parallel_for(n_inputs, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
            if (!is_stats_path(opt.inputs[i])) continue;
            try {
                loaded[i] = load_stats(opt.inputs[i]);
            } catch (...) {
                load_errors[i] = std::current_exception();
            }
        }
    });
    std::vector<Input> inputs;
    for (int i = 0; i < n_inputs; ++i) {
        const std::string& p = opt.inputs[i];
        Input in{p, {}, {}};
        if (is_stats_path(p)) {
            if (load_errors[i]) std::rethrow_exception(load_errors[i]);
            in.stats = std::move(loaded[i]);
            LF_CHECK(in.stats.mu.dim(0) == opt.dims, p, ": statistics of ", in.stats.mu.dim(0),
                     "-d features, but --dims is ", opt.dims);
        } else {
            in.files = list_images(p);
            LF_CHECK(in.files.size() >= 2, p, ": ", in.files.size(),
                     " image; the covariance needs at least 2 images");
        }
        inputs.push_back(std::move(in));
    }

    std::optional<InceptionSetup> setup;
    for (Input& in : inputs) {
        if (in.files.empty()) continue;
        if (!setup) setup = InceptionSetup::load(opt.inception, opt.device, "fid");
        const NvtxRange range("fid/statistics " + in.path);
        const Tensor feats = setup->extract(static_cast<std::int64_t>(in.files.size()), opt.batch, opt.dims,
                                            fs::path(in.path).filename().string(),
                                            [&](std::int64_t b0, std::int64_t b1, Tensor& x) {
                                                fill_from_files(*setup, in.files, b0, b1, x);
                                            });
        in.stats = gaussian_stats(feats, in.path);
    }

    if (saving) {
        npz::save(opt.save_stats, {{"mu", inputs[0].stats.mu}, {"sigma", inputs[0].stats.sigma}});
        std::cout << opt.save_stats << ": statistics of " << inputs[0].files.size() << " images (" << opt.dims
                  << "-d)\n";
        return;
    }
    const Device fd_device = setup ? setup->device
                                   : resolve_command_device(opt.device,
#ifdef LF_WITH_CUDA
                                                            true,
#else
                                                            false,
#endif
                                                            "fid");
    const NvtxRange range("fid/frechet");
    const auto t_fd = std::chrono::steady_clock::now();
    const FrechetResult r =
        fd_device.is_cuda()
            ? cuda::frechet_distance(inputs[0].stats, inputs[1].stats, fd_device.index, inputs[0].path,
                                     inputs[1].path)
            : frechet_distance(std::move(inputs[0].stats), std::move(inputs[1].stats), inputs[0].path,
                               inputs[1].path);  // consumed: their sigmas are the scratch
    const double fd_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_fd).count();
    if (!opt.json) {
        std::cout << "FID: " << format_double(r.value) << '\n';
        return;
    }
    nlohmann::json report = {{"fid", r.value},
                             {"mean_term", r.mean_term},
                             {"trace_sum", r.trace_sum},
                             {"sqrt_trace", r.sqrt_trace},
                             {"route", route_name(r.route)},
                             {"rank1", r.rank1},
                             {"clipped_eigenvalues", r.clipped},
                             {"dims", opt.dims},  // every input was checked against it
                             {"device", fd_device.to_string()},
                             {"frechet_seconds", fd_seconds},
                             {"inputs", nlohmann::json::array()}};
    for (const Input& in : inputs) {
        nlohmann::json j = {{"path", in.path}, {"kind", in.files.empty() ? "statistics" : "folder"}};
        if (!in.files.empty()) j["images"] = static_cast<std::int64_t>(in.files.size());
        report["inputs"].push_back(j);
    }
    std::cout << report.dump(2) << '\n';
}

}  // namespace

void register_fid(CLI::App& app) {
    auto opt = std::make_shared<FidOptions>();
    CLI::App* cmd = app.add_subcommand("fid",
                                       "Fréchet Inception Distance between two image folders and/or .npz "
                                       "statistics (pytorch-fid compatible)");
    cmd->add_option("--inception", opt->inception,
                    "FID InceptionV3 .safetensors (tools/convert.py inception ...)");
    cmd->add_option("inputs", opt->inputs,
                    "two image folders or .npz statistics (one folder with --save-stats)")
        ->required()
        ->expected(1, 2);
    cmd->add_option("--save-stats", opt->save_stats,
                    "write the folder's statistics (mu, sigma) to this .npz instead");
    cmd->add_option("--dims", opt->dims, "64 | 192 | 768 | 2048 (pool3), as pytorch-fid --dims")
        ->default_val(2048);
    cmd->add_option("--batch", opt->batch, "images per forward pass")->default_val(50);
    add_device_option(*cmd, opt->device);
    cmd->add_flag("--json", opt->json, "print one JSON object (value, terms, route, inputs) instead of the FID line");
    cmd->callback([opt] {
        if (opt->inception.empty())
            for (const std::string& p : opt->inputs)
                LF_CHECK(is_stats_path(p), "--inception is required to compute the statistics of ", p);
        run_fid(*opt);
    });
}

}  // namespace lf::cli
