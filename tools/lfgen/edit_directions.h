// edit_directions.h: a directions file as the edit/evaluate commands apply it to a generator:
// which space it moves (W+ layers of a StyleGAN2, or z), the unit rows, their scales, and the
// checks that it belongs to this model (its recorded model identity and dimensions).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kernels/core/tensor.h"
#include "tools/lfgen/generator.h"

namespace lf::cli {

enum class EditSpace { W, Z };
enum class EditUnits { Raw, Stdev };

struct LayerRange {
    std::vector<int> indices;  // ws indices an edit moves
};

class EditDirections {
public:
    // Throws lf::Error when the file is not a directions file, belongs to another model (recorded
    // model identity differs) or matches neither the model's W nor z dimension.
    static EditDirections load(const std::string& path, const Generator& g);

    std::int64_t count() const { return rows_.dim(0); }
    EditSpace space() const { return space_; }
    const std::string& method() const { return method_; }
    std::string describe() const;
    // Row k as a unit vector in the edited space (W or z).
    const float* row(std::int64_t k) const { return rows_.data<float>() + k * rows_.dim(1); }
    std::int64_t dim() const { return rows_.dim(1); }
    float scale(std::int64_t k) const { return scales_[static_cast<std::size_t>(k)]; }
    // --layers for W edits: "" (the file's factorized layers, else all), "all", or START-END (end
    // exclusive). Throws lf::Error for an out-of-range or empty range.
    LayerRange layer_range(const std::string& spec, const Generator& g) const;

private:
    Tensor rows_;                 // [k, d] f32 host
    std::vector<float> scales_;   // [k] units for --units stdev
    EditSpace space_ = EditSpace::W;
    std::string method_, path_;
    std::vector<int> file_layers_;  // ws indices the file was factorized on (SeFa), else empty
};

std::vector<double> parse_alphas(const std::string& text);
EditUnits parse_units(const std::string& text, const EditDirections& d);

// Images [alphas, C, R, R] (host) of seed latent z [1, z_dim] moved along direction k by each alpha.
Tensor render_edit_row(const Generator& g, const EditDirections& d, const Tensor& z, std::int64_t k,
                       const std::vector<double>& alphas, EditUnits units, const LayerRange& layers, float trunc,
                       int trunc_cutoff, const RenderOptions& ro, std::uint32_t noise_offset);

}  // namespace lf::cli
