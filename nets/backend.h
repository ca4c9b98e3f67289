// backend.h: the op table a network runs on. One API, three backends:
//   cpu_backend()       host tensors, the kernels/ops CPU backends (OpenBLAS)
//   emulated_backend()  host tensors, the CUDA kernels run under the SIMT emulation (tests)
//   cuda_backend(i)     device tensors on cuda:i, the CUDA kernels (builds with LF_WITH_CUDA)
// Every op takes the same params struct on every backend; pointers are on `device`.
#pragma once

#include <string>

#include "kernels/core/device.h"
#include "kernels/ops/batchnorm_glu.h"
#include "kernels/ops/conv2d.h"
#include "kernels/ops/elementwise.h"
#include "kernels/ops/fully_connected.h"
#include "kernels/ops/latent_ops.h"
#include "kernels/ops/modulated_conv2d.h"
#include "kernels/ops/se_block.h"
#include "kernels/ops/upconv_bn_glu.h"
#include "kernels/ops/torgb.h"
#include "kernels/ops/upfirdn2d.h"

namespace lf {

struct NetBackend {
    std::string name;                 // "cpu", "emulated", "cuda:0"
    Device device = Device::cpu();    // where the backend's tensors live
    Stream stream = nullptr;
    // Whether StyleGAN2 fp16 blocks (num_fp16_res) compute with the official fp16 numerics here, as
    // they do on a GPU (CUDA and its emulation); the CPU backend computes float32 (force_fp32).
    bool fp16_blocks = false;
    void (*fully_connected)(const FullyConnectedParams&, Stream) = nullptr;
    void (*modulated_conv2d)(const ModulatedConv2dParams&, Stream) = nullptr;
    // The tensor-core variant (TF32 wmma; up=2 and k=1 fall back to the FP32 kernels), used for the
    // fp16 blocks: their half operands are exact in TF32, so it computes what fp16 tensor cores do.
    // nullptr on the CPU.
    void (*modulated_conv2d_tensor_cores)(const ModulatedConv2dParams&, Stream) = nullptr;
    void (*upfirdn2d)(const Upfirdn2dParams&, Stream) = nullptr;
    void (*torgb)(const ToRgbParams&, Stream) = nullptr;
    void (*normalize_2nd_moment)(const Normalize2ndMomentParams&, Stream) = nullptr;
    void (*broadcast_truncate)(const BroadcastTruncateParams&, Stream) = nullptr;
    void (*add)(const AddParams&, Stream) = nullptr;
    // FastGAN
    void (*conv2d)(const Conv2dParams&, Stream) = nullptr;
    void (*batchnorm_glu)(const BatchNormGluParams&, Stream) = nullptr;
    void (*se_block)(const SeBlockParams&, Stream) = nullptr;
    void (*upconv_bn_glu)(const UpConvBnGluParams&, Stream) = nullptr;
};

const NetBackend& cpu_backend();
// The CUDA kernels under the SIMT emulation; defined in nets/backend_emulated.cpp (lf_nets_emulated).
const NetBackend& emulated_backend();
// Throws lf::Error in a build without CUDA.
NetBackend cuda_backend(int device_index, Stream stream = nullptr);

}  // namespace lf
