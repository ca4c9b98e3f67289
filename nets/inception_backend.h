// inception_backend.h: the op table the FID InceptionV3 (nets/inception.h) runs on. One API, three
// backends, each op taking the same params struct (pointers on `device`):
//   inception_cpu_backend()        host tensors; kernels/ops *_cpu.cpp (OpenBLAS SGEMM convs)
//   inception_emulated_backend()   host tensors; the CUDA kernels under the SIMT emulation (tests;
//                                  defined in inception_backend_emulated.cpp, link lf_kernels_emulated)
//   inception_cuda_backend(i)      device tensors on cuda:i; the CUDA kernels (LF_WITH_CUDA builds)
// A table of its own (not NetBackend) so the generator backends and this one evolve independently.
#pragma once

#include <string>

#include "kernels/core/device.h"
#include "kernels/ops/avg_pool2d.h"
#include "kernels/ops/bilinear_resize.h"
#include "kernels/ops/conv_bn_relu.h"
#include "kernels/ops/max_pool2d.h"

namespace lf {

struct InceptionBackend {
    std::string name;               // "cpu", "emulated", "cuda:0"
    Device device = Device::cpu();  // where the backend's tensors live
    Stream stream = nullptr;
    void (*conv_bn_relu)(const ConvBnReluParams&, Stream) = nullptr;
    void (*max_pool2d)(const MaxPool2dParams&, Stream) = nullptr;
    void (*avg_pool2d)(const AvgPool2dParams&, Stream) = nullptr;
    void (*bilinear_resize)(const BilinearResizeParams&, Stream) = nullptr;
};

const InceptionBackend& inception_cpu_backend();
const InceptionBackend& inception_emulated_backend();
// Throws lf::Error in a build without CUDA.
InceptionBackend inception_cuda_backend(int device_index, Stream stream = nullptr);

}  // namespace lf
