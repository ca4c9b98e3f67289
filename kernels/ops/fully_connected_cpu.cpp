// fully_connected_cpu.cpp: CPU backend of fully_connected: one SGEMM, then bias_act with P = 1.
#include <cblas.h>

#include "kernels/core/error.h"
#include "kernels/ops/fully_connected.h"

namespace lf {

void fully_connected_check(const FullyConnectedParams& p) {
    LF_CHECK(p.x && p.weight && p.y && p.batch > 0 && p.in_features > 0 && p.out_features > 0,
             "fully_connected: bad parameters");
    LF_CHECK(p.x_row_stride == 0 || p.x_row_stride >= p.in_features, "fully_connected: x_row_stride ",
             p.x_row_stride, " < in_features ", p.in_features);
}

namespace cpu {

void fully_connected(const FullyConnectedParams& p) {
    fully_connected_check(p);
    const int lda = static_cast<int>(p.x_row_stride > 0 ? p.x_row_stride : p.in_features);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, p.batch, p.out_features, p.in_features, 1.0f, p.x, lda,
                p.weight, p.in_features, 0.0f, p.y, p.out_features);
    // [N, out] viewed as [N, C=out, P=1] for the per-feature bias.
    bias_act({p.y, p.bias, p.batch, p.out_features, 1, p.act, p.act_gain, -1.0f});
}

}  // namespace cpu
}  // namespace lf
