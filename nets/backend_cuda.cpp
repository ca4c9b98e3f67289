// backend_cuda.cpp: cuda_backend(): the op table of the CUDA kernels (lf::cuda::, kernels/ops/*.cu
// compiled by nvcc into lf_kernels) on device cuda:N. Only compiled when LF_WITH_CUDA (the build
// without CUDA gets the throwing stub in backend_cpu.cpp).
#include <cuda_runtime.h>

#include <string>

#include "kernels/core/cuda_check.h"  // defines: LF_CUDA_CHECK
#include "kernels/core/error.h"
#include "nets/backend.h"

namespace lf {

NetBackend cuda_backend(int device_index, Stream stream) {
    const int count = cuda_device_count();
    LF_CHECK(device_index >= 0 && device_index < count, "cuda:", device_index, " does not exist (", count,
             " CUDA device", count == 1 ? "" : "s", " found)");
    LF_CUDA_CHECK(cudaSetDevice(device_index));
    NetBackend t;
    t.name = "cuda:" + std::to_string(device_index);
    t.device = Device::cuda(device_index);
    t.stream = stream;
    t.fp16_blocks = true;
    t.fully_connected = &cuda::fully_connected;
    t.modulated_conv2d = &cuda::modulated_conv2d;
    t.modulated_conv2d_tensor_cores = &cuda::modulated_conv2d_wmma;  // the build targets sm_80+
    t.upfirdn2d = &cuda::upfirdn2d;
    t.torgb = &cuda::torgb;
    t.normalize_2nd_moment = &cuda::normalize_2nd_moment;
    t.broadcast_truncate = &cuda::broadcast_truncate;
    t.add = &cuda::add;
    t.conv2d = &cuda::conv2d;
    t.batchnorm_glu = &cuda::batchnorm_glu;
    t.se_block = &cuda::se_block;
    t.upconv_bn_glu = &cuda::upconv_bn_glu;
    return t;
}

}  // namespace lf
