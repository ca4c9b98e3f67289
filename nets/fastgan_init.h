// fastgan_init.h: random-weight FastGAN generators with the names, shapes and metadata of a file
// converted by tools/convert.py (spectral norm folded into `<m>.weight`, BatchNorm running
// statistics, num_batches_tracked as I64), for benchmarks at the official sizes (`lfgen init
// fastgan`) and for the golden tests, whose PyTorch reference rebuilds the same weights bit for
// bit (tools/reference/fastgan_reference.py init_random) so no weights need to be committed.
//
// Weights come from one np.random.RandomState(seed) stream, drawn tensor by tensor in the
// converter's state_dict order (models.py registration order), each in C order:
//   conv / conv-transpose weight  float32(gain / sqrt(fan_in) * standard_normal()), gain sqrt(2)
//                                 (GLU halves the signal) or 0.25 for to_big / to_128 (keeps the
//                                 1024 model's tanh mostly unsaturated, as in trained models),
//                                 fan_in = in * k * k (nz for the init layer's ConvTranspose, a
//                                 GEMM over z)
//   BatchNorm weight / bias       float32(1 + 0.1 * standard_normal()) / float32(0.1 * ...)
//   running_mean / running_var    float32(0.1 * standard_normal()) / float32(0.8 + 0.4 * random_sample())
//   NoiseInjection weight         float32(0.02 + 0.08 * random_sample())   (small, non-zero)
//   num_batches_tracked           I64 scalar 0 (no draw)
// All arithmetic is float64, rounded to float32 once.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/core/tensor.h"

namespace lf {

struct FastGanInitConfig {
    int im_size = 1024;  // 256, 512 or 1024
    int ngf = 64;        // a multiple of 8 (nfc[1024] = ngf / 8)
    int nz = 256;        // train.py always uses 256
    int nc = 3;
};

// The tensors in state_dict order (see above). Throws lf::Error naming an invalid field.
std::vector<std::pair<std::string, Tensor>> fastgan_random_tensors(const FastGanInitConfig& cfg,
                                                                   std::uint32_t seed);

// Writes them as a converted-style safetensors file (metadata architecture=fastgan, im_size, ngf,
// nz, nc, config, weights=random, init_seed); same seed, same bytes.
void fastgan_write_random(const FastGanInitConfig& cfg, std::uint32_t seed, const std::string& path);
inline void fastgan_write_random(int im_size, int ngf, int nz, int nc, std::uint32_t seed,
                                 const std::string& path) {
    fastgan_write_random(FastGanInitConfig{im_size, ngf, nz, nc}, seed, path);
}

}  // namespace lf
