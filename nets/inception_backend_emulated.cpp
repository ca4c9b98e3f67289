// inception_backend_emulated.cpp: the FID InceptionV3 op table over the SIMT-emulated CUDA kernels
// (lf::emu, host memory). Compiled into targets that link lf_kernels_emulated (tests only).
#include "nets/inception_backend.h"

namespace lf {

const InceptionBackend& inception_emulated_backend() {
    static const InceptionBackend b = [] {
        InceptionBackend t;
        t.name = "emulated";
        t.device = Device::cpu();
        t.conv_bn_relu = &emu::conv_bn_relu;
        t.max_pool2d = &emu::max_pool2d;
        t.avg_pool2d = &emu::avg_pool2d;
        t.bilinear_resize = &emu::bilinear_resize;
        return t;
    }();
    return b;
}

}  // namespace lf
