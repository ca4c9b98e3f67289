// inception_backend.cpp: the CPU and CUDA op tables of the FID InceptionV3 (inception_backend.h).
#include "nets/inception_backend.h"

#include "kernels/core/error.h"

namespace lf {

const InceptionBackend& inception_cpu_backend() {
    static const InceptionBackend b = [] {
        InceptionBackend t;
        t.name = "cpu";
        t.device = Device::cpu();
        t.conv_bn_relu = [](const ConvBnReluParams& p, Stream) { cpu::conv_bn_relu(p); };
        t.max_pool2d = [](const MaxPool2dParams& p, Stream) { cpu::max_pool2d(p); };
        t.avg_pool2d = [](const AvgPool2dParams& p, Stream) { cpu::avg_pool2d(p); };
        t.bilinear_resize = [](const BilinearResizeParams& p, Stream) { cpu::bilinear_resize(p); };
        return t;
    }();
    return b;
}

InceptionBackend inception_cuda_backend(int device_index, Stream stream) {
#ifdef LF_WITH_CUDA
    InceptionBackend t;
    t.name = Device::cuda(device_index).to_string();
    t.device = Device::cuda(device_index);
    t.stream = stream;
    t.conv_bn_relu = &cuda::conv_bn_relu;
    t.max_pool2d = &cuda::max_pool2d;
    t.avg_pool2d = &cuda::avg_pool2d;
    t.bilinear_resize = &cuda::bilinear_resize;
    return t;
#else
    (void)device_index;
    (void)stream;
    fail("the CUDA backend is not available: this build has no CUDA");
#endif
}

}  // namespace lf
