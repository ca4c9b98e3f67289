// factor_evaluation.cpp: see factor_evaluation.h.
#include "tools/lfgen/factor_evaluation.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iomanip>
#include <ostream>
#include <set>
#include <tuple>

#include "tools/lfgen/cli_common.h"

namespace lf::cli {
namespace {

constexpr double kMinSpreadFraction = 0.25;  // of kDatasetSpread, for a factor to be scored

constexpr Factor kFactors[kFactorCount] = {Factor::Shape,    Factor::X,   Factor::Y,         Factor::Scale,
                                           Factor::Rotation, Factor::Hue, Factor::Background};

// Per factor, the mean over i of factor_change(a[i], b[i]) where it is defined (0 where it never is);
// `defined` (optional) receives how many pairs define it.
FactorVector mean_changes(const std::vector<ShapeFactors>& a, const std::vector<ShapeFactors>& b,
                          std::array<std::int64_t, kFactorCount>* defined = nullptr) {
    FactorVector out{};
    for (int f = 0; f < kFactorCount; ++f) {
        double sum = 0;
        std::int64_t count = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            const double c = factor_change(a[i], b[i], kFactors[f]);
            if (std::isnan(c)) continue;
            sum += c;
            ++count;
        }
        out[f] = count ? sum / static_cast<double>(count) : 0.0;
        if (defined) (*defined)[f] = count;
    }
    return out;
}

// k_f, purity_f and the score (mean purity over the scored factors) of a row's effects.
void score_row(FactorRow& row, const std::array<bool, kFactorCount>& scored) {
    double total = 0;
    int count = 0;
    for (int f = 0; f < kFactorCount; ++f) {
        if (!scored[f]) {
            row.best[f] = -1;
            row.purity[f] = NAN;
            continue;
        }
        int best = 0;
        for (int k = 1; k < row.k; ++k)
            if (row.effect[k][f] > row.effect[best][f]) best = k;
        double sum = 0;
        for (double v : row.effect[best]) sum += v;
        row.best[f] = best;
        row.purity[f] = sum > 0 ? row.effect[best][f] / sum : 0.0;
        total += row.purity[f];
        ++count;
    }
    row.score = count ? total / count : 0.0;
}

std::string space_name(EditSpace s) {
    return s == EditSpace::W ? "w" : "z";
}

std::string cell(const FactorRow& r, int f) {
    if (r.best[f] < 0) return "n/a";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%d:%.2f %.2f", r.best[f], r.purity[f], r.effect[r.best[f]][f]);
    return buf;
}

nlohmann::json per_factor(const FactorVector& v) {
    nlohmann::json j;
    for (int f = 0; f < kFactorCount; ++f) j[kFactorNames[f]] = std::isnan(v[f]) ? nlohmann::json() : nlohmann::json(v[f]);
    return j;
}

}  // namespace

FactorEvaluator::FactorEvaluator(FactorSetup setup) : s_(std::move(setup)) {
    const Generator& g = *s_.generator;
    LF_CHECK(g.channels() == 3, "--factors needs a model with 3-channel (RGB) images; ", g.summary(),
             " makes ", g.channels(), "-channel images");
    originals_ = sample_originals(g, s_.images, s_.seed);
    factors_ = estimate(original_latents(g, originals_), "originals factors");
    std::vector<ShapeFactors> next(factors_.begin() + 1, factors_.end());
    next.push_back(factors_.front());
    std::array<std::int64_t, kFactorCount> defined{};
    spread_ = mean_changes(factors_, next, &defined);
    // A factor is scored only where the originals show it: it varies between them by at least a
    // quarter of the dataset's own spread, and is defined for at least a tenth of the pairs (rotation
    // needs two same-class non-circles). Dividing by a tiny or ill-sampled spread would turn
    // estimator noise into large effects (a model that draws only discs has no rotation to move).
    const std::int64_t min_pairs = std::max<std::int64_t>(2, s_.images / 10);
    for (int f = 0; f < kFactorCount; ++f)
        scored_[f] = spread_[f] >= kMinSpreadFraction * kDatasetSpread[f] && defined[f] >= min_pairs;
}

std::vector<ShapeFactors> FactorEvaluator::estimate(const Latents& lat, const std::string& what) const {
    const Generator& g = *s_.generator;
    std::vector<ShapeFactors> out;
    render_batches(g, lat, s_.batch, s_.progress, what, [&](std::int64_t, const Tensor& img) {
        const Tensor rgb = images_to_unit_rgb(img, g.uint8_convention());  // [b, 3, R, R] in [0, 1]
        const int h = static_cast<int>(rgb.dim(2)), w = static_cast<int>(rgb.dim(3));
        for (std::int64_t i = 0; i < rgb.dim(0); ++i)
            out.push_back(estimate_shape_factors(rgb.data<float>() + i * 3 * h * w, h, w));
    });
    return out;
}

std::int64_t FactorEvaluator::one_shape_count() const {
    return std::count_if(factors_.begin(), factors_.end(), [](const ShapeFactors& f) { return f.one_shape; });
}

double FactorEvaluator::projection_stdev(const float* u, std::int64_t dim, EditSpace space) const {
    const std::int64_t n = originals_.z.dim(0);
    std::vector<double> p(static_cast<std::size_t>(n), 0.0);
    for (std::int64_t i = 0; i < n; ++i) {
        if (space == EditSpace::W) {
            const float* w = originals_.ws.data<float>() + i * originals_.ws.dim(1) * dim;  // ws[i, 0]: w
            for (std::int64_t j = 0; j < dim; ++j) p[i] += static_cast<double>(u[j]) * w[j];
        } else {
            const double* z = originals_.z.data<double>() + i * dim;  // z[i]
            for (std::int64_t j = 0; j < dim; ++j) p[i] += u[j] * z[j];
        }
    }
    double mean = 0, var = 0;
    for (double v : p) mean += v / static_cast<double>(n);
    for (double v : p) var += (v - mean) * (v - mean) / static_cast<double>(n);
    return std::sqrt(var);  // population stdev, as np.std
}

FactorVector FactorEvaluator::effect_of(const float* u, std::int64_t dim, EditSpace space,
                                        const std::string& what) {
    const std::int64_t n = originals_.z.dim(0);
    const double step = s_.shift * projection_stdev(u, dim, space);
    std::vector<double> amount(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) amount[i] = i % 2 == 0 ? step : -step;
    const std::vector<std::int64_t> pick(static_cast<std::size_t>(n), 0);
    const Latents edited = edit_originals(*s_.generator, originals_, {u}, dim, space, pick, amount);
    const FactorVector change = mean_changes(factors_, estimate(edited, what));
    FactorVector d{};
    for (int f = 0; f < kFactorCount; ++f) d[f] = scored_[f] ? change[f] / spread_[f] : 0.0;
    return d;
}

FactorRow FactorEvaluator::evaluate_rows(const std::vector<const float*>& rows, std::int64_t dim,
                                         EditSpace space, FactorRow row) {
    row.space = space_name(space);
    row.k = static_cast<int>(rows.size());
    for (int k = 0; k < row.k; ++k)
        row.effect.push_back(effect_of(rows[k], dim, space, str_cat(row.method, " dir ", k)));
    score_row(row, scored_);
    return row;
}

FactorRow FactorEvaluator::evaluate(const EditDirections& d, const std::string& label) {
    FactorRow row;
    row.label = label;
    row.method = d.method().empty() ? std::string("unknown") : d.method();
    std::vector<const float*> rows;
    for (std::int64_t k = 0; k < std::min<std::int64_t>(s_.first_k, d.count()); ++k) rows.push_back(d.row(k));
    return evaluate_rows(rows, d.dim(), d.space(), std::move(row));
}

FactorRow FactorEvaluator::evaluate_random(EditSpace space, std::int64_t dim, int k) {
    const std::vector<float> random = random_unit_directions(s_.seed + 2, k, dim);
    std::vector<const float*> rows;
    for (int r = 0; r < k; ++r) rows.push_back(random.data() + r * dim);
    FactorRow row;
    row.label = row.method = std::string("random");
    return evaluate_rows(rows, dim, space, std::move(row));
}

std::vector<FactorRow> evaluate_factor_rows(FactorEvaluator& ev, const std::vector<std::string>& paths,
                                            bool baseline) {
    std::vector<FactorRow> rows;
    std::set<std::tuple<EditSpace, int, std::int64_t>> spaces;  // (space, K, dimension) of the baselines
    for (const std::string& path : paths) {
        const EditDirections d = EditDirections::load(path, *ev.setup().generator);
        rows.push_back(ev.evaluate(d, path));
        spaces.emplace(d.space(), rows.back().k, d.dim());
    }
    if (baseline)
        for (const auto& [space, k, dim] : spaces) rows.push_back(ev.evaluate_random(space, dim, k));
    return rows;
}

void print_factor_table(std::ostream& out, const FactorEvaluator& ev, const std::vector<FactorRow>& rows) {
    const FactorSetup& s = ev.setup();
    out << "Factor disentanglement on " << s.generator->summary() << ": " << s.images << " originals (seed "
        << s.seed << "), each moved by +" << s.shift << " sigma_k (even i) / -" << s.shift
        << " sigma_k (odd i) along each of the first " << s.first_k << " directions\n";
    out << ev.one_shape_count() << " of " << s.images << " samples show exactly one shape\n";
    out << "D[k][f] = mean |change of f| / mean |f_i - f_(i+1 mod N)| of the originals; per factor f: k_f = "
           "argmax_k D[k][f], purity_f = D[k_f][f] / sum_f' D[k_f][f']\n";
    out << "cells: k_f:purity_f D[k_f][f]; score = mean_f purity_f over the scored factors (1: each factor "
           "has a direction that moves only it); n/a: the originals do not show the factor (under a quarter "
           "of the dataset's spread, or defined for under a tenth of them)\n";
    out << std::left << std::setw(10) << "method" << std::setw(7) << "space" << std::setw(5) << "K";
    for (const char* name : kFactorNames) out << std::setw(16) << name;
    out << std::setw(8) << "score"
        << "directions\n";
    for (const FactorRow& r : rows) {
        out << std::setw(10) << r.method << std::setw(7) << r.space << std::setw(5) << r.k;
        for (int f = 0; f < kFactorCount; ++f) out << std::setw(16) << cell(r, f);
        out << std::fixed << std::setprecision(3) << std::setw(8) << r.score << r.label << '\n';
        out.unsetf(std::ios::fixed);
    }
    out << std::right;
}

nlohmann::json factor_json(const FactorEvaluator& ev, const std::vector<FactorRow>& rows) {
    const FactorSetup& s = ev.setup();
    nlohmann::json j;
    j["protocol"] = {
        {"images", s.images},
        {"seed", s.seed},
        {"first_k", s.first_k},
        {"shift", s.shift},
        {"score", "mean over factors f of D[k_f][f] / sum_f' D[k_f][f'], k_f = argmax_k D[k][f]"}};
    j["factor_names"] = kFactorNames;
    j["originals"] = {
        {"images", s.images},
        {"one_shape", ev.one_shape_count()},
        {"one_shape_rate", static_cast<double>(ev.one_shape_count()) / static_cast<double>(s.images)},
        {"spread", per_factor(ev.spread())}};
    j["methods"] = nlohmann::json::array();
    for (const FactorRow& r : rows) {
        nlohmann::json m = {{"directions", r.label}, {"method", r.method}, {"space", r.space}, {"k", r.k},
                            {"effect", r.effect},    {"score", r.score}};
        FactorVector best_effect{};
        for (int f = 0; f < kFactorCount; ++f) {
            m["best_direction"][kFactorNames[f]] = r.best[f] < 0 ? nlohmann::json() : nlohmann::json(r.best[f]);
            best_effect[f] = r.best[f] < 0 ? NAN : r.effect[r.best[f]][f];
        }
        m["purity"] = per_factor(r.purity);
        m["best_effect"] = per_factor(best_effect);
        j["methods"].push_back(m);
    }
    return j;
}

}  // namespace lf::cli
