// backend_cpu.cpp: the CPU backend's op table (kernels/ops *_cpu.cpp), and cuda_backend() for
// builds without CUDA.
#include "kernels/core/error.h"
#include "nets/backend.h"

namespace lf {

const NetBackend& cpu_backend() {
    static const NetBackend b = [] {
        NetBackend t;
        t.name = "cpu";
        t.device = Device::cpu();
        t.fully_connected = [](const FullyConnectedParams& p, Stream) { cpu::fully_connected(p); };
        t.modulated_conv2d = [](const ModulatedConv2dParams& p, Stream) { cpu::modulated_conv2d(p); };
        t.upfirdn2d = [](const Upfirdn2dParams& p, Stream) { cpu::upfirdn2d(p); };
        t.torgb = [](const ToRgbParams& p, Stream) { cpu::torgb(p); };
        t.normalize_2nd_moment = [](const Normalize2ndMomentParams& p, Stream) { cpu::normalize_2nd_moment(p); };
        t.broadcast_truncate = [](const BroadcastTruncateParams& p, Stream) { cpu::broadcast_truncate(p); };
        t.add = [](const AddParams& p, Stream) { cpu::add(p); };
        t.conv2d = [](const Conv2dParams& p, Stream) { cpu::conv2d(p); };
        t.batchnorm_glu = [](const BatchNormGluParams& p, Stream) { cpu::batchnorm_glu(p); };
        t.se_block = [](const SeBlockParams& p, Stream) { cpu::se_block(p); };
        t.upconv_bn_glu = [](const UpConvBnGluParams& p, Stream) { cpu::upconv_bn_glu(p); };
        return t;
    }();
    return b;
}

#ifndef LF_WITH_CUDA
NetBackend cuda_backend(int, Stream) { fail("the CUDA backend is not available: this build has no CUDA"); }
#endif

}  // namespace lf
