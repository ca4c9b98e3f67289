// elementwise.h: y <- y + x over n elements (StyleGAN2 resnet block: skip + main path).
#pragma once

#include <cstdint>

namespace lf {

struct AddParams {
    float* y = nullptr;        // [n] in place
    const float* x = nullptr;  // [n]
    std::int64_t n = 0;
};

namespace cpu {
void add(const AddParams& p);
}  // namespace cpu

}  // namespace lf
