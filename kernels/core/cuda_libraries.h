// cuda_libraries.h: cuBLAS and cuSOLVER are loaded when first called, not when lfgen starts.
// kernels/core/cuda_libraries.cpp defines every cuBLAS/cuSOLVER entry point the project calls (the
// same C symbols the CUDA headers declare) as a forwarder that dlopens the library on first use and
// calls the real function. A CPU run never loads them: loading libcublas (which maps libcublasLt)
// costs about 60 ms and 200 MB of resident memory per process, the whole run of `lfgen info`.
// The library is looked up at the path found at configure time, then by its soname. A missing
// library is one lf::Error naming it. CUDA builds only.
#pragma once

namespace lf {

// Loads cuBLAS and cuSOLVER now (the CUDA runtime tests check that they load); throws lf::Error
// naming the library that cannot be loaded.
void load_cuda_libraries();

}  // namespace lf
