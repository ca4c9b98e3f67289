// test_broken_kernels.cpp: small deliberately broken kernels, each with the bug the SIMT emulation
// must report: a missing __syncthreads (a result that differs from the CPU twin, under the seeded
// random schedule when thread order hides it), a divergent barrier (an lf::Error naming kernel,
// block and line), and shared/global memory overruns (AddressSanitizer / UBSan abort the process;
// checked as death tests). They live under tests/, so the kernel coverage check does not scan them.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "kernels/core/error.h"
#include "kernels/simt/cuda_compat.h"
#include "kernels/simt/launch.h"

namespace {

using lf::simt::launch;
using lf::simt::Options;
using lf::simt::Schedule;
using lf::simt::ScopedOptions;

constexpr int kThreads = 128;
constexpr int kBlocks = 4;

// ---- missing barrier, hidden by thread order ----------------------------------------------------
// out[i] = in[i] + in[i - 1] within each block; the fixed kernel has the barrier.
template <bool WithBarrier>
__global__ void neighbour_sum_kernel(const float* in, float* out) {
    __shared__ float s[kThreads];
    const int t = static_cast<int>(threadIdx.x);
    const int i = static_cast<int>(blockIdx.x) * kThreads + t;
    s[t] = in[i];
    if (WithBarrier) __syncthreads();  // BUG when false: s[t - 1] may not be written yet
    out[i] = s[t] + (t > 0 ? s[t - 1] : 0.0f);
}

std::vector<float> neighbour_sum_cpu(const std::vector<float>& in) {
    std::vector<float> out(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = in[i] + (i % kThreads > 0 ? in[i - 1] : 0.0f);
    return out;
}

std::vector<float> fresh_input(std::uint32_t seed) {  // new values every run: stale shared data is wrong data
    std::mt19937 rng(seed);
    std::vector<float> v(kThreads * kBlocks);
    for (float& x : v) x = static_cast<float>(rng() % 1000);
    return v;
}

template <auto Kernel>
int mismatches_against_twin(const Options& o, std::uint32_t input_seed) {
    ScopedOptions scope(o);
    const std::vector<float> in = fresh_input(input_seed);
    std::vector<float> out(in.size());
    launch<Kernel>(dim3(kBlocks), dim3(kThreads), 0, nullptr, in.data(), out.data());
    const std::vector<float> want = neighbour_sum_cpu(in);
    int bad = 0;
    for (std::size_t i = 0; i < out.size(); ++i) bad += out[i] != want[i];
    return bad;
}

TEST(BrokenKernels, MissingBarrierIsReportedByTheRandomSchedule) {
    // In thread order, thread t - 1 always wrote s[t - 1] before thread t reads it: the bug hides.
    EXPECT_EQ((mismatches_against_twin<neighbour_sum_kernel<false>>({Schedule::in_order, 0, 1}, 1)), 0);
    // Seeded random order: deterministic for the seed, and it exposes the race.
    const int bad = mismatches_against_twin<neighbour_sum_kernel<false>>({Schedule::random, 1, 1}, 2);
    EXPECT_GT(bad, 0) << "random:1 should expose the missing __syncthreads";
    EXPECT_EQ((mismatches_against_twin<neighbour_sum_kernel<false>>({Schedule::random, 1, 1}, 2)), bad)
        << "same seed and input, same report";
    // The fixed kernel agrees with the twin under every schedule.
    for (std::uint64_t seed : {1, 2, 3})
        EXPECT_EQ((mismatches_against_twin<neighbour_sum_kernel<true>>({Schedule::random, seed, 1}, 10 + static_cast<std::uint32_t>(seed))), 0);
}

// ---- missing barrier in a tiled GEMM: the next tile overwrites the current one -------------------
constexpr int kTile = 8;

__global__ void tiled_matmul_missing_barrier_kernel(const float* a, const float* b, float* c, int n) {
    __shared__ float as[kTile][kTile];
    __shared__ float bs[kTile][kTile];
    const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
    const int row = static_cast<int>(blockIdx.y) * kTile + ty, col = static_cast<int>(blockIdx.x) * kTile + tx;
    float acc = 0.0f;
    for (int k0 = 0; k0 < n; k0 += kTile) {
        as[ty][tx] = a[row * n + k0 + tx];
        bs[ty][tx] = b[(k0 + ty) * n + col];
        __syncthreads();
        for (int kk = 0; kk < kTile; ++kk) acc += as[ty][kk] * bs[kk][tx];
        // BUG: missing __syncthreads(): a fast thread overwrites the tiles others still read.
    }
    c[row * n + col] = acc;
}

TEST(BrokenKernels, MissingBarrierInTiledGemmIsReported) {
    const int n = 32;
    std::vector<float> a(n * n), b(n * n), c(n * n), want(n * n, 0.0f);
    std::mt19937 rng(5);
    for (float& x : a) x = static_cast<float>(rng() % 5);
    for (float& x : b) x = static_cast<float>(rng() % 5);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            for (int k = 0; k < n; ++k) want[i * n + j] += a[i * n + k] * b[k * n + j];
    for (const Options& o : {Options{Schedule::in_order, 0, 1}, Options{Schedule::random, 1, 1}}) {
        ScopedOptions scope(o);
        launch<tiled_matmul_missing_barrier_kernel>(dim3(n / kTile, n / kTile), dim3(kTile, kTile), 0, nullptr,
                                                    a.data(), b.data(), c.data(), n);
        EXPECT_NE(c, want) << to_string(o) << ": the race must change the result";
    }
}

// ---- divergent barriers ------------------------------------------------------------------------

__global__ void divergent_barrier_kernel(float* out) {
    if (threadIdx.x < 16) __syncthreads();  // BUG: threads 16.. never reach it
    out[threadIdx.x] = 1.0f;
}

__global__ void two_barriers_kernel(float* out) {
    if (threadIdx.x % 2 == 0) {
        __syncthreads();  // BUG: even and odd threads wait at different barriers
    } else {
        __syncthreads();
    }
    out[threadIdx.x] = 1.0f;
}

template <auto Kernel>
std::string launch_error(dim3 grid, dim3 block) {
    std::vector<float> out(1024);
    try {
        launch<Kernel>(grid, block, 0, nullptr, out.data());
    } catch (const lf::Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(BrokenKernels, BarrierReachedByOnlySomeThreadsIsReported) {
    const std::string e = launch_error<divergent_barrier_kernel>(dim3(2), dim3(64));
    EXPECT_NE(e.find("kernel 'divergent_barrier_kernel'"), std::string::npos) << e;
    EXPECT_NE(e.find("divergent barrier"), std::string::npos) << e;
    EXPECT_NE(e.find("16 of 64 threads wait at __syncthreads (test_broken_kernels.cpp:"), std::string::npos) << e;
    EXPECT_NE(e.find("block (0,0,0)"), std::string::npos) << e;
}

TEST(BrokenKernels, ThreadsAtDifferentBarriersAreReported) {
    ScopedOptions scope({Schedule::random, 4, 1});
    const std::string e = launch_error<two_barriers_kernel>(dim3(1), dim3(32));
    EXPECT_NE(e.find("divergent barrier"), std::string::npos) << e;
    EXPECT_NE(e.find("all threads of a block must reach the same __syncthreads"), std::string::npos) << e;
}

// ---- memory overruns (need the sanitizer build) ---------------------------------------------------

__global__ void static_shared_overrun_kernel(float* out) {
    __shared__ float s[32];
    s[threadIdx.x] = 1.0f;  // BUG: launched with 64 threads
    __syncthreads();
    out[threadIdx.x] = s[threadIdx.x];
}

__global__ void dynamic_shared_overrun_kernel(float* out) {
    LF_DYNAMIC_SHARED(float, s);  // launched with 32 floats
    s[threadIdx.x] = 1.0f;        // BUG: thread 32 writes past the end
    __syncthreads();
    out[threadIdx.x] = s[threadIdx.x];
}

__global__ void global_overrun_kernel(float* out, int n) {
    out[threadIdx.x] = static_cast<float>(n);  // BUG: no `if (threadIdx.x < n)`
}

#if LF_SIMT_SANITIZE
#define LF_REQUIRE_SANITIZERS()
#else
#define LF_REQUIRE_SANITIZERS() GTEST_SKIP() << "built without sanitizers (LF_SIMT_SANITIZE=OFF)"
#endif

TEST(BrokenKernelsDeathTest, StaticSharedOverrunIsReported) {
    LF_REQUIRE_SANITIZERS();
    std::vector<float> out(64);
    EXPECT_DEATH(launch<static_shared_overrun_kernel>(dim3(1), dim3(64), 0, nullptr, out.data()),
                 "index [0-9]+ out of bounds for type 'float \\[32\\]'");
}

TEST(BrokenKernelsDeathTest, DynamicSharedOverrunIsReported) {
    LF_REQUIRE_SANITIZERS();
    std::vector<float> out(64);
    EXPECT_DEATH(launch<dynamic_shared_overrun_kernel>(dim3(1), dim3(33), 32 * sizeof(float), nullptr, out.data()),
                 "heap-buffer-overflow");
}

TEST(BrokenKernelsDeathTest, GlobalOverrunIsReported) {
    LF_REQUIRE_SANITIZERS();
    EXPECT_DEATH(
        {
            std::vector<float> out(40);
            launch<global_overrun_kernel>(dim3(1), dim3(64), 0, nullptr, out.data(), 40);
        },
        "heap-buffer-overflow");
}

}  // namespace
