// bias_act.h: y = clamp(act(x + b[c]) * gain, -clamp, clamp) over a [N, C, H*W] tensor, as
// stylegan2-ada-pytorch bias_act (activations linear and lrelu(0.2); clamp < 0 means none).
#pragma once

#include <cstdint>

namespace lf {

enum class Activation { Linear, LRelu };

struct BiasActParams {
    float* x;              // [N, C, P] in place
    const float* bias;     // [C] or nullptr
    std::int64_t batch;    // N
    std::int64_t channels; // C
    std::int64_t plane;    // P = H * W (1 for FC outputs)
    Activation act = Activation::Linear;
    float gain = 1.0f;
    float clamp = -1.0f;   // < 0: no clamp
};

namespace cpu {
void bias_act(const BiasActParams& p);
}  // namespace cpu

}  // namespace lf
