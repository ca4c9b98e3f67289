// elementwise_cpu.cpp: CPU twin of the elementwise ops.
#include "kernels/ops/elementwise.h"

namespace lf::cpu {

void add(const AddParams& p) {
    for (std::int64_t i = 0; i < p.n; ++i) p.y[i] = p.x[i] + p.y[i];  // x + y, the official operand order
}

}  // namespace lf::cpu
