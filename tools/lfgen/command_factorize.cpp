// command_factorize.cpp: `lfgen factorize`: finds directions in a sample matrix (--data X.npy, PCA or
// FastICA) or in a StyleGAN2 model's style-affine weights (--method sefa -m MODEL), and writes the
// directions file (docs/directions-format.md). With --latents Z.npy the components found in the
// data's space are mapped back to the latent space by least squares (GANSpace: coordinates scaled
// by their stdev, no intercept, rows normalized) and stored as latent_directions. Progress goes to
// stderr; --json prints the result summary (with timings) on stdout. With -m on a CUDA device the
// generator runs there, and the sampled activations are reduced and factorized without leaving it.
#include <chrono>
#include <cmath>
#include <future>
#include <memory>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kernels/core/device.h"
#include "kernels/core/error.h"
#include "kernels/core/nvtx_range.h"
#include "kernels/io/npy.h"
#include "linalg/directions_file.h"
#include "linalg/eigh.h"
#include "linalg/fastica.h"
#include "linalg/lstsq.h"
#include "linalg/pca.h"
#include "linalg/projection.h"
#include "linalg/sefa.h"
#include "nets/stylegan2.h"
#include "tools/lfgen/cli_common.h"
#include "tools/lfgen/commands.h"
#include "tools/lfgen/generator.h"
#include "tools/lfgen/sample_features.h"
#include "weights/safetensors.h"

namespace lf::cli {
namespace {

struct FactorizeOptions {
    std::string data;
    std::string model;
    std::string method = "pca";
    int components = 0;
    bool randomized = false;
    int oversamples = 10;
    int iterations = -1;
    std::string scheme = "krylov";
    std::string algorithm = "parallel";
    std::string fun = "logcosh";
    float alpha = 1.0f;
    double tol = 1e-4;
    int max_iter = 200;
    std::string whiten = "unit-variance";
    std::uint32_t seed = 0;
    std::string latents;
    std::int64_t samples = 0;  // -n: samples drawn from -m MODEL (0: the seed paper's default)
    std::string layer;         // --layer: w | z | a tap (default: w for StyleGAN2, init for FastGAN)
    int gen_batch = 16;        // --batch: generator batch while sampling
    std::string layers = "all";
    std::string space;
    std::int64_t batch_rows = 4096;
    int threads = 0;
    std::string device = "auto";
    bool quiet = false;
    std::string output;
    bool json = false;
};

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string fmt(double v) {
    std::ostringstream s;
    s.precision(17);
    s << v;
    return s.str();
}

std::vector<double> column_f64(const Tensor& t) {
    std::vector<double> v(static_cast<std::size_t>(t.numel()));
    if (t.dtype() == DType::F64)
        std::copy_n(t.data<double>(), t.numel(), v.begin());
    else
        for (std::int64_t i = 0; i < t.numel(); ++i) v[i] = t.data<float>()[i];
    return v;
}

// GANSpace regression: A [N, k] = ((x - mean) . c_i) / s_i, then P = lstsq(A, Z), rows normalized.
// `z` [N, z_dim] holds the latent of each sample; `z_path` names it in errors.
std::vector<double> latent_directions(const RowSource& x, const std::vector<double>& comps,
                                      const std::vector<double>& mean, const std::vector<double>& stdev,
                                      int k, const Tensor& z, const std::string& z_path, std::int64_t& z_dim,
                                      std::int64_t batch_rows, Device device) {
    LF_CHECK(z.rank() == 2 && (z.dtype() == DType::F32 || z.dtype() == DType::F64), "--latents ", z_path,
             ": expected a 2-D float32/float64 array [N, z_dim], got ", dtype_name(z.dtype()), " ",
             shape_to_string(z.shape()));
    LF_CHECK(z.dim(0) == x.rows(), "--latents ", z_path, ": has ", z.dim(0), " rows but the data has ",
             x.rows(), " samples (row i must be the latent of sample i)");
    const std::int64_t n = x.rows();
    z_dim = z.dim(1);
    const std::vector<double> a = project_rows(x, comps, mean, stdev, k, batch_rows, device);  // [N, k]
    const std::vector<double> zv = column_f64(z);
    std::vector<double> p;
    if (device.is_cuda()) {
#if defined(LF_WITH_CUDA)
        p = cuda::lstsq_qr(a.data(), n, k, zv.data(), static_cast<int>(z_dim), "--latents " + z_path);
#endif
    } else {
        p = lstsq_qr(a.data(), n, k, zv.data(), static_cast<int>(z_dim), "--latents " + z_path);
    }
    normalize_rows(p, k, z_dim);
    return p;
}

void run_factorize(const FactorizeOptions& opt) {
    const auto t_start = Clock::now();
    LF_CHECK(!opt.output.empty(), "give the output file with -o OUT.safetensors");
    LF_CHECK(opt.method == "pca" || opt.method == "ica" || opt.method == "sefa", "--method: '", opt.method,
             "' is not one of pca, ica, sefa");
    if (opt.threads > 0) linalg_set_threads(opt.threads);
    const bool cuda_path = opt.method != "sefa";
    // `auto` without a usable GPU takes the CPU silently (so a bad input still gives one error line).
    const Device device = opt.device == "auto" && cuda_device_count() == 0
                              ? Device::cpu()
                              : resolve_command_device(opt.device, cuda_path, "factorize");

    DirectionsFile out;
    auto& md = out.metadata;
    md["format"] = kDirectionsFormat;
    md["format_version"] = kDirectionsFormatVersion;
    md["method"] = opt.method;
    md["seed"] = std::to_string(opt.seed);
    md["device"] = device.to_string();
    nlohmann::json report = {{"method", opt.method}, {"output", opt.output}, {"device", device.to_string()}};
    double load_s = 0.0, fit_s = 0.0;

    if (opt.method == "sefa") {
        LF_CHECK(!opt.model.empty(), "--method sefa needs the model: -m MODEL.safetensors");
        LF_CHECK(opt.data.empty(), "--data is not used by --method sefa (it factorizes the model's weights)");
        auto t0 = Clock::now();
        const StyleGan2 g = StyleGan2::load(opt.model);
        load_s = seconds_since(t0);
        t0 = Clock::now();
        const std::vector<int> layers = sefa_parse_layers(opt.layers, g.config().num_ws);
        const NvtxRange range("factorize/sefa");
        const SefaResult r = sefa(g, layers);
        fit_s = seconds_since(t0);
        const int w = r.w_dim;
        const int k = opt.components > 0 ? opt.components : w;
        LF_CHECK(k <= w, "-k ", k, " is larger than w_dim = ", w, " (SeFa has w_dim directions)");
        std::vector<double> dirs(r.directions.begin(),
                                 r.directions.begin() + static_cast<std::int64_t>(k) * w);
        std::vector<double> ev(r.eigenvalues.begin(), r.eigenvalues.begin() + k);
        out.tensors.emplace_back("directions", tensor_f32(dirs, {k, w}));
        out.tensors.emplace_back("scales", tensor_f32(ev, {k}));
        out.tensors.emplace_back("eigenvalues", tensor_f64(r.eigenvalues, {w}));
        std::string names, idx;
        for (std::size_t i = 0; i < layers.size(); ++i) {
            idx += (i ? "," : "") + std::to_string(layers[i]);
            names += (i ? "," : "") + r.tensor_names[i];
        }
        md["space"] = opt.space.empty() ? "w" : opt.space;
        md["layers"] = idx;
        md["layer_tensors"] = names;
        md["rows"] = std::to_string(r.rows);
        md["samples"] = "0";
        const SafetensorsFile model_file = SafetensorsFile::open(opt.model);
        const auto& mmd = model_file.metadata();
        auto it = mmd.find("source_sha256");
        md["source"] = it != mmd.end() ? it->second : sha256_file(opt.model);
        md["model_sha256"] = md["source"];
        md["model"] = opt.model;
        report["layers"] = layers;
        report["eigenvalues"] =
            std::vector<double>(r.eigenvalues.begin(), r.eigenvalues.begin() + std::min(k, 20));
        report["eigenvalue_sum"] = [&] {
            double s = 0;
            for (double v : r.eigenvalues) s += v;
            return s;
        }();
        report["k"] = k;
        report["w_dim"] = w;
    } else {
        LF_CHECK(opt.data.empty() != opt.model.empty(), "--method ", opt.method,
                 " needs exactly one sample source: --data X.npy, or -m MODEL to sample the generator");
        // The source fingerprint (a full read of the file) runs beside the load and the fit.
        std::future<std::string> data_fingerprint;
        if (!opt.data.empty())
            data_fingerprint = std::async(std::launch::async, [path = opt.data] { return file_fingerprint(path); });
        auto t0 = Clock::now();
        Tensor x, sampled_z;
        std::string source_name = opt.data;
        int default_k = 0;
        if (!opt.model.empty()) {
            // Sample the generator: N latents (RandomState(seed)), the chosen layer per sample.
            LF_CHECK(opt.latents.empty(), "--latents is implied with -m (the sampled z are used)");
            // On CUDA the generator runs there and the sampled activations stay on the device.
            const Generator g = device.is_cuda() ? Generator::load(opt.model, cuda_backend(device.index))
                                                 : Generator::load(opt.model);
            const bool sg2 = g.kind() == GeneratorKind::StyleGan2;
            const std::string layer = opt.layer.empty() ? default_layer(g) : opt.layer;
            // The seed paper's defaults: StyleGAN2 N = 100k, PCA k = 500 / ICA k = 20; FastGAN
            // N = 10k, PCA k = 200 / ICA k = 500 (capped by the dimension and N).
            const std::int64_t n_samples = opt.samples > 0 ? opt.samples : (sg2 ? 100000 : 10000);
            default_k = opt.method == "pca" ? (sg2 ? 500 : 200) : (sg2 ? 20 : 500);
            RenderOptions ro;
            ro.noise = NoiseMode::Const;
            ro.fastgan.noise = FastGanNoise::None;
            const NvtxRange range("factorize/sample " + layer);
            SampledFeatures f = sample_features(g, layer, n_samples, opt.seed, opt.gen_batch, ro, !opt.quiet);
            x = std::move(f.x);
            if (layer != "w" && layer != "z") sampled_z = std::move(f.z);
            source_name = opt.model + " layer " + layer;
            md["model"] = opt.model;
            md["model_sha256"] = g.identity();
            md["layer"] = layer;
            md["space"] = layer == "w" || layer == "z" ? layer : "feature:" + layer;
        } else {
            x = npy::map(opt.data);  // copy-on-write map: no read copy of a large sample matrix
            md["space"] = opt.space.empty() ? "data" : opt.space;
            md["data"] = opt.data;
        }
        std::unique_ptr<RowSource> source;
        if (x.device().is_cuda())
            source = std::make_unique<DeviceRowSource>(std::move(x), source_name);
        else
            source = std::make_unique<TensorRowSource>(std::move(x), source_name);
        const RowSource& src = *source;
        load_s = seconds_since(t0);
        const std::int64_t n = src.rows(), d = src.cols();
        const int k =
            opt.components > 0
                ? opt.components
                : static_cast<int>(std::min<std::int64_t>(default_k > 0 ? default_k : d, std::min(n, d)));
        check_component_count(opt.components != 0 ? opt.components : k, n, d, source_name, "-k");
        md["samples"] = std::to_string(n);
        md["features"] = std::to_string(d);
        md["components"] = std::to_string(k);
        report["samples"] = n;
        report["features"] = d;
        report["k"] = k;

        std::vector<double> comps, stdev, mean;
        if (opt.method == "pca") {
            PcaOptions po;
            po.components = k;
            po.randomized = opt.randomized;
            po.oversamples = opt.oversamples;
            po.iterations = opt.iterations;
            LF_CHECK(opt.scheme == "krylov" || opt.scheme == "subspace", "--scheme: '", opt.scheme,
                     "' is not one of krylov, subspace");
            po.scheme = opt.scheme == "krylov" ? RandomizedScheme::Krylov : RandomizedScheme::Subspace;
            po.seed = opt.seed;
            po.batch_rows = opt.batch_rows;
            po.device = device;
            t0 = Clock::now();
            const NvtxRange range("factorize/pca");
            const PcaResult r = pca(src, po);
            fit_s = seconds_since(t0);
            out.tensors.emplace_back("directions", tensor_f32(r.components, {k, d}));
            out.tensors.emplace_back("scales", tensor_f32(r.stdev, {k}));
            out.tensors.emplace_back("mean", tensor_f32(r.mean, {d}));
            out.tensors.emplace_back("explained_variance", tensor_f64(r.explained_variance, {k}));
            out.tensors.emplace_back("explained_variance_ratio", tensor_f64(r.explained_variance_ratio, {k}));
            md["solver"] = r.method;
            md["passes"] = std::to_string(r.passes);
            md["total_variance"] = fmt(r.total_variance);
            if (opt.randomized) {
                md["oversamples"] = std::to_string(opt.oversamples);
                md["iterations"] = std::to_string(r.iterations);
            }
            report["solver"] = r.method;
            report["passes"] = r.passes;
            report["explained_variance_ratio"] = r.explained_variance_ratio;
            report["explained_variance"] = r.explained_variance;
            report["total_variance"] = r.total_variance;
            comps = r.components;
            stdev = r.stdev;
            mean = r.mean;
        } else {
            IcaOptions io;
            io.components = k;
            LF_CHECK(opt.algorithm == "parallel" || opt.algorithm == "deflation", "--algorithm: '",
                     opt.algorithm, "' is not one of parallel, deflation");
            io.algorithm = opt.algorithm == "parallel" ? IcaAlgorithm::Parallel : IcaAlgorithm::Deflation;
            if (opt.fun == "logcosh")
                io.fun = IcaFunction::Logcosh;
            else if (opt.fun == "exp")
                io.fun = IcaFunction::Exp;
            else if (opt.fun == "cube")
                io.fun = IcaFunction::Cube;
            else
                fail("--fun: '", opt.fun, "' is not one of logcosh, exp, cube");
            LF_CHECK(opt.whiten == "unit-variance" || opt.whiten == "arbitrary-variance", "--whiten: '",
                     opt.whiten, "' is not one of unit-variance, arbitrary-variance");
            io.whiten =
                opt.whiten == "unit-variance" ? IcaWhiten::UnitVariance : IcaWhiten::ArbitraryVariance;
            io.alpha = opt.alpha;
            io.tol = opt.tol;
            io.max_iter = opt.max_iter;
            io.seed = opt.seed;
            io.randomized_whitening = opt.randomized;
            io.batch_rows = opt.batch_rows;
            io.device = device;
            t0 = Clock::now();
            const NvtxRange range("factorize/fastica");
            const IcaResult r = fastica(src, io);
            fit_s = seconds_since(t0);
            if (!r.converged)
                std::cerr
                    << "lfgen: warning: FastICA did not converge in " << r.iterations
                    << " iterations (last change " << r.last_change << " >= tol " << opt.tol
                    << "); the directions are written with converged=false (raise --max-iter or --tol)\n";
            out.tensors.emplace_back("directions", tensor_f32(r.directions, {k, d}));
            out.tensors.emplace_back("scales", tensor_f32(r.stdev, {k}));
            out.tensors.emplace_back("mean", tensor_f32(r.mean, {d}));
            out.tensors.emplace_back("explained_variance_ratio", tensor_f64(r.variance_ratio, {k}));
            out.tensors.emplace_back("unmixing", tensor_f32(r.unmixing, {k, d}));
            out.tensors.emplace_back("mixing", tensor_f32(r.mixing, {d, k}));
            out.tensors.emplace_back("whitening", tensor_f32(r.whitening, {k, d}));
            Tensor order = Tensor::empty({k}, DType::I64);
            std::copy(r.order.begin(), r.order.end(), order.data<std::int64_t>());
            out.tensors.emplace_back("order", order);
            md["algorithm"] = opt.algorithm;
            md["fun"] = opt.fun;
            md["alpha"] = fmt(opt.alpha);
            md["tol"] = fmt(opt.tol);
            md["max_iter"] = std::to_string(opt.max_iter);
            md["whiten"] = opt.whiten;
            md["whiten_solver"] = r.whiten_method;
            md["iterations"] = std::to_string(r.iterations);
            md["converged"] = r.converged ? "true" : "false";
            md["last_change"] = fmt(r.last_change);
            md["total_variance"] = fmt(r.total_variance);
            report["iterations"] = r.iterations;
            report["converged"] = r.converged;
            report["last_change"] = r.last_change;
            report["stdev"] = r.stdev;
            comps = r.directions;
            stdev = r.stdev;
            mean = r.mean;
        }
        if (data_fingerprint.valid()) md["source"] = data_fingerprint.get();
        if (!opt.latents.empty() || sampled_z.numel() > 0) {
            // Feature-layer directions back to z (GANSpace's least-squares recipe).
            t0 = Clock::now();
            std::int64_t z_dim = 0;
            const bool sampled = sampled_z.numel() > 0;
            const std::vector<double> lat =
                latent_directions(src, comps, mean, stdev, k, sampled ? sampled_z : npy::load(opt.latents),
                                  sampled ? "sampled z" : opt.latents, z_dim, opt.batch_rows, device);
            out.tensors.emplace_back("latent_directions", tensor_f32(lat, {k, z_dim}));
            if (!sampled) {
                md["latents"] = opt.latents;
                md["latents_source"] = file_fingerprint(opt.latents);
            }
            fit_s += seconds_since(t0);
        }
    }

    const auto t_write = Clock::now();
    write_directions(opt.output, out);
    const double write_s = seconds_since(t_write);
    report["seconds"] = {
        {"load", load_s}, {"fit", fit_s}, {"write", write_s}, {"total", seconds_since(t_start)}};
    report["threads"] = linalg_threads();
    std::cerr << "lfgen: wrote " << opt.output << " (" << opt.method << ", fit " << fit_s << " s)\n";
    if (opt.json) std::cout << report.dump(2) << '\n';
}

}  // namespace

void register_factorize(CLI::App& app) {
    auto opt = std::make_shared<FactorizeOptions>();
    CLI::App* cmd = app.add_subcommand(
        "factorize",
        "Find directions: PCA or FastICA of a sample matrix (--data X.npy), or SeFa of a model (-m)");
    cmd->add_option("--data", opt->data,
                    "sample matrix .npy [N, d] (float32 or float64), one sample per row");
    cmd->add_option("-m,--model", opt->model,
                    "model .safetensors: SeFa on its weights, or PCA/ICA of sampled activations");
    cmd->add_option("--method", opt->method, "pca | ica | sefa")->default_val("pca");
    cmd->add_option("-k,--components", opt->components,
                    "number of directions (default: min(N, d); SeFa: w_dim)");
    cmd->add_flag("--randomized", opt->randomized, "randomized PCA (Halko et al.), also for ICA's whitening");
    cmd->add_option("--oversamples", opt->oversamples, "randomized: extra columns of the range finder")
        ->default_val(10);
    cmd->add_option("--iterations", opt->iterations,
                    "randomized: passes applying X^T X (default: krylov 2, subspace 7)");
    cmd->add_option("--scheme", opt->scheme, "randomized: krylov (block Krylov) | subspace (power iteration)")
        ->default_val("krylov");
    cmd->add_option("--algorithm", opt->algorithm, "ICA: parallel | deflation")->default_val("parallel");
    cmd->add_option("--fun", opt->fun, "ICA: logcosh | exp | cube")->default_val("logcosh");
    cmd->add_option("--alpha", opt->alpha, "ICA logcosh alpha, in [1, 2]")->default_val(1.0f);
    cmd->add_option("--tol", opt->tol, "ICA: convergence tolerance")->default_val(1e-4);
    cmd->add_option("--max-iter", opt->max_iter, "ICA: maximum iterations")->default_val(200);
    cmd->add_option("--whiten", opt->whiten, "ICA: unit-variance | arbitrary-variance (as scikit-learn)")
        ->default_val("unit-variance");
    cmd->add_option("--seed", opt->seed,
                    "seed of ICA's w_init (= sklearn random_state) and of randomized PCA")
        ->default_val(0);
    cmd->add_option("--latents", opt->latents,
                    "Z.npy [N, z_dim]: map the components back to z by least squares");
    cmd->add_option("-n,--samples", opt->samples,
                    "with -m: samples to draw (default as the seed paper: StyleGAN2 100000, FastGAN 10000)");
    cmd->add_option(
        "--layer", opt->layer,
        "with -m: w | z | a tap (StyleGAN2 b8, b16.conv1.styles, ...; FastGAN init, feat_8, ...); "
        "default w (StyleGAN2) or init (FastGAN, mapped back to z by least squares)");
    cmd->add_option("--batch", opt->gen_batch, "with -m: generator batch while sampling")->default_val(16);
    cmd->add_option("--layers", opt->layers, "SeFa layers: all | 0-7 | 1,3,6-9 (ws indices)")
        ->default_val("all");
    cmd->add_option("--space", opt->space, "name of the factorized space for the metadata (e.g. w, b16)");
    cmd->add_option("--batch-rows", opt->batch_rows, "rows per streamed batch")->default_val(4096);
    cmd->add_option("--threads", opt->threads,
                    "CPU threads for OpenBLAS and the linalg loops (default: all)");
    add_device_option(*cmd, opt->device);
    cmd->add_option("-o,--output", opt->output, "directions file to write (.safetensors)");
    cmd->add_flag("--json", opt->json, "print the result summary as JSON on stdout");
    cmd->add_flag("-q,--quiet", opt->quiet, "no progress bar");
    cmd->callback([opt] { run_factorize(*opt); });
}

}  // namespace lf::cli
