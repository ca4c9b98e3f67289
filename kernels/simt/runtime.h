// runtime.h: host side of the SIMT emulation: launch options (schedule, seed, OS threads), the
// launch entry used by kernels/simt/launch.h, and the record of launched kernels that the coverage
// check (tools/check_kernel_coverage.py) reads. Plain C++: no CUDA types, no keyword macros.
//
// Environment (read once, the defaults for every launch; ScopedOptions overrides them in tests):
//   LF_SIMT_SCHEDULE=in_order | random:SEED   order of the threads of a block between rendezvous
//   LF_SIMT_THREADS=N                         OS threads that run blocks (default 1)
//   LF_SIMT_COVERAGE_DIR=DIR                  append each launched kernel's name to DIR/launched-<pid>.txt
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lf::simt {

enum class Schedule {
    in_order,  // threads of a block run in thread-index order between rendezvous points
    random,    // a seeded random order at every rendezvous, and a seeded random block order
};

struct Options {
    Schedule schedule = Schedule::in_order;
    std::uint64_t seed = 0;   // for Schedule::random; same seed, same interleaving
    int workers = 1;          // OS threads running blocks; each runs whole blocks, one at a time
};

std::string to_string(const Options& options);  // "in_order" / "random:SEED", plus " threads=N"

// The options launches use now: the innermost ScopedOptions, else the environment.
Options current_options();

// Overrides the options for launches issued while it lives (process-wide; not for concurrent use
// from several test threads).
class ScopedOptions {
public:
    explicit ScopedOptions(const Options& options);
    ~ScopedOptions();
    ScopedOptions(const ScopedOptions&) = delete;
    ScopedOptions& operator=(const ScopedOptions&) = delete;

private:
    Options saved_;
    bool had_saved_;
};

// Names of the kernels this process has launched (sorted, unique).
std::vector<std::string> launched_kernels();

struct LaunchShape {
    unsigned grid[3];
    unsigned block[3];
    std::size_t shared_bytes;
};

namespace detail {

// Runs `body(args)` once per emulated thread of every block; blocks until the grid is done. Throws
// lf::Error naming the kernel and block for an invalid launch, a divergent barrier, a warp
// collective that cannot complete, or an exception thrown inside the kernel.
void launch(const char* kernel_name, const LaunchShape& shape, void (*body)(void*), void* args);

// "void lf::simt::launch(...) [with auto Kernel = lf::emu::{anonymous}::gemm_kernel<16>; ...]"
// -> "gemm_kernel": the name the coverage check matches against `__global__` declarations.
std::string kernel_name_from_signature(const char* pretty_function);

}  // namespace detail
}  // namespace lf::simt
