// sefa.h: SeFa, closed-form factorization of the style-affine weights (Shen & Zhou 2021,
// genforce/sefa utils.factorize_weight) for a converted StyleGAN2 file.
// Layer indices are ws indices 0..num_ws-1 as genforce numbers them (docs: SeFa §E.1 and
// stylegan2.md §3): index 0 = b4.conv1, 2b-1 = b{4*2^b}.conv0, 2b = b{4*2^b}.conv1, and the last index
// num_ws-1 = the final ToRGB (b{res}.torgb); the intermediate ToRGBs are never used. For each
// chosen layer the affine weight [C_in, w_dim] is taken raw (no bias, no weight gain), every row
// (an output unit's w_dim weight vector) is normalized to unit length, the Gram matrix
// G = sum_rows r r^T [w_dim, w_dim] is formed in float64 and eigendecomposed; directions are the
// eigenvectors as rows, sorted by descending eigenvalue (sum of eigenvalues = number of rows).
#pragma once

#include <string>
#include <vector>

#include "kernels/core/tensor.h"
#include "nets/stylegan2.h"

namespace lf {

struct SefaResult {
    int w_dim = 0;
    std::vector<int> layers;                // ws indices used
    std::vector<std::string> tensor_names;  // the affine weights stacked, in layer order
    std::int64_t rows = 0;                  // sum of C_in over the layers
    std::vector<double> directions;         // [w_dim, w_dim] unit rows, descending eigenvalue
    std::vector<double> eigenvalues;        // [w_dim] descending
    std::vector<double> gram;               // [w_dim, w_dim] the factorized matrix (for residual checks)
};

// "all" -> 0..num_ws-1; otherwise a list of indices and inclusive ranges ("0-7", "1,3,6-9").
// Throws lf::Error naming --layers on bad syntax or an index outside [0, num_ws).
std::vector<int> sefa_parse_layers(const std::string& spec, int num_ws);

// The official tensor name of the affine layer SeFa uses for ws index `layer` (see above).
std::string sefa_layer_tensor(const StyleGan2Config& config, int layer);

// Factorizes the given weights (each [C_i, w_dim], f32 or f64, same w_dim).
SefaResult sefa_factorize(const std::vector<Tensor>& weights);

// Loads the chosen layers' affine weights from the model and factorizes them.
SefaResult sefa(const StyleGan2& model, const std::vector<int>& layers);

}  // namespace lf
