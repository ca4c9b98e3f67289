// upconv_bn_glu_cpu.cpp: CPU twin of upconv_bn_glu: the composition of the two CPU ops it fuses,
// cpu::conv2d (3x3, padding 1, nearest upsample read in place) into scratch [N, 2C, Ho, Wo] and
// cpu::batchnorm_glu (noise, BatchNorm eval/batch, GLU). Without a caller's scratch the conv output
// goes to a host tensor (the cached, huge-page backed allocator: at 512x512, batch 4, it is 134 MB,
// which a std::vector would map, zero-fill and fault in anew on every call).
#include "kernels/core/error.h"
#include "kernels/core/tensor.h"
#include "kernels/ops/conv2d.h"
#include "kernels/ops/upconv_bn_glu.h"

namespace lf {

void upconv_bn_glu_check(const UpConvBnGluParams& p) {
    LF_CHECK(p.x && p.weight && p.y && p.bn_weight && p.bn_bias, "upconv_bn_glu: null tensor");
    LF_CHECK(p.batch > 0 && p.in_channels > 0 && p.channels > 0 && p.height > 0 && p.width > 0,
             "upconv_bn_glu: bad sizes (batch ", p.batch, ", in ", p.in_channels, ", C ", p.channels, ", ",
             p.height, "x", p.width, ")");
    LF_CHECK(p.upsample == 1 || p.upsample == 2, "upconv_bn_glu: upsample ", p.upsample, " is not 1 or 2");
    LF_CHECK(p.mode == BatchNormMode::Batch || (p.running_mean && p.running_var),
             "upconv_bn_glu: eval mode needs running statistics");
    LF_CHECK(p.eps >= 0.0f, "upconv_bn_glu: eps ", p.eps, " is negative");
}

namespace cpu {

void upconv_bn_glu(const UpConvBnGluParams& p) {
    upconv_bn_glu_check(p);
    const int ho = p.out_height(), wo = p.out_width();
    Tensor local;
    float* t = p.scratch;  // [N, 2C, Ho, Wo]
    if (!t) {
        local = Tensor::empty({p.batch, 2 * p.channels, ho, wo}, DType::F32);
        t = local.data<float>();
    }
    Conv2dParams cp;
    cp.x = p.x;
    cp.weight = p.weight;
    cp.y = t;
    cp.batch = p.batch;
    cp.in_channels = p.in_channels;
    cp.out_channels = 2 * p.channels;
    cp.height = p.height;
    cp.width = p.width;
    cp.kernel = 3;
    cp.pad = 1;
    cp.upsample = p.upsample;
    conv2d(cp);

    BatchNormGluParams bp;
    bp.x = t;
    bp.y = p.y;
    bp.noise = p.noise;
    bp.noise_strength = p.noise_strength;
    bp.bn_weight = p.bn_weight;
    bp.bn_bias = p.bn_bias;
    bp.running_mean = p.running_mean;
    bp.running_var = p.running_var;
    bp.eps = p.eps;
    bp.mode = p.mode;
    bp.batch = p.batch;
    bp.channels = p.channels;
    bp.plane = static_cast<std::int64_t>(ho) * wo;
    batchnorm_glu(bp);
}

}  // namespace cpu
}  // namespace lf
