// evaluate.cpp: see evaluate.h.
#include "tools/lfgen/evaluate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <ostream>

#include "kernels/core/numpy_random.h"
#include "tools/lfgen/cli_common.h"
#include "tools/lfgen/progress.h"

namespace lf::cli {

Tensor images_to_unit_rgb(const Tensor& images, Uint8Convention convention) {
    const std::vector<ImageU8> u8 = images_to_uint8(images, convention);
    const std::int64_t n = images.dim(0), plane = images.dim(2) * images.dim(3);
    Tensor out = Tensor::empty({n, 3, images.dim(2), images.dim(3)}, DType::F32);  // [n, 3, R, R]
    float* dst = out.data<float>();
    for (std::int64_t i = 0; i < n; ++i) {
        const ImageU8& img = u8[static_cast<std::size_t>(i)];
        for (std::int64_t ch = 0; ch < 3; ++ch)
            for (std::int64_t q = 0; q < plane; ++q)
                dst[(i * 3 + ch) * plane + q] = img.pixels[q * img.channels + std::min<std::int64_t>(ch, img.channels - 1)] / 255.0f;
    }
    return out;
}

Originals sample_originals(const Generator& g, std::int64_t n, std::uint32_t seed) {
    Originals o;
    o.z = Tensor::empty({n, g.z_dim()}, DType::F64);  // [N, z_dim]
    NumpyRandomState rs(seed);
    for (std::int64_t i = 0; i < o.z.numel(); ++i) o.z.data<double>()[i] = rs.standard_normal();
    if (g.has_w()) o.ws = g.mapping(o.z, 1.0f, -1);  // [N, num_ws, w_dim]
    return o;
}

Latents original_latents(const Generator& g, const Originals& o) {
    return g.has_w() ? Latents{o.ws, true} : Latents{o.z, false};
}

Latents edit_originals(const Generator& g, const Originals& o, const std::vector<const float*>& rows,
                       std::int64_t dim, EditSpace space, const std::vector<std::int64_t>& pick,
                       const std::vector<double>& amount) {
    const std::int64_t n = o.z.dim(0);
    if (space == EditSpace::W) {
        Tensor ws = o.ws.clone();  // [N, num_ws, w_dim]: the edit moves every ws (the paper's protocol)
        const std::int64_t num_ws = ws.dim(1);
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t l = 0; l < num_ws; ++l) {
                float* w = ws.data<float>() + (i * num_ws + l) * dim;
                for (std::int64_t j = 0; j < dim; ++j)
                    w[j] += static_cast<float>(amount[i]) * rows[pick[i]][j];
            }
        return {ws, true};
    }
    Tensor z = o.z.clone();  // [N, z_dim]
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < dim; ++j) z.data<double>()[i * dim + j] += amount[i] * rows[pick[i]][j];
    if (g.has_w()) return {g.mapping(z, 1.0f, -1), true};
    return {z, false};
}

std::vector<float> random_unit_directions(std::uint32_t seed, int k, std::int64_t dim) {
    NumpyRandomState rr(seed);
    std::vector<float> random(static_cast<std::size_t>(k * dim));
    for (int r = 0; r < k; ++r) {
        double norm = 0;
        for (std::int64_t j = 0; j < dim; ++j) {
            random[r * dim + j] = static_cast<float>(rr.standard_normal());
            norm += static_cast<double>(random[r * dim + j]) * random[r * dim + j];
        }
        for (std::int64_t j = 0; j < dim; ++j)
            random[r * dim + j] = static_cast<float>(random[r * dim + j] / std::sqrt(norm));
    }
    return random;
}

void render_batches(const Generator& g, const Latents& lat, int batch, bool progress, const std::string& what,
                    const std::function<void(std::int64_t, const Tensor&)>& consume) {
    const std::int64_t n = lat.values.dim(0);
    RenderOptions ro;
    ro.batch = batch;
    ro.noise = NoiseMode::Const;
    ro.fastgan.noise = FastGanNoise::None;
    Progress bar(what, n, progress);
    for (std::int64_t b0 = 0; b0 < n; b0 += batch) {
        const std::int64_t b1 = std::min<std::int64_t>(n, b0 + batch);
        const Tensor part = slice_rows(lat.values, b0, b1);
        const auto offset = static_cast<std::uint32_t>(b0);
        consume(b0, lat.is_ws ? g.render_ws(part, ro, offset) : g.render_z(part, ro, offset));
        bar.update(b1);
    }
}

nlohmann::json model_json(const Generator& g, const std::string& file) {
    return {{"file", file}, {"summary", g.summary()}, {"identity", g.identity()}};
}

std::string EditProtocol::describe() const {
    return alpha_range > 0 ? str_cat("alpha ~ U[-", alpha_range, ", ", alpha_range, "]")
                           : str_cat("s = ", shift_normal, " N(0,1), |s| >= 0.5");
}

Evaluator::Evaluator(EvaluationSetup setup) : s_(std::move(setup)) {
    const Generator& g = *s_.generator;
    latents_ = sample_originals(g, s_.images, s_.seed);
    originals_ = stats_of_latents(original_latents(g, latents_), "originals");
}

GaussianStats Evaluator::stats_of_latents(const Latents& lat, const std::string& what) {
    const Generator& g = *s_.generator;
    Tensor feats = Tensor::empty({lat.values.dim(0), s_.dims}, DType::F32);  // [N, dims]
    const Uint8Convention convention = s_.paper_saving ? Uint8Convention::RawSaveImage : g.uint8_convention();
    render_batches(g, lat, s_.batch, s_.progress, what, [&](std::int64_t b0, const Tensor& img) {
        const Tensor f =
            s_.inception->features(images_to_unit_rgb(img, convention), s_.dims, inception_cpu_backend());
        std::memcpy(feats.data<float>() + b0 * s_.dims, f.data<float>(), f.nbytes());
    });
    return gaussian_stats(feats, what);
}

GaussianStats Evaluator::edited_stats(const std::vector<const float*>& rows, std::int64_t dim, EditSpace space,
                                      const std::vector<std::int64_t>& pick, const std::vector<double>& amount,
                                      const std::string& what) {
    return stats_of_latents(edit_originals(*s_.generator, latents_, rows, dim, space, pick, amount), what);
}

EvaluationRow Evaluator::evaluate(const EditDirections& d, const std::string& label, const EditProtocol& p,
                                  bool baseline) {
    const auto t0 = std::chrono::steady_clock::now();
    EvaluationRow row;
    row.label = label;
    // Strings are built, then moved in: assigning a char literal to a member here trips GCC 12's
    // -Wrestrict false positive (GCC bug 105329).
    row.method = d.method().empty() ? std::string("unknown") : d.method();
    row.space = std::string(d.space() == EditSpace::W ? "w" : "z");
    row.k = static_cast<int>(std::min<std::int64_t>(p.first_k, d.count()));
    const std::int64_t n = s_.images, dim = d.dim();
    // Component choices and amounts: one stream per evaluation, seeded from --seed, shared by the
    // method and its baseline so both see the same protocol draws.
    NumpyRandomState rs(s_.seed + 1);
    std::vector<std::int64_t> pick(static_cast<std::size_t>(n));
    std::vector<double> amount(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        pick[i] = std::min<std::int64_t>(row.k - 1, static_cast<std::int64_t>(rs.random_sample() * row.k));
        if (p.alpha_range > 0) {
            amount[i] = (2.0 * rs.random_sample() - 1.0) * p.alpha_range;
        } else {
            double s = p.shift_normal * rs.standard_normal();
            if (s >= 0 && s < 0.5) s = 0.5;
            if (s < 0 && s > -0.5) s = -0.5;
            amount[i] = s;
        }
    }
    std::vector<const float*> rows;
    for (int k = 0; k < row.k; ++k) rows.push_back(d.row(k));
    row.fid = frechet_distance(edited_stats(rows, dim, d.space(), pick, amount, row.method + " edits"), originals_,
                               "edits", "originals")
                  .value;
    const std::string cache_key = str_cat(row.space, "/", row.k, "/", dim);
    if (baseline && baseline_cache_.count(cache_key)) {
        row.baseline_fid = baseline_cache_.at(cache_key);  // identical draws: computed once per space and K
    } else if (baseline) {
        // K random unit directions of the same space (seeded from --seed + 2).
        const std::vector<float> random = random_unit_directions(s_.seed + 2, row.k, dim);
        std::vector<const float*> rrows;
        for (int k = 0; k < row.k; ++k) rrows.push_back(random.data() + k * dim);
        row.baseline_fid =
            frechet_distance(edited_stats(rrows, dim, d.space(), pick, amount, "random edits"), originals_, "random",
                             "originals")
                .value;
        baseline_cache_[cache_key] = *row.baseline_fid;
    }
    row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return row;
}

void print_evaluation_table(std::ostream& out, const EvaluationSetup& s, const EditProtocol& p,
                            const std::vector<EvaluationRow>& rows) {
    out << "FID of " << s.images << " edits vs " << s.images << " originals (" << p.describe() << ", first K, pool "
        << s.dims << ", seed " << s.seed << ") on " << s.generator->summary() << '\n';
    out << std::left << std::setw(10) << "method" << std::setw(7) << "space" << std::setw(6) << "K" << std::right
        << std::setw(12) << "FID" << std::setw(16) << "random dirs" << "  directions\n";
    for (const EvaluationRow& r : rows) {
        out << std::left << std::setw(10) << r.method << std::setw(7) << r.space << std::setw(6) << r.k << std::right
            << std::fixed << std::setprecision(3) << std::setw(12) << r.fid << std::setw(16);
        if (r.baseline_fid) out << *r.baseline_fid; else out << "-";
        out << "  " << r.label << '\n';
        out.unsetf(std::ios::fixed);
    }
}

nlohmann::json evaluation_json(const EvaluationSetup& s, const EditProtocol& p, const std::vector<EvaluationRow>& rows,
                               const std::string& model, const std::string& inception) {
    nlohmann::json j;
    j["protocol"] = {{"images", s.images},       {"seed", s.seed},
                     {"dims", s.dims},           {"alpha_range", p.alpha_range},
                     {"shift_normal", p.shift_normal}, {"first_k", p.first_k},
                     {"paper_saving", s.paper_saving}};
    j["model"] = model_json(*s.generator, model);
    j["inception"] = inception;
    j["rows"] = nlohmann::json::array();
    for (const EvaluationRow& r : rows) {
        nlohmann::json row = {{"directions", r.label}, {"method", r.method}, {"space", r.space},
                              {"k", r.k},             {"fid", r.fid},       {"seconds", r.seconds}};
        row["random_directions_fid"] = r.baseline_fid ? nlohmann::json(*r.baseline_fid) : nlohmann::json(nullptr);
        j["rows"].push_back(row);
    }
    return j;
}

}  // namespace lf::cli
