// command_evaluate.cpp: `lfgen evaluate`: the seed paper's FID protocol for directions. N originals
// (z = RandomState(seed).randn(N, z_dim)); N edits of the same latents, each along one direction
// c ~ U{0..K-1} of the first K, by alpha ~ U[-A, A] (--alpha-range) or s = S * N(0, 1) pushed to
// |s| >= 0.5 (--shift-normal, the notebooks' variant); W directions move every ws of a StyleGAN2,
// z and feature-layer directions (their least-squares latent rows) move z; unit directions, raw
// units. FID(edits, originals) with the pytorch-fid InceptionV3, and the same protocol along K
// random unit directions of the same space as a baseline row. Images reach Inception as 8-bit
// PNGs would: the family's uint8 conversion then /255 (--paper-saving: the notebooks'
// save_image of the raw output, clamp(floor(255 x + 0.5)), no (x + 1) / 2).
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "kernels/core/numpy_random.h"
#include "linalg/frechet_distance.h"
#include "nets/inception.h"
#include "tools/lfgen/cli_common.h"
#include "tools/lfgen/commands.h"
#include "tools/lfgen/evaluate.h"

namespace lf::cli {
namespace {

struct EvaluateOptions {
    std::string model;
    std::vector<std::string> dirs;
    std::string inception;
    std::int64_t images = 1000;
    double alpha_range = 0.0;
    double shift_normal = 0.0;
    int first_k = 20;
    std::uint32_t seed = 0;
    int batch = 8;
    int dims = 2048;
    bool paper_saving = false;
    bool no_baseline = false;
    std::string json_path;
    bool json_stdout = false;
    std::string device = "auto";
    bool quiet = false;
};

void run_evaluate(const EvaluateOptions& o) {
    LF_CHECK(!o.dirs.empty(), "give at least one directions file: -d DIRS.safetensors");
    LF_CHECK(o.images >= 2, "--images must be at least 2 (covariances need two samples)");
    LF_CHECK((o.alpha_range > 0) != (o.shift_normal > 0), "give exactly one of --alpha-range A and --shift-normal S (> 0)");
    LF_CHECK(std::isfinite(o.alpha_range) && std::isfinite(o.shift_normal), "--alpha-range / --shift-normal must be finite");
    LF_CHECK(o.first_k >= 1, "--first-k must be at least 1");
    LF_CHECK(InceptionFid::valid_dims(o.dims), "--dims ", o.dims, " is not one of 64, 192, 768, 2048");
    resolve_command_device(o.device, false, "evaluate");
    EvaluationSetup setup;
    setup.generator = std::make_shared<Generator>(Generator::load(o.model));
    setup.inception = std::make_shared<InceptionFid>(InceptionFid::load(o.inception));
    setup.images = o.images;
    setup.seed = o.seed;
    setup.batch = o.batch;
    setup.dims = o.dims;
    setup.paper_saving = o.paper_saving;
    setup.progress = !o.quiet;
    EditProtocol protocol;
    protocol.alpha_range = o.alpha_range;
    protocol.shift_normal = o.shift_normal;
    protocol.first_k = o.first_k;

    Evaluator ev(setup);
    nlohmann::json rows = nlohmann::json::array();
    std::vector<EvaluationRow> table;
    for (const std::string& path : o.dirs) {
        const EditDirections d = EditDirections::load(path, *setup.generator);
        table.push_back(ev.evaluate(d, path, protocol, !o.no_baseline));
    }
    print_evaluation_table(std::cout, setup, protocol, table);
    const nlohmann::json report = evaluation_json(setup, protocol, table, o.model, o.inception);
    if (!o.json_path.empty()) {
        std::ofstream f(o.json_path);
        LF_CHECK(f.good(), o.json_path, ": cannot write JSON");
        f << report.dump(2) << '\n';
    }
    if (o.json_stdout) std::cout << report.dump(2) << '\n';
}

}  // namespace

void register_evaluate(CLI::App& app) {
    auto opt = std::make_shared<EvaluateOptions>();
    CLI::App* cmd = app.add_subcommand("evaluate", "FID of edits along directions vs originals (the seed paper's protocol)");
    cmd->add_option("-m,--model", opt->model, "model .safetensors")->required();
    cmd->add_option("-d,--directions", opt->dirs, "directions .safetensors (repeat for a table of methods)")->required();
    cmd->add_option("--inception", opt->inception, "FID InceptionV3 .safetensors (tools/convert.py inception)")->required();
    cmd->add_option("--images", opt->images, "originals and edits per set")->default_val(1000);
    cmd->add_option("--alpha-range", opt->alpha_range, "alpha ~ U[-A, A]");
    cmd->add_option("--shift-normal", opt->shift_normal, "s = S * N(0,1), pushed to |s| >= 0.5 (the notebooks used 6)");
    cmd->add_option("--first-k", opt->first_k, "draw directions from the first K (the paper used 20)")->default_val(20);
    cmd->add_option("--seed", opt->seed, "seed of latents, component and shift draws")->default_val(0);
    cmd->add_option("--batch", opt->batch, "images per forward pass")->default_val(8);
    cmd->add_option("--dims", opt->dims, "Inception feature: 64 | 192 | 768 | 2048 (pool3)")->default_val(2048);
    cmd->add_flag("--paper-saving", opt->paper_saving,
                  "feed images as the notebooks saved them: save_image of the raw output (no (x+1)/2)");
    cmd->add_flag("--no-baseline", opt->no_baseline, "skip the random-directions baseline rows");
    cmd->add_option("--json", opt->json_path, "write the results as JSON to this file");
    cmd->add_flag("--json-stdout", opt->json_stdout, "also print the JSON on stdout");
    add_device_option(*cmd, opt->device);
    cmd->add_flag("-q,--quiet", opt->quiet, "no progress bar");
    cmd->callback([opt] { run_evaluate(*opt); });
}

}  // namespace lf::cli
