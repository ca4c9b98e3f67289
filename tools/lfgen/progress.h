// progress.h: a one-line progress bar with rate and ETA on stderr, drawn only when stderr is a
// terminal (and not with --quiet); silent in pipes, files and CI logs. Every bar is also an NVTX
// range named by its label, so the stages of a run show up on an Nsight Systems timeline.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "kernels/core/nvtx_range.h"

namespace lf::cli {

class Progress {
public:
    Progress(std::string label, std::int64_t total, bool enabled);
    ~Progress();
    void update(std::int64_t done);

private:
    NvtxRange range_;
    std::string label_;
    std::int64_t total_;
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace lf::cli
