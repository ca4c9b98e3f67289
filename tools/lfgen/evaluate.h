// evaluate.h: the FID evaluation of directions shared by `lfgen evaluate` and `lfgen demo`:
// originals are rendered and their Inception statistics computed once; each directions file is
// then evaluated by the edit protocol (see command_evaluate.cpp) and, as a baseline, by the same
// protocol along random unit directions of the same space. Also the pieces the factor evaluation
// (factor_evaluation.h) shares with it: originals, edited latents, random directions, rendering.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "linalg/frechet_distance.h"
#include "nets/inception.h"
#include "tools/lfgen/edit_directions.h"
#include "tools/lfgen/generator.h"

namespace lf::cli {

// Images [n, C, R, R] in the generator's [-1, 1] range -> [n, 3, R, R] in [0, 1] as an 8-bit PNG
// would carry them: `convention`'s uint8 conversion, then / 255 (gray is repeated to RGB as PIL's
// convert('RGB') does).
Tensor images_to_unit_rgb(const Tensor& images, Uint8Convention convention);

// The originals of an evaluation: z = RandomState(seed).randn(n, z_dim) and, for a StyleGAN2, its
// ws (mapping at psi 1, so every ws row of a sample is the same w).
struct Originals {
    Tensor z;   // [N, z_dim] f64
    Tensor ws;  // [N, num_ws, w_dim] f32 (StyleGAN2), else undefined
};
Originals sample_originals(const Generator& g, std::int64_t n, std::uint32_t seed);

// Latents ready to render: ws of a StyleGAN2 or z of a FastGAN.
struct Latents {
    Tensor values;  // [N, num_ws, w_dim] f32 when is_ws, else [N, z_dim] f64
    bool is_ws = false;
};
Latents original_latents(const Generator& g, const Originals& o);
// The originals with row i moved by amount[i] along rows[pick[i]] (each `dim` long, in `space`): W
// directions move every ws of a StyleGAN2 (the paper's protocol); z directions move z (a
// StyleGAN2's z is then mapped again).
Latents edit_originals(const Generator& g, const Originals& o, const std::vector<const float*>& rows,
                       std::int64_t dim, EditSpace space, const std::vector<std::int64_t>& pick,
                       const std::vector<double>& amount);

// `k` random unit directions [k, dim] (row-major) from RandomState(seed) normals: the baseline.
std::vector<float> random_unit_directions(std::uint32_t seed, int k, std::int64_t dim);

// Renders `lat` `batch` images at a time with constant noise (FastGAN: none) and hands each batch
// (images [b, C, R, R] in the generator's range, index of its first row) to `consume`, with a
// progress bar labelled `what` on stderr when `progress`.
void render_batches(const Generator& g, const Latents& lat, int batch, bool progress, const std::string& what,
                    const std::function<void(std::int64_t, const Tensor&)>& consume);

// {"file", "summary", "identity"} of the evaluated model.
nlohmann::json model_json(const Generator& g, const std::string& file);

struct EvaluationSetup {
    std::shared_ptr<const Generator> generator;
    std::shared_ptr<const InceptionFid> inception;
    std::int64_t images = 1000;
    std::uint32_t seed = 0;
    int batch = 8;
    int dims = 2048;
    bool paper_saving = false;
    bool progress = true;
};

struct EditProtocol {
    double alpha_range = 0.0;   // alpha ~ U[-A, A] when > 0
    double shift_normal = 0.0;  // else s = S * N(0, 1), |s| >= 0.5
    int first_k = 20;
    std::string describe() const;
};

struct EvaluationRow {
    std::string label;          // method (file)
    std::string method, space;
    int k = 0;                  // directions drawn from
    double fid = 0.0;
    std::optional<double> baseline_fid;
    double seconds = 0.0;
};

class Evaluator {
public:
    explicit Evaluator(EvaluationSetup setup);
    EvaluationRow evaluate(const EditDirections& d, const std::string& label, const EditProtocol& p, bool baseline);
    const GaussianStats& original_stats() const { return originals_; }

private:
    // Inception statistics of the images of latents edited by `shift` (row i: direction index
    // pick[i], amount amount[i]) along `rows` [K, dim] in `space`.
    GaussianStats edited_stats(const std::vector<const float*>& rows, std::int64_t dim, EditSpace space,
                               const std::vector<std::int64_t>& pick, const std::vector<double>& amount,
                               const std::string& what);
    GaussianStats stats_of_latents(const Latents& lat, const std::string& what);

    EvaluationSetup s_;
    std::map<std::string, double> baseline_cache_;  // "space/K/dim" -> random-directions FID (same draws)
    Originals latents_;
    GaussianStats originals_;
};

void print_evaluation_table(std::ostream& out, const EvaluationSetup& s, const EditProtocol& p,
                            const std::vector<EvaluationRow>& rows);
nlohmann::json evaluation_json(const EvaluationSetup& s, const EditProtocol& p, const std::vector<EvaluationRow>& rows,
                               const std::string& model, const std::string& inception);

}  // namespace lf::cli
