// test_cpu_threads.cpp: the CPU thread pool (kernels/core/cpu_threads.h): every index of a region
// runs exactly once, also after the pool was resized (workers started by a resize once took the
// previous region's generation for new work and ran a dangling body), nested regions run inline.
#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "kernels/core/cpu_threads.h"

namespace lf {
namespace {

std::vector<int> run_counts(int count) {
    std::vector<std::atomic<int>> hits(static_cast<std::size_t>(count));
    parallel_run(count, [&](int t) { hits[t].fetch_add(1); });
    std::vector<int> out;
    for (auto& h : hits) out.push_back(h.load());
    return out;
}

TEST(CpuThreads, ResizeAfterARegionRunsEveryIndexOnce) {
    const int saved = cpu_threads();
    set_cpu_threads(3);
    EXPECT_EQ(run_counts(3), std::vector<int>(3, 1));
    set_cpu_threads(4);  // new workers must wait for the next region, not replay the last one
    EXPECT_EQ(run_counts(4), std::vector<int>(4, 1));
    set_cpu_threads(2);
    EXPECT_EQ(run_counts(2), std::vector<int>(2, 1));
    set_cpu_threads(saved);
    EXPECT_EQ(run_counts(cpu_threads()), std::vector<int>(static_cast<std::size_t>(cpu_threads()), 1));
}

TEST(CpuThreads, NestedRegionsRunInline) {
    const int saved = cpu_threads();
    set_cpu_threads(2);
    std::atomic<int> inner{0};
    std::atomic<bool> nested_flag{true};
    parallel_run(2, [&](int) {
        nested_flag = nested_flag && in_parallel_region();
        parallel_run(2, [&](int) { inner.fetch_add(1); });
    });
    EXPECT_TRUE(nested_flag.load());
    EXPECT_FALSE(in_parallel_region());
    EXPECT_EQ(inner.load(), 4);
    set_cpu_threads(saved);
}

}  // namespace
}  // namespace lf
