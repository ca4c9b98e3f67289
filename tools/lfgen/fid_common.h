// fid_common.h: pieces shared by `lfgen fid` and `lfgen features` (header-only): the InceptionV3 on
// the resolved device with its backend, a batched feature extractor with a stderr progress bar
// (only when stderr is a terminal), and the --dims / --batch checks.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>

#include "kernels/core/error.h"
#include "kernels/core/tensor.h"
#include "nets/inception.h"
#include "tools/lfgen/cli_common.h"

namespace lf::cli {

// "\r<label> [#####.....] 120/1000" on stderr while running, a newline at the end (also when an
// error unwinds, so the error line starts on a line of its own). Silent unless stderr is a tty.
class ProgressBar {
public:
    ProgressBar(std::string label, std::int64_t total)
        : label_(std::move(label)), total_(total), enabled_(isatty(STDERR_FILENO) == 1) {}
    ~ProgressBar() {
        if (drawn_) std::fputc('\n', stderr);
    }
    ProgressBar(const ProgressBar&) = delete;
    ProgressBar& operator=(const ProgressBar&) = delete;

    void update(std::int64_t done) {
        if (!enabled_ || total_ <= 0) return;
        constexpr int kWidth = 30;
        const int filled = static_cast<int>(kWidth * std::min(done, total_) / total_);
        std::fprintf(stderr, "\r%s [%s%s] %lld/%lld", label_.c_str(), std::string(filled, '#').c_str(),
                     std::string(kWidth - filled, '.').c_str(), static_cast<long long>(done),
                     static_cast<long long>(total_));
        std::fflush(stderr);
        drawn_ = true;
    }

private:
    std::string label_;
    std::int64_t total_;
    bool enabled_;
    bool drawn_ = false;
};

inline void check_fid_dims(int dims) {
    LF_CHECK(InceptionFid::valid_dims(dims), "--dims ", dims, ": must be 64, 192, 768 or 2048");
}

inline void check_fid_batch(int batch) { LF_CHECK(batch >= 1, "--batch ", batch, ": must be at least 1"); }

// The FID InceptionV3 on a device with the matching backend.
struct InceptionSetup {
    Device device;
    InceptionBackend backend;
    InceptionFid net;

    static InceptionSetup load(const std::string& weights, const std::string& device_spec, const std::string& command) {
#ifdef LF_WITH_CUDA
        const Device device = resolve_command_device(device_spec, true, command);
#else
        const Device device = resolve_command_device(device_spec, false, command);
#endif
        InceptionBackend backend = device.is_cpu() ? inception_cpu_backend() : inception_cuda_backend(device.index);
        return {device, backend, InceptionFid::load(weights, device, backend.stream)};
    }

    // Features [count, dims] (f32, host) of `count` images, `batch` at a time. fill(begin, end, x)
    // writes images [begin, end) preprocessed (InceptionFid::preprocess_into) into x
    // [end - begin, 3, 299, 299] on the device.
    Tensor extract(std::int64_t count, int batch, int dims, const std::string& label,
                   const std::function<void(std::int64_t, std::int64_t, Tensor&)>& fill) const {
        Tensor out = Tensor::empty({count, dims}, DType::F32);
        ProgressBar progress(label, count);
        progress.update(0);
        for (std::int64_t b0 = 0; b0 < count; b0 += batch) {
            const std::int64_t b1 = std::min<std::int64_t>(count, b0 + batch);
            Tensor x = Tensor::empty({b1 - b0, 3, InceptionFid::kInputSize, InceptionFid::kInputSize}, DType::F32,
                                     device, backend.stream);
            fill(b0, b1, x);
            const Tensor f = net.features_preprocessed(x, dims, backend).to(Device::cpu(), backend.stream);
            std::copy_n(f.data<float>(), f.numel(), out.data<float>() + b0 * dims);
            progress.update(b1);
        }
        return out;
    }
};

}  // namespace lf::cli
