// cuda_compat.h: the first include of every .cu file. One source, two builds:
//   nvcc (into lf_kernels, LF_WITH_CUDA):  the real CUDA headers; host entry points in lf::cuda.
//   g++  (into lf_kernels_emulated):       kernels/simt/emulation.h; host entry points in lf::emu.
// Defines:
//   LF_KERNEL_NS                the namespace of a .cu file's host entry points: write
//                               `namespace lf::LF_KERNEL_NS { void my_op(...); }`
//   LF_DYNAMIC_SHARED(T, name)  `T* name` = the block's dynamic shared memory (the launch's bytes)
//   LF_SIMT_EMULATION           1 in the emulation build, 0 under nvcc
//   nvcuda::wmma                the real one, or the warp-level emulation (kernels/simt/wmma.h)
//   lf::simt::atomic_max_float  float atomic max, for both builds
#pragma once

#ifdef __CUDACC__

#include <cuda_runtime.h>
#include <mma.h>

#define LF_SIMT_EMULATION 0
#define LF_KERNEL_NS cuda
#define LF_DYNAMIC_SHARED(T, name)                                          \
    extern __shared__ __align__(16) unsigned char lf_dynamic_shared_bytes_[]; \
    T* name = reinterpret_cast<T*>(lf_dynamic_shared_bytes_)

#else

#include "kernels/simt/emulation.h"
#include "kernels/simt/wmma.h"

#define LF_SIMT_EMULATION 1
#define LF_KERNEL_NS emu
#define LF_DYNAMIC_SHARED(T, name) T* name = reinterpret_cast<T*>(::lf::simt::detail::dynamic_shared())

#endif

namespace lf::simt {

// atomicMax for float (CUDA has none): a CAS loop on the bit pattern. NaN values are not handled.
__device__ inline float atomic_max_float(float* address, float value) {
    int* bits = reinterpret_cast<int*>(address);
    int old = *bits;
    while (__int_as_float(old) < value) {
        const int seen = atomicCAS(bits, old, __float_as_int(value));
        if (seen == old) break;
        old = seen;
    }
    return __int_as_float(old);
}

}  // namespace lf::simt
