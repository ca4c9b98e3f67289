// factor_evaluation.h: `lfgen evaluate --factors`: how far each direction moves each of the demo
// dataset's seven factors (factor_estimators.h), and a disentanglement score per method.
// Protocol: N originals z = RandomState(seed).randn(N, z_dim), as the FID evaluation (evaluate.h).
// For each of the first K directions u_k, every original moves by +A sigma_k (even i) or -A sigma_k
// (odd i) along u_k, where sigma_k is the stdev of the originals' projections onto u_k (onto w for
// W directions, which move every ws; onto z for z directions), so PCA, ICA, SeFa and random
// directions are compared at equal latent magnitude. Then
//   D[k][f] = mean_i |change of f| / mean_i |f_i - f_(i+1 mod N)| (pairs of originals),
// each change in its factor's geometry (factor_change; undefined changes are left out, and a factor
// with none is 0). Score: per factor f the best direction k_f = argmax_k D[k][f] and its purity
// D[k_f][f] / sum_f' D[k_f][f'] (how much of that direction's effect is on f); score = mean purity
// over the scored factors (those the originals show: a spread of at least a quarter of the dataset's,
// kDatasetSpread, and defined for >= N/10 pairs).
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tools/lfgen/edit_directions.h"
#include "tools/lfgen/evaluate.h"
#include "tools/lfgen/factor_estimators.h"
#include "tools/lfgen/generator.h"

namespace lf::cli {

struct FactorSetup {
    std::shared_ptr<const Generator> generator;
    std::int64_t images = 1000;
    std::uint32_t seed = 0;
    int batch = 8;
    int first_k = 10;
    double shift = 2.0;  // A: edits move +-A sigma_k
    bool progress = true;
};

using FactorVector = std::array<double, kFactorCount>;  // one value per factor, kFactorNames order

struct FactorRow {
    std::string label;  // directions file, or "random"
    std::string method, space;
    int k = 0;                             // directions evaluated
    std::vector<FactorVector> effect;      // D [k, kFactorCount]
    std::array<int, kFactorCount> best{};  // k_f (-1: the factor is not scored)
    FactorVector purity{};                 // purity_f (NaN: not scored)
    double score = 0.0;                    // mean of purity_f over the scored factors
};

class FactorEvaluator {
public:
    // Renders the originals and estimates their factors; throws lf::Error unless the model makes
    // 3-channel images.
    explicit FactorEvaluator(FactorSetup setup);
    FactorRow evaluate(const EditDirections& d, const std::string& label);
    // The baseline: K random unit directions of `space` (RandomState(seed + 2), as the FID baseline).
    FactorRow evaluate_random(EditSpace space, std::int64_t dim, int k);

    const FactorSetup& setup() const { return s_; }
    std::int64_t one_shape_count() const;
    const FactorVector& spread() const { return spread_; }  // mean |f_i - f_(i+1 mod N)| of the originals

private:
    FactorRow evaluate_rows(const std::vector<const float*>& rows, std::int64_t dim, EditSpace space,
                            FactorRow row);
    FactorVector effect_of(const float* u, std::int64_t dim, EditSpace space, const std::string& what);
    double projection_stdev(const float* u, std::int64_t dim, EditSpace space) const;
    std::vector<ShapeFactors> estimate(const Latents& lat, const std::string& what) const;

    FactorSetup s_;
    Originals originals_;
    std::vector<ShapeFactors> factors_;  // [N] of the originals
    FactorVector spread_{};
    std::array<bool, kFactorCount> scored_{};  // factors the originals show (see the constructor)
};

// One row per directions file, then (with `baseline`) one "random" row per distinct space, K and
// dimension among them.
std::vector<FactorRow> evaluate_factor_rows(FactorEvaluator& ev, const std::vector<std::string>& paths,
                                            bool baseline);

void print_factor_table(std::ostream& out, const FactorEvaluator& ev, const std::vector<FactorRow>& rows);
// The "factors" section of the evaluation JSON.
nlohmann::json factor_json(const FactorEvaluator& ev, const std::vector<FactorRow>& rows);

}  // namespace lf::cli
