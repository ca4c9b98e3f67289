// command_demo.cpp: `lfgen demo [-o OUTDIR]`: the whole pipeline on the bundled model, by running
// lfgen's own commands (so every artifact can be reproduced with the command shown beside it):
// a sample grid; PCA and FastICA in W and SeFa on the style weights; an edit strip and GIF per
// method; the FID evaluation table with random-direction baselines; on the bundled shapes model
// (or with --factors) the ground-truth factor evaluation: which direction moves which factor and a
// disentanglement score per method (factor_evaluation.h); all in OUTDIR/index.html.
// Without --inception a seeded random-weight InceptionV3 is written and used (random-feature FID).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kernels/core/error.h"
#include "nets/inception_init.h"
#include "tools/lfgen/commands.h"

extern char** environ;

namespace lf::cli {
namespace {

namespace fs = std::filesystem;

struct DemoOptions {
    std::string outdir = "demo";
    std::string model;
    std::string inception;
    std::int64_t images = 100;
    std::int64_t samples = 20000;
    std::int64_t factor_images = 100;
    bool factors = false;
    bool quiet = false;
};

struct Step {
    std::string title, command;
    double seconds = 0.0;
};

std::string default_model() {
    // The bundled model, found relative to the binary (build/lfgen) or the working directory.
    for (const fs::path& base : {fs::read_symlink("/proc/self/exe").parent_path().parent_path(), fs::current_path()}) {
        const fs::path p = base / "weights" / "demo" / "shapes64.safetensors";
        if (fs::exists(p)) return p.string();
    }
    fail("the bundled model weights/demo/shapes64.safetensors was not found next to the binary or in the "
         "current folder; give -m MODEL");
}

std::string quote(const std::string& s) {
    if (s.find_first_of(" \t'\"$\\") == std::string::npos) return s;
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// The last non-empty line of a text file ("" when there is none).
std::string last_line(const fs::path& path) {
    std::ifstream in(path);
    std::string line, last;
    while (std::getline(in, line))
        if (!line.empty()) last = line;
    return last;
}

// Runs `lfgen args...` (this binary) and fails with the step's name when it fails. With `log`
// (--quiet) the step's stdout is dropped and its stderr appended to the log, whose last line (the
// step's error) is then quoted in the failure message.
Step run_lfgen(const std::string& title, const std::vector<std::string>& args, const fs::path* log) {
    Step step{title, "lfgen", 0.0};
    for (const auto& a : args) step.command += " " + quote(a);
    if (!log) std::cerr << "lfgen demo: " << title << "\n  " << step.command << '\n';
    std::vector<std::string> argv_store = {"lfgen"};
    argv_store.insert(argv_store.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_store) argv.push_back(a.data());
    argv.push_back(nullptr);
    const auto t0 = std::chrono::steady_clock::now();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (log) {
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log->c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    }
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    LF_CHECK(spawned == 0, "demo: cannot start lfgen for step '", title, "'");
    int status = 0;
    LF_CHECK(waitpid(pid, &status, 0) == pid, "demo: lost the lfgen process of step '", title, "'");
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        const std::string why = log ? last_line(*log) : std::string();
        fail("demo: step '", title, "' failed (", step.command, ")", why.empty() ? "" : ": ", why);
    }
    step.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return step;
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '<') out += "&lt;";
        else if (c == '>') out += "&gt;";
        else if (c == '&') out += "&amp;";
        else if (c == '"') out += "&quot;";
        else out += c;
    }
    return out;
}

// The factor evaluation: a summary table (per method the best direction and purity for every
// factor, and the score), then per method a heat map of D[k][f] (darker = larger change).
void write_factor_html(std::ostream& h, const nlohmann::json& fj) {
    const auto& names = fj["factor_names"];
    const auto& orig = fj["originals"];
    h << "<h2>Which direction moves which factor</h2>\n<p>The model was trained on images with known "
         "factors (tools/train_demo/shapes.py), so every direction can be scored: "
      << orig["images"] << " originals, each edited by &plusmn;" << fj["protocol"]["shift"]
      << " stdevs of its projections along each of the first " << fj["protocol"]["first_k"]
      << " directions; the factors are measured on the images by image moments. D[k][f] is the mean change of "
         "factor f along direction k, in units of the factor's mean difference between two originals. "
         "Purity of factor f: the share of its best direction's total effect that falls on f. Score: the mean "
         "purity over the scored factors (1 = every factor has its own direction); n/a marks a factor the "
         "originals do not show (under a quarter of the dataset's spread, or defined for under a tenth of "
         "them, as rotation for circles). "
      << orig["one_shape"] << " of " << orig["images"] << " originals show exactly one shape.</p>\n";
    h << "<table><tr><th>method</th>";
    for (const auto& n : names) h << "<th>" << n.get<std::string>() << "<br><small>dir: purity</small></th>";
    h << "<th>score</th></tr>\n";
    for (const auto& m : fj["methods"]) {
        h << "<tr><td class=\"l\">" << m["method"].get<std::string>() << " (" << m["space"].get<std::string>()
          << ")</td>";
        for (const auto& n : names) {
            const std::string f = n.get<std::string>();
            if (m["best_direction"][f].is_null()) {  // a factor the originals do not show
                h << "<td>n/a</td>";
                continue;
            }
            h << "<td>" << m["best_direction"][f].get<int>() << ": " << std::fixed << std::setprecision(2)
              << m["purity"][f].get<double>() << "</td>";
        }
        h << "<td><b>" << std::setprecision(3) << m["score"].get<double>() << "</b></td></tr>\n";
    }
    h << "</table>\n";
    for (const auto& m : fj["methods"]) {
        double top = 1e-12;
        for (const auto& row : m["effect"])
            for (const auto& v : row) top = std::max(top, v.get<double>());
        h << "<div class=\"m\"><h3>" << m["method"].get<std::string>() << "</h3><table><tr><th>dir</th>";
        for (const auto& n : names) h << "<th>" << n.get<std::string>() << "</th>";
        h << "</tr>\n";
        int k = 0;
        for (const auto& row : m["effect"]) {
            h << "<tr><td>" << k++ << "</td>";
            for (const auto& v : row) {
                const double x = v.get<double>() / top;
                const int shade = static_cast<int>(255 - 200 * std::clamp(x, 0.0, 1.0));
                h << "<td style=\"background:rgb(" << shade << "," << shade << ",255)" << (x > 0.6 ? ";color:#fff" : "")
                  << "\">" << std::setprecision(2) << v.get<double>() << "</td>";
            }
            h << "</tr>\n";
        }
        h << "</table></div>\n";
    }
    h.unsetf(std::ios::fixed);
}

void write_html(const fs::path& out, const DemoOptions& o, const std::vector<Step>& steps, const nlohmann::json& eval,
                const nlohmann::json* factors, const std::vector<std::string>& methods, bool random_inception) {
    std::ofstream h(out / "index.html");
    LF_CHECK(h.good(), (out / "index.html").string(), ": cannot write");
    h << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>latentfactor demo</title>\n"
         "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
         "img{image-rendering:pixelated;border:1px solid #ccc;max-width:100%}img.s{width:384px}img.e{width:330px}"
         "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:4px 10px;text-align:right}"
         "th{background:#eee}td.l{text-align:left}code,pre{background:#f4f4f4;padding:2px 4px;font-size:90%}"
         "pre{white-space:pre-wrap;padding:8px}.m{display:inline-block;vertical-align:top;margin:0 1em 1em 0}"
         "</style></head><body>\n";
    h << "<h1>latentfactor demo</h1>\n<p>Model: <code>" << html_escape(o.model) << "</code>. Every image and number "
      << "below was produced by the <code>lfgen</code> command shown with it.</p>\n";
    h << "<h2>Samples</h2>\n<p><img class=\"s\" src=\"samples.png\" alt=\"sample grid\"></p>\n";
    h << "<h2>Directions</h2>\n<p>Each strip: rows are seeds x components 0-4, columns are alphas "
         "from -3 to 3 (PCA/ICA: in units of the direction's stdev; SeFa: raw).</p>\n";
    for (const std::string& m : methods) {
        h << "<div class=\"m\"><h3>" << m << "</h3><img class=\"e\" src=\"edit_" << m << ".png\" alt=\"" << m
          << " edit strip\"><br><img class=\"e\" src=\"edit_" << m << ".gif\" alt=\"" << m << " sweep\"></div>\n";
    }
    h << "<h2>FID evaluation</h2>\n<p>The seed paper's protocol: " << eval["protocol"]["images"] << " originals vs "
      << eval["protocol"]["images"] << " edits, each along one of the first " << eval["protocol"]["first_k"]
      << " directions, shift s = " << eval["protocol"]["shift_normal"]
      << " N(0,1) with |s| &ge; 0.5; the baseline edits along random unit directions of the same space.";
    if (random_inception)
        h << " <b>No pretrained InceptionV3 was given</b>: these FIDs use a seeded random-weight InceptionV3, so they "
             "compare the methods with each other, not with published numbers (pass --inception).";
    h << "</p>\n<table><tr><th>method</th><th>space</th><th>K</th><th>FID</th><th>random directions FID</th></tr>\n";
    for (const auto& r : eval["rows"]) {
        h << "<tr><td class=\"l\">" << r["method"].get<std::string>() << "</td><td class=\"l\">"
          << r["space"].get<std::string>() << "</td><td>" << r["k"] << "</td><td>" << std::fixed
          << std::setprecision(3) << r["fid"].get<double>() << "</td><td>";
        if (r["random_directions_fid"].is_number()) h << r["random_directions_fid"].get<double>(); else h << "-";
        h << "</td></tr>\n";
    }
    h << "</table>\n";
    if (factors != nullptr) write_factor_html(h, *factors);
    h << "<h2>Commands</h2>\n<table><tr><th>step</th><th>seconds</th><th>command</th></tr>\n";
    for (const Step& s : steps)
        h << "<tr><td class=\"l\">" << html_escape(s.title) << "</td><td>" << std::fixed << std::setprecision(1) << s.seconds
          << "</td><td class=\"l\"><code>" << html_escape(s.command) << "</code></td></tr>\n";
    h << "</table>\n</body></html>\n";
}

void run_demo(DemoOptions o) {
    if (o.model.empty()) {
        o.model = default_model();
        o.factors = true;  // the bundled model is the shapes model: its factors are known
    }
    LF_CHECK(fs::is_regular_file(o.model), o.model, ": no such model file");
    LF_CHECK(o.inception.empty() || fs::is_regular_file(o.inception), o.inception, ": no such InceptionV3 file");
    const fs::path out = fs::absolute(o.outdir);
    fs::create_directories(out);
    const std::string m = o.model;
    std::vector<Step> steps;
    auto P = [&](const char* name) { return (out / name).string(); };
    // --quiet: the steps' messages go to OUTDIR/demo.log (fresh for every run).
    const fs::path log_path = out / "demo.log";
    fs::remove(log_path);
    const fs::path* log = o.quiet ? &log_path : nullptr;
    const bool random_inception = o.inception.empty();
    std::string inception = o.inception;
    if (random_inception) {
        inception = P("inception_random.safetensors");
        if (!o.quiet) std::cerr << "lfgen demo: writing a seeded random-weight InceptionV3 (no --inception given)\n";
        inception_write_random(inception, 0);
    }
    steps.push_back(run_lfgen("sample grid", {"generate", "-m", m, "--seeds", "0-15", "-o", P("samples.png")}, log));
    const std::string n = std::to_string(o.samples);
    steps.push_back(run_lfgen("PCA in W", {"factorize", "-m", m, "--method", "pca", "-k", "20", "-n", n, "--seed", "1",
                                           "-o", P("pca.safetensors")}, log));
    steps.push_back(run_lfgen("FastICA in W", {"factorize", "-m", m, "--method", "ica", "-k", "20", "-n", n, "--seed",
                                               "1", "--max-iter", "1000", "-o", P("ica.safetensors")}, log));
    steps.push_back(run_lfgen("SeFa", {"factorize", "-m", m, "--method", "sefa", "-k", "20", "-o",
                                       P("sefa.safetensors")}, log));
    const std::vector<std::string> methods = {"pca", "ica", "sefa"};
    for (const std::string& method : methods)
        steps.push_back(run_lfgen(method + " edit strip",
                                  {"edit", "-m", m, "-d", P((method + ".safetensors").c_str()), "--components", "0-4",
                                   "--seeds", "0-1", "--alphas", "-3:3:7", "-o", P(("edit_" + method + ".png").c_str()),
                                   "--gif", P(("edit_" + method + ".gif").c_str())},
                                  log));
    // An evaluate step over the three directions files, its JSON report read back.
    auto evaluate = [&](const std::string& title, std::vector<std::string> args, const char* json_name) {
        args.insert(args.begin(), {"evaluate", "-m", m, "--json", P(json_name)});
        for (const std::string& method : methods) args.insert(args.end(), {"-d", P((method + ".safetensors").c_str())});
        if (o.quiet) args.push_back("--quiet");
        steps.push_back(run_lfgen(title, args, log));
        std::ifstream in(P(json_name));
        const nlohmann::json report = nlohmann::json::parse(in, nullptr, false);
        LF_CHECK(report.is_object(), P(json_name), ": unreadable ", title, " results");
        return report;
    };
    const nlohmann::json eval = evaluate("FID evaluation", {"--inception", inception, "--images", std::to_string(o.images),
                                                            "--shift-normal", "6", "--first-k", "20"},
                                         "evaluation.json");
    nlohmann::json factors;
    if (o.factors) {
        const nlohmann::json report = evaluate(
            "factor evaluation", {"--factors", "--images", std::to_string(o.factor_images), "--first-k", "8"},
            "factors.json");
        LF_CHECK(report.contains("factors"), P("factors.json"), ": no factor evaluation results");
        factors = report["factors"];
    }
    write_html(out, o, steps, eval, o.factors ? &factors : nullptr, methods, random_inception);
    std::cout << (out / "index.html").string() << '\n';
}

}  // namespace

void register_demo(CLI::App& app) {
    auto opt = std::make_shared<DemoOptions>();
    CLI::App* cmd = app.add_subcommand("demo", "Run the whole pipeline on the bundled model and write an HTML report");
    cmd->add_option("-o,--outdir", opt->outdir, "output folder (index.html and the images)")->default_val("demo");
    cmd->add_option("-m,--model", opt->model, "model (default: the bundled weights/demo/shapes64.safetensors)");
    cmd->add_option("--inception", opt->inception, "FID InceptionV3 .safetensors (default: a seeded random-weight one)");
    cmd->add_option("--images", opt->images, "images per FID set")->default_val(100);
    cmd->add_option("-n,--samples", opt->samples, "samples for PCA/ICA")->default_val(20000);
    cmd->add_flag("--factors", opt->factors,
                  "also run the shapes factor evaluation (on by default for the bundled model; needs a model "
                  "trained on tools/train_demo/shapes.py)");
    cmd->add_option("--factor-images", opt->factor_images, "originals for the factor evaluation")->default_val(100);
    cmd->add_flag("-q,--quiet", opt->quiet, "only print the report's path (the steps' messages go to OUTDIR/demo.log)");
    cmd->callback([opt] { run_demo(*opt); });
}

}  // namespace lf::cli
