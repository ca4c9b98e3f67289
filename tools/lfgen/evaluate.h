// evaluate.h: the FID evaluation of directions shared by `lfgen evaluate` and `lfgen demo`:
// originals are rendered and their Inception statistics computed once; each directions file is
// then evaluated by the edit protocol (see command_evaluate.cpp) and, as a baseline, by the same
// protocol along random unit directions of the same space.
#pragma once

#include <cstdint>
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
    GaussianStats stats_of_latents(const Tensor& lat, bool is_ws, const std::string& what);

    EvaluationSetup s_;
    std::map<std::string, double> baseline_cache_;  // "space/K/dim" -> random-directions FID (same draws)
    Tensor z_;   // [N, z_dim] f64
    Tensor ws_;  // [N, num_ws, w_dim] f32 (StyleGAN2)
    GaussianStats originals_;
};

void print_evaluation_table(std::ostream& out, const EvaluationSetup& s, const EditProtocol& p,
                            const std::vector<EvaluationRow>& rows);
nlohmann::json evaluation_json(const EvaluationSetup& s, const EditProtocol& p, const std::vector<EvaluationRow>& rows,
                               const std::string& model, const std::string& inception);

}  // namespace lf::cli
