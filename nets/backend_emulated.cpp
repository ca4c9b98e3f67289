// backend_emulated.cpp: emulated_backend(): the op table of the CUDA kernels (kernels/ops/*.cu)
// built for the SIMT emulation (lf::emu::, lf_kernels_emulated). Emulated device memory is host
// memory, so the backend's device is the CPU and a network runs unchanged on it; tests compare it
// with cpu_backend(). Library lf_nets_emulated (nets/CMakeLists.txt).
#include "nets/backend.h"

namespace lf {

const NetBackend& emulated_backend() {
    static const NetBackend b = [] {
        NetBackend t;
        t.name = "emulated";
        t.device = Device::cpu();
        t.stream = nullptr;
        t.fp16_blocks = true;
        t.fully_connected = &emu::fully_connected;
        t.modulated_conv2d = &emu::modulated_conv2d;
        t.modulated_conv2d_tensor_cores = &emu::modulated_conv2d_wmma;
        t.upfirdn2d = &emu::upfirdn2d;
        t.torgb = &emu::torgb;
        t.normalize_2nd_moment = &emu::normalize_2nd_moment;
        t.broadcast_truncate = &emu::broadcast_truncate;
        t.add = &emu::add;
        t.conv2d = &emu::conv2d;
        t.batchnorm_glu = &emu::batchnorm_glu;
        t.se_block = &emu::se_block;
        t.upconv_bn_glu = &emu::upconv_bn_glu;
        return t;
    }();
    return b;
}

}  // namespace lf
