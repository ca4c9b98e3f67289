// nvtx_range.h: an RAII NVTX range around a pipeline stage or a network block, so Nsight Systems
// timelines show lfgen's stages ("factorize/sample", "synthesis/b64", ...) above the kernels.
// NVTX v3 is header-only (CUDA toolkit include dir) and costs nothing when no tool is attached;
// in builds without CUDA the range is an empty object.
#pragma once

#ifdef LF_WITH_CUDA
#include <nvtx3/nvToolsExt.h>
#endif

#include <string>

namespace lf {

class NvtxRange {
public:
    explicit NvtxRange(const char* name) {
#ifdef LF_WITH_CUDA
        nvtxRangePushA(name);
#else
        (void)name;
#endif
    }
    explicit NvtxRange(const std::string& name) : NvtxRange(name.c_str()) {}
    ~NvtxRange() {
#ifdef LF_WITH_CUDA
        nvtxRangePop();
#endif
    }
    NvtxRange(const NvtxRange&) = delete;
    NvtxRange& operator=(const NvtxRange&) = delete;
};

}  // namespace lf
