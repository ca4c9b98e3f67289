// fid_common.h: pieces shared by `lfgen fid` and `lfgen features` (header-only): the InceptionV3 on
// the resolved device with its backend, a batched feature extractor with the stderr progress bar
// (progress.h: only when stderr is a terminal), and the --dims / --batch checks.
#pragma once

#include <algorithm>
#include <functional>
#include <string>

#include "kernels/core/error.h"
#include "kernels/core/tensor.h"
#include "nets/inception.h"
#include "tools/lfgen/cli_common.h"
#include "tools/lfgen/progress.h"

namespace lf::cli {

inline void check_fid_dims(int dims) {
    LF_CHECK(InceptionFid::valid_dims(dims), "--dims ", dims, ": must be 64, 192, 768 or 2048");
}

inline void check_fid_batch(int batch) {
    LF_CHECK(batch >= 1, "--batch ", batch, ": must be at least 1");
}

// The FID InceptionV3 on a device with the matching backend.
struct InceptionSetup {
    Device device;
    InceptionBackend backend;
    InceptionFid net;

    static InceptionSetup load(const std::string& weights, const std::string& device_spec,
                               const std::string& command) {
#ifdef LF_WITH_CUDA
        const Device device = resolve_command_device(device_spec, true, command);
#else
        const Device device = resolve_command_device(device_spec, false, command);
#endif
        InceptionBackend backend =
            device.is_cpu() ? inception_cpu_backend() : inception_cuda_backend(device.index);
        return {device, backend, InceptionFid::load(weights, device, backend.stream)};
    }

    // Features [count, dims] (f32, host) of `count` images, `batch` at a time. fill(begin, end, x)
    // writes images [begin, end) preprocessed (InceptionFid::preprocess_into) into x
    // [end - begin, 3, 299, 299] on the device.
    Tensor extract(std::int64_t count, int batch, int dims, const std::string& label,
                   const std::function<void(std::int64_t, std::int64_t, Tensor&)>& fill) const {
        Tensor out = Tensor::empty({count, dims}, DType::F32);
        Progress progress(label, count, /*enabled=*/true);  // draws only when stderr is a terminal
        progress.update(0);
        for (std::int64_t b0 = 0; b0 < count; b0 += batch) {
            const std::int64_t b1 = std::min<std::int64_t>(count, b0 + batch);
            Tensor x = Tensor::empty({b1 - b0, 3, InceptionFid::kInputSize, InceptionFid::kInputSize},
                                     DType::F32, device, backend.stream);
            fill(b0, b1, x);
            const Tensor f = net.features_preprocessed(x, dims, backend).to(Device::cpu(), backend.stream);
            std::copy_n(f.data<float>(), f.numel(), out.data<float>() + b0 * dims);
            progress.update(b1);
        }
        return out;
    }
};

}  // namespace lf::cli
