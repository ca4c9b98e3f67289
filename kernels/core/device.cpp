// device.cpp: --device parsing and the auto policy; CUDA queries compile only with LF_WITH_CUDA.
#include "kernels/core/device.h"

#include <charconv>
#include <ostream>

#include "kernels/core/error.h"

#ifdef LF_WITH_CUDA
#include <cuda_runtime.h>
#endif

namespace lf {

std::string Device::to_string() const {
    return is_cpu() ? std::string("cpu") : str_cat("cuda:", index);
}

DeviceSpec parse_device_spec(std::string_view text) {
    if (text == "auto") return {true, Device::cpu()};
    if (text == "cpu") return {false, Device::cpu()};
    if (text == "cuda") return {false, Device::cuda(0)};
    if (text.starts_with("cuda:")) {
        std::string_view num = text.substr(5);
        int index = -1;
        auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), index);
        if (ec == std::errc() && end == num.data() + num.size() && index >= 0 && !num.empty())
            return {false, Device::cuda(index)};
    }
    fail("invalid device '", text, "': expected auto, cpu, cuda or cuda:N");
}

int cuda_device_count() {
#ifdef LF_WITH_CUDA
    int count = 0;
    // No driver or no device is not an error here: it means "no CUDA devices".
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
        (void)cudaGetLastError();  // clear the sticky error state
        return 0;
    }
    return count;
#else
    return 0;
#endif
}

Device resolve_device(const DeviceSpec& spec, std::ostream* notice) {
    const int count = cuda_device_count();
    if (spec.is_auto) {
        if (count > 0) return Device::cuda(0);
        if (notice) {
#ifdef LF_WITH_CUDA
            *notice << "lfgen: notice: no CUDA device found, running on the CPU\n";
#else
            *notice << "lfgen: notice: built without CUDA, running on the CPU\n";
#endif
        }
        return Device::cpu();
    }
    if (spec.device.is_cuda()) {
#ifndef LF_WITH_CUDA
        fail("device ", spec.device.to_string(), " requested, but this lfgen was built without CUDA");
#endif
        LF_CHECK(spec.device.index < count, "device ", spec.device.to_string(), " requested, but ",
                 count, " CUDA device(s) are available");
    }
    return spec.device;
}

}  // namespace lf
