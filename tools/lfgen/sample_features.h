// sample_features.h: the sample matrix of `lfgen factorize -m MODEL`: N latents drawn as
// np.random.RandomState(seed).randn(N, z_dim) (one stream, row by row), pushed through the
// generator in batches, and the chosen layer captured per sample and flattened (NCHW order):
//   StyleGAN2: "w" (the mapping output, the default), "z", or any tap ("b8", "b16.conv1.styles", ...)
//   FastGAN:   "init" (the InitLayer output, the default), "z", "feat_8", ..., "feat_1024"
// On a CUDA generator the activations are gathered on the device and never copied to the host: z
// is drawn on the host (numpy's stream, bit for bit) and uploaded with each batch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/core/tensor.h"
#include "tools/lfgen/generator.h"

namespace lf::cli {

struct SampledFeatures {
    Tensor x;  // [N, d] f32: the layer's activations, on the generator's device (g.device())
    Tensor z;  // [N, z_dim] f64: the latents that produced them
    std::string layer;
};

// The default layer of a family ("w" for StyleGAN2, "init" for FastGAN).
std::string default_layer(const Generator& g);
// Tap names the layer may be (for error messages).
std::vector<std::string> available_layers(const Generator& g);

// Throws lf::Error for an unknown layer (listing the available ones).
// `progress`: a progress bar on stderr (drawn only when stderr is a terminal).
SampledFeatures sample_features(const Generator& g, const std::string& layer, std::int64_t n, std::uint32_t seed,
                                int batch, const RenderOptions& ro, bool progress = true);

}  // namespace lf::cli
