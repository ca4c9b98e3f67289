// bias_act_cpu.cpp: CPU twin of bias_act (plain loops, float32 like the official CUDA kernel).
#include "kernels/ops/bias_act.h"

#include <algorithm>

namespace lf::cpu {

void bias_act(const BiasActParams& p) {
    for (std::int64_t n = 0; n < p.batch; ++n) {
        for (std::int64_t c = 0; c < p.channels; ++c) {
            float* row = p.x + (n * p.channels + c) * p.plane;  // [P]
            const float b = p.bias ? p.bias[c] : 0.0f;
            for (std::int64_t i = 0; i < p.plane; ++i) {
                float v = row[i] + b;
                if (p.act == Activation::LRelu && v < 0.0f) v *= 0.2f;
                v *= p.gain;
                if (p.clamp >= 0.0f) v = std::clamp(v, -p.clamp, p.clamp);
                row[i] = v;
            }
        }
    }
}

}  // namespace lf::cpu
