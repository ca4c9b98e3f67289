// latent_ops_cpu.cpp: CPU twins of normalize_2nd_moment and broadcast_truncate (float32).
#include <cmath>

#include "kernels/core/error.h"
#include "kernels/ops/latent_ops.h"

namespace lf::cpu {

void normalize_2nd_moment(const Normalize2ndMomentParams& p) {
    LF_CHECK(p.x && p.rows >= 0 && p.cols > 0, "normalize_2nd_moment: bad parameters");
    const std::int64_t stride = p.row_stride > 0 ? p.row_stride : p.cols;
    for (int r = 0; r < p.rows; ++r) {
        float* row = p.x + r * stride;
        float acc = 0.0f;
        for (int j = 0; j < p.cols; ++j) acc += row[j] * row[j];
        const float scale = 1.0f / std::sqrt(acc / static_cast<float>(p.cols) + 1e-8f);
        for (int j = 0; j < p.cols; ++j) row[j] *= scale;
    }
}

void broadcast_truncate(const BroadcastTruncateParams& p) {
    LF_CHECK(p.w && p.ws && p.batch >= 0 && p.num_ws > 0 && p.w_dim > 0, "broadcast_truncate: bad parameters");
    LF_CHECK(p.psi == 1.0f || p.w_avg, "broadcast_truncate: truncation needs w_avg");
    const int layers = p.psi == 1.0f ? 0 : (p.cutoff < 0 ? p.num_ws : std::min(p.cutoff, p.num_ws));
    const bool small = std::fabs(p.psi) < 0.5f;
    for (int n = 0; n < p.batch; ++n)
        for (int k = 0; k < p.num_ws; ++k)
            for (int j = 0; j < p.w_dim; ++j) {
                const float end = p.w[n * p.w_dim + j];
                float v = end;
                if (k < layers) {
                    const float start = p.w_avg[j];
                    v = small ? start + p.psi * (end - start) : end - (end - start) * (1.0f - p.psi);
                }
                p.ws[(static_cast<std::int64_t>(n) * p.num_ws + k) * p.w_dim + j] = v;
            }
}

}  // namespace lf::cpu
