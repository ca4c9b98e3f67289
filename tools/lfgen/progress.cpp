// progress.cpp: see progress.h.
#include "tools/lfgen/progress.h"

#include <unistd.h>

#include <cstdio>

namespace lf::cli {

Progress::Progress(std::string label, std::int64_t total, bool enabled)
    : range_(label), label_(std::move(label)), total_(total), enabled_(enabled && isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

Progress::~Progress() {
    if (drawn_) std::fputc('\n', stderr);
}

void Progress::update(std::int64_t done) {
    if (!enabled_ || total_ <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (done < total_ && now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? done / elapsed : 0.0;
    const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
    const int width = 30, filled = static_cast<int>(width * done / total_);
    std::fprintf(stderr, "\r%-18s [%.*s%*s] %lld/%lld  %.1f/s  ETA %.0fs ", label_.c_str(), filled,
                 "##############################", width - filled, "", static_cast<long long>(done),
                 static_cast<long long>(total_), rate, eta);
    drawn_ = true;
    if (done >= total_) {  // finished: end the line now, so later messages start on their own
        std::fputc('\n', stderr);
        drawn_ = false;
        enabled_ = false;
    }
    std::fflush(stderr);
}

}  // namespace lf::cli
