// command_evaluate.cpp: `lfgen evaluate`: the seed paper's FID protocol for directions. N originals
// (z = RandomState(seed).randn(N, z_dim)); N edits of the same latents, each along one direction
// c ~ U{0..K-1} of the first K, by alpha ~ U[-A, A] (--alpha-range) or s = S * N(0, 1) pushed to
// |s| >= 0.5 (--shift-normal, the notebooks' variant); W directions move every ws of a StyleGAN2,
// z and feature-layer directions (their least-squares latent rows) move z; unit directions, raw
// units. FID(edits, originals) with the pytorch-fid InceptionV3, and the same protocol along K
// random unit directions of the same space as a baseline row. Images reach Inception as 8-bit
// PNGs would: the family's uint8 conversion then /255 (--paper-saving: the notebooks'
// save_image of the raw output, clamp(floor(255 x + 0.5)), no (x + 1) / 2).
// --factors: the demo dataset's factor evaluation (factor_evaluation.h) of the same directions and
// originals: per direction the effect on each of the seven factors, per method a disentanglement
// score; then --inception is needed only for the FID table (run when it is given).
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "kernels/core/numpy_random.h"
#include "linalg/frechet_distance.h"
#include "nets/inception.h"
#include "tools/lfgen/cli_common.h"
#include "tools/lfgen/commands.h"
#include "tools/lfgen/evaluate.h"
#include "tools/lfgen/factor_evaluation.h"

namespace lf::cli {
namespace {

struct EvaluateOptions {
    std::string model;
    std::vector<std::string> dirs;
    std::string inception;
    std::int64_t images = 1000;
    double alpha_range = 0.0;
    double shift_normal = 0.0;
    std::optional<int> first_k;  // FID: 20, factors: 10
    std::uint32_t seed = 0;
    int batch = 8;
    int dims = 2048;
    bool paper_saving = false;
    bool no_baseline = false;
    bool factors = false;
    double factor_shift = 2.0;
    std::string json_path;
    bool json_stdout = false;
    std::string device = "auto";
    bool quiet = false;
};

std::vector<EvaluationRow> run_fid(const EvaluateOptions& o, const EvaluationSetup& setup,
                                   const EditProtocol& protocol) {
    Evaluator ev(setup);
    std::vector<EvaluationRow> table;
    for (const std::string& path : o.dirs) {
        const EditDirections d = EditDirections::load(path, *setup.generator);
        table.push_back(ev.evaluate(d, path, protocol, !o.no_baseline));
    }
    print_evaluation_table(std::cout, setup, protocol, table);
    return table;
}

nlohmann::json run_factors(const EvaluateOptions& o, std::shared_ptr<const Generator> g) {
    FactorSetup setup;
    setup.generator = std::move(g);
    setup.images = o.images;
    setup.seed = o.seed;
    setup.batch = o.batch;
    setup.first_k = o.first_k.value_or(10);
    setup.shift = o.factor_shift;
    setup.progress = !o.quiet;
    FactorEvaluator ev(setup);
    const std::vector<FactorRow> rows = evaluate_factor_rows(ev, o.dirs, !o.no_baseline);
    print_factor_table(std::cout, ev, rows);
    return factor_json(ev, rows);
}

void check_options(const EvaluateOptions& o) {
    LF_CHECK(!o.dirs.empty(), "give at least one directions file: -d DIRS.safetensors");
    LF_CHECK(o.images >= 2, "--images must be at least 2 (covariances need two samples)");
    LF_CHECK(o.first_k.value_or(1) >= 1, "--first-k must be at least 1");
    LF_CHECK(o.batch >= 1, "--batch must be at least 1");
    if (o.factors) {
        LF_CHECK(std::isfinite(o.factor_shift) && o.factor_shift > 0,
                 "--factor-shift must be a finite number > 0, got ", o.factor_shift);
    }
    if (o.inception.empty()) return;  // no FID
    LF_CHECK((o.alpha_range > 0) != (o.shift_normal > 0),
             "give exactly one of --alpha-range A and --shift-normal S (> 0)");
    LF_CHECK(std::isfinite(o.alpha_range) && std::isfinite(o.shift_normal),
             "--alpha-range / --shift-normal must be finite");
    LF_CHECK(InceptionFid::valid_dims(o.dims), "--dims ", o.dims, " is not one of 64, 192, 768, 2048");
}

void run_evaluate(const EvaluateOptions& o) {
    // --inception is required unless --factors is given (a usage error, as CLI11's required options).
    if (o.inception.empty() && !o.factors) throw CLI::RequiredError("--inception");
    check_options(o);
    resolve_command_device(o.device, false, "evaluate");
    const auto generator = std::make_shared<Generator>(Generator::load(o.model));
    nlohmann::json report = {{"model", model_json(*generator, o.model)}};
    if (!o.inception.empty()) {
        EvaluationSetup setup;
        setup.generator = generator;
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
        protocol.first_k = o.first_k.value_or(20);
        report = evaluation_json(setup, protocol, run_fid(o, setup, protocol), o.model, o.inception);
    }
    if (o.factors) report["factors"] = run_factors(o, generator);
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
    CLI::App* cmd =
        app.add_subcommand("evaluate",
                           "FID of edits along directions vs originals (the seed paper's protocol); "
                           "--factors: their effect on the demo dataset's factors");
    cmd->add_option("-m,--model", opt->model, "model .safetensors")->required();
    cmd->add_option("-d,--directions", opt->dirs, "directions .safetensors (repeat for a table of methods)")->required();
    cmd->add_option("--inception", opt->inception,
                    "FID InceptionV3 .safetensors (tools/convert.py inception); required unless --factors");
    cmd->add_option("--images", opt->images, "originals and edits per set")->default_val(1000);
    cmd->add_option("--alpha-range", opt->alpha_range, "alpha ~ U[-A, A]");
    cmd->add_option("--shift-normal", opt->shift_normal, "s = S * N(0,1), pushed to |s| >= 0.5 (the notebooks used 6)");
    cmd->add_option("--first-k", opt->first_k,
                    "use the first K directions (FID: default 20, as the paper; --factors: default 10)");
    cmd->add_option("--seed", opt->seed, "seed of latents, component and shift draws")->default_val(0);
    cmd->add_option("--batch", opt->batch, "images per forward pass")->default_val(8);
    cmd->add_option("--dims", opt->dims, "Inception feature: 64 | 192 | 768 | 2048 (pool3)")->default_val(2048);
    cmd->add_flag("--paper-saving", opt->paper_saving,
                  "feed images as the notebooks saved them: save_image of the raw output (no (x+1)/2)");
    cmd->add_flag("--no-baseline", opt->no_baseline, "skip the random-directions baseline rows");
    cmd->add_flag(
        "--factors", opt->factors,
        "demo dataset factors: the effect D[k][f] of each direction k on each factor f (mean |change| "
        "over the originals' mean |f_i - f_(i+1)|) and per method the score mean_f D[k_f][f] / "
        "sum_f' D[k_f][f'], k_f = argmax_k D[k][f] (1: each factor has a direction that moves only it)");
    cmd->add_option("--factor-shift", opt->factor_shift,
                    "--factors: edit every original by +-A sigma_k, sigma_k the stdev of its projections on "
                    "direction k")
        ->default_val(2.0);
    cmd->add_option("--json", opt->json_path, "write the results as JSON to this file");
    cmd->add_flag("--json-stdout", opt->json_stdout, "also print the JSON on stdout");
    add_device_option(*cmd, opt->device);
    cmd->add_flag("-q,--quiet", opt->quiet, "no progress bar");
    cmd->callback([opt] { run_evaluate(*opt); });
}

}  // namespace lf::cli
