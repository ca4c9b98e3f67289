// test_simt_runtime.cpp: the SIMT emulation itself: built-in indices, barriers and their
// reductions, warp shuffles and votes against the CUDA semantics, atomics with blocks on several OS
// threads, dynamic shared memory, seeded schedules, and the errors it reports instead of hanging.
// The probe kernels live here (tests/ is not scanned by the kernel coverage check).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "kernels/core/error.h"
#include "kernels/simt/cuda_compat.h"
#include "kernels/simt/launch.h"

namespace {

using lf::simt::launch;

// ---- indices -------------------------------------------------------------------------------------

__global__ void index_probe_kernel(int* out /* [grid threads, 6] */) {
    const int block = static_cast<int>(blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z));
    const int thread = static_cast<int>(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z));
    const int id = block * static_cast<int>(blockDim.x * blockDim.y * blockDim.z) + thread;
    int* o = out + 6 * id;
    o[0] = static_cast<int>(threadIdx.x);
    o[1] = static_cast<int>(threadIdx.y);
    o[2] = static_cast<int>(threadIdx.z);
    o[3] = static_cast<int>(blockIdx.x);
    o[4] = static_cast<int>(blockIdx.y);
    o[5] = static_cast<int>(blockIdx.z);
}

TEST(SimtRuntime, IndicesCoverA3dGridOnce) {
    const dim3 grid(2, 3, 2), block(4, 2, 3);
    std::vector<int> out(12 * 24 * 6, -1);
    launch<index_probe_kernel>(grid, block, 0, nullptr, out.data());
    std::set<std::vector<int>> seen;
    for (std::size_t i = 0; i < out.size(); i += 6) {
        const std::vector<int> v(out.begin() + static_cast<long>(i), out.begin() + static_cast<long>(i) + 6);
        EXPECT_LT(v[0], 4);
        EXPECT_LT(v[1], 2);
        EXPECT_LT(v[2], 3);
        EXPECT_LT(v[3], 2);
        EXPECT_LT(v[4], 3);
        EXPECT_LT(v[5], 2);
        seen.insert(v);
    }
    EXPECT_EQ(seen.size(), 12u * 24u);
}

// ---- barriers ------------------------------------------------------------------------------------

__global__ void barrier_reductions_kernel(int* out /* [blockDim.x, 3] */) {
    const int t = static_cast<int>(threadIdx.x);
    const int count = __syncthreads_count(t % 3 == 0);
    const int all = __syncthreads_and(t >= 0);
    const int any = __syncthreads_or(t == 17);
    out[3 * t + 0] = count;
    out[3 * t + 1] = all;
    out[3 * t + 2] = any;
}

TEST(SimtRuntime, SyncthreadsCountAndOr) {
    std::vector<int> out(100 * 3);
    launch<barrier_reductions_kernel>(dim3(1), dim3(100), 0, nullptr, out.data());
    for (int t = 0; t < 100; ++t) {
        EXPECT_EQ(out[3 * t + 0], 34);
        EXPECT_EQ(out[3 * t + 1], 1);
        EXPECT_EQ(out[3 * t + 2], 1);
    }
}

// Block-wide tree reduction in shared memory (needs every barrier).
__global__ void block_sum_kernel(const float* in, float* out /* [gridDim.x] */) {
    __shared__ float s[256];
    const unsigned t = threadIdx.x;
    s[t] = in[blockIdx.x * blockDim.x + t];
    __syncthreads();
    for (unsigned stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (t < stride) s[t] += s[t + stride];
        __syncthreads();
    }
    if (t == 0) out[blockIdx.x] = s[0];
}

TEST(SimtRuntime, SharedMemoryReductionUnderEverySchedule) {
    std::vector<float> in(4 * 256);
    std::iota(in.begin(), in.end(), 0.0f);
    for (const lf::simt::Options& o : {lf::simt::Options{lf::simt::Schedule::in_order, 0, 1},
                                       lf::simt::Options{lf::simt::Schedule::random, 5, 1},
                                       lf::simt::Options{lf::simt::Schedule::random, 6, 2}}) {
        lf::simt::ScopedOptions scope(o);
        std::vector<float> out(4, 0.0f);
        launch<block_sum_kernel>(dim3(4), dim3(256), 0, nullptr, in.data(), out.data());
        for (int b = 0; b < 4; ++b) EXPECT_EQ(out[b], 256.0f * (256.0f * b) + 255.0f * 128.0f) << to_string(o);
    }
}

// ---- dynamic shared memory ------------------------------------------------------------------------

__global__ void reverse_dynamic_shared_kernel(const float* in, float* out) {
    LF_DYNAMIC_SHARED(float, buf);
    const unsigned t = threadIdx.x, n = blockDim.x;
    buf[t] = in[blockIdx.x * n + t];
    __syncthreads();
    out[blockIdx.x * n + t] = buf[n - 1 - t];
}

TEST(SimtRuntime, DynamicSharedMemory) {
    std::vector<float> in(3 * 70), out(3 * 70);
    std::iota(in.begin(), in.end(), 0.0f);
    launch<reverse_dynamic_shared_kernel>(dim3(3), dim3(70), 70 * sizeof(float), nullptr, in.data(), out.data());
    for (int b = 0; b < 3; ++b)
        for (int t = 0; t < 70; ++t) EXPECT_EQ(out[b * 70 + t], in[b * 70 + 69 - t]);
}

// ---- warp shuffles and votes ----------------------------------------------------------------------

__global__ void shuffle_probe_kernel(int* out /* [4, blockDim.x] */, int width) {
    const int t = static_cast<int>(threadIdx.x), n = static_cast<int>(blockDim.x);
    const int v = 1000 * (t / 32) + t % 32;  // warp * 1000 + lane
    out[0 * n + t] = __shfl_sync(0xffffffffu, v, 3, width);
    out[1 * n + t] = __shfl_up_sync(0xffffffffu, v, 1, width);
    out[2 * n + t] = __shfl_down_sync(0xffffffffu, v, 2, width);
    out[3 * n + t] = __shfl_xor_sync(0xffffffffu, v, 5, width);
}

TEST(SimtRuntime, ShufflesFollowCudaSemantics) {
    for (int width : {32, 8}) {
        std::vector<int> out(4 * 64);
        launch<shuffle_probe_kernel>(dim3(1), dim3(64), 0, nullptr, out.data(), width);
        for (int t = 0; t < 64; ++t) {
            const int warp = t / 32, lane = t % 32, seg = lane / width * width;
            const auto value = [&](int l) { return 1000 * warp + l; };
            EXPECT_EQ(out[0 * 64 + t], value(seg + 3)) << "shfl width " << width << " lane " << lane;
            EXPECT_EQ(out[1 * 64 + t], value(lane == seg ? lane : lane - 1)) << "shfl_up lane " << lane;
            EXPECT_EQ(out[2 * 64 + t], value(lane + 2 >= seg + width ? lane : lane + 2)) << "shfl_down lane " << lane;
            EXPECT_EQ(out[3 * 64 + t], value(lane ^ 5)) << "shfl_xor lane " << lane;
        }
    }
}

__global__ void warp_sum_kernel(const float* in, float* out) {
    float v = in[threadIdx.x];
    for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
    out[threadIdx.x] = v;
}

TEST(SimtRuntime, ButterflyWarpReduction) {
    std::vector<float> in(64), out(64);
    std::iota(in.begin(), in.end(), 1.0f);
    launch<warp_sum_kernel>(dim3(1), dim3(64), 0, nullptr, in.data(), out.data());
    for (int t = 0; t < 64; ++t) EXPECT_EQ(out[t], t < 32 ? 528.0f : 1552.0f);
}

__global__ void vote_probe_kernel(unsigned* out /* [blockDim.x, 4] */) {
    const unsigned t = threadIdx.x, lane = t % 32;
    out[4 * t + 0] = __ballot_sync(0xffffffffu, lane % 3 == 0);
    out[4 * t + 1] = static_cast<unsigned>(__any_sync(0xffffffffu, lane == 7));
    out[4 * t + 2] = static_cast<unsigned>(__all_sync(0xffffffffu, lane < 32));
    out[4 * t + 3] = static_cast<unsigned>(__all_sync(0xffffffffu, lane != 5));
    __syncwarp();
    if (lane < 16) out[4 * t + 0] += __ballot_sync(0x0000ffffu, 1) == 0xffffu ? 0u : 1000u;  // sub-mask vote
}

TEST(SimtRuntime, Votes) {
    std::vector<unsigned> out(32 * 4);
    launch<vote_probe_kernel>(dim3(1), dim3(32), 0, nullptr, out.data());
    unsigned ballot = 0;
    for (unsigned l = 0; l < 32; l += 3) ballot |= 1u << l;
    for (int t = 0; t < 32; ++t) {
        EXPECT_EQ(out[4 * t + 0], ballot);
        EXPECT_EQ(out[4 * t + 1], 1u);
        EXPECT_EQ(out[4 * t + 2], 1u);
        EXPECT_EQ(out[4 * t + 3], 0u);
    }
}

// ---- atomics (several OS threads run blocks at once) ---------------------------------------------

__global__ void atomics_kernel(int* counters /* [4] */, float* fsum, float* fmax) {
    __shared__ int block_count;
    const int id = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (threadIdx.x == 0) block_count = 0;
    __syncthreads();
    atomicAdd(&block_count, 1);                        // shared
    atomicAdd(&counters[0], 1);                        // global int
    atomicMax(&counters[1], id);
    int old = counters[2];                             // CAS increment loop
    for (;;) {
        const int seen = atomicCAS(&counters[2], old, old + 1);
        if (seen == old) break;
        old = seen;
    }
    atomicAdd(fsum, 1.0f);                             // exact below 2^24
    lf::simt::atomic_max_float(fmax, static_cast<float>(id) * 0.5f);
    __syncthreads();
    if (threadIdx.x == 0) atomicAdd(&counters[3], block_count);
}

TEST(SimtRuntime, AtomicsWithBlocksOnTwoOsThreads) {
    lf::simt::ScopedOptions scope({lf::simt::Schedule::random, 3, 2});
    std::vector<int> counters(4, 0);
    float fsum = 0.0f, fmax = -1.0f;
    launch<atomics_kernel>(dim3(64), dim3(96), 0, nullptr, counters.data(), &fsum, &fmax);
    const int n = 64 * 96;
    EXPECT_EQ(counters[0], n);
    EXPECT_EQ(counters[1], n - 1);
    EXPECT_EQ(counters[2], n);
    EXPECT_EQ(counters[3], n);
    EXPECT_EQ(fsum, static_cast<float>(n));
    EXPECT_EQ(fmax, static_cast<float>(n - 1) * 0.5f);
}

// ---- schedules ------------------------------------------------------------------------------------

// Racy on purpose: reads a neighbour's shared slot without a barrier, so the result shows the order.
__global__ void order_probe_kernel(int* out) {
    __shared__ int s[64];
    const int t = static_cast<int>(threadIdx.x);
    s[t] = -1;
    __syncthreads();
    s[t] = t;
    out[t] = s[(t + 1) % 64];
}

std::vector<int> run_order_probe(const lf::simt::Options& o) {
    lf::simt::ScopedOptions scope(o);
    std::vector<int> out(64);
    launch<order_probe_kernel>(dim3(1), dim3(64), 0, nullptr, out.data());
    return out;
}

TEST(SimtRuntime, RandomScheduleIsSeededAndReproducible) {
    const auto in_order = run_order_probe({lf::simt::Schedule::in_order, 0, 1});
    for (int t = 0; t < 63; ++t) EXPECT_EQ(in_order[t], -1) << "thread order 0, 1, 2, ...";
    EXPECT_EQ(in_order[63], 0);
    const auto a = run_order_probe({lf::simt::Schedule::random, 11, 1});
    const auto b = run_order_probe({lf::simt::Schedule::random, 11, 1});
    const auto c = run_order_probe({lf::simt::Schedule::random, 12, 1});
    EXPECT_EQ(a, b);
    EXPECT_NE(a, in_order);
    EXPECT_NE(a, c);
}

// ---- errors instead of hangs ----------------------------------------------------------------------

__global__ void early_exit_shuffle_kernel(int* out) {
    const int lane = static_cast<int>(threadIdx.x % 32);
    if (lane >= 16) return;
    out[lane] = __shfl_sync(0xffffffffu, lane, 0);
}

__global__ void lane_outside_mask_kernel(int* out) {
    out[threadIdx.x] = __shfl_sync(0x1u, static_cast<int>(threadIdx.x), 0);
}

__global__ void partial_warp_read_kernel(int* out) {
    out[threadIdx.x] = __shfl_down_sync(0xffffffffu, static_cast<int>(threadIdx.x), 8);
}

__global__ void mismatched_collective_kernel(int* out) {
    const unsigned lane = threadIdx.x % 32;
    out[threadIdx.x] = lane < 16 ? static_cast<int>(__ballot_sync(0xffffffffu, 1)) : __any_sync(0xffffffffu, 1);
}

__global__ void shuffle_vs_barrier_kernel(int* out) {
    const int lane = static_cast<int>(threadIdx.x % 32);
    if (lane < 16) out[lane] = __shfl_sync(0xffffffffu, lane, 0);
    __syncthreads();
}

template <auto Kernel>
std::string launch_error(dim3 grid, dim3 block, std::size_t shared = 0) {
    std::vector<int> out(2048);
    try {
        launch<Kernel>(grid, block, shared, nullptr, out.data());
    } catch (const lf::Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(SimtRuntime, ReportsLaneThatExitedBeforeAShuffle) {
    const std::string e = launch_error<early_exit_shuffle_kernel>(dim3(1), dim3(32));
    EXPECT_NE(e.find("early_exit_shuffle_kernel"), std::string::npos) << e;
    EXPECT_NE(e.find("has exited"), std::string::npos) << e;
}

TEST(SimtRuntime, ReportsCallerOutsideItsMask) {
    const std::string e = launch_error<lane_outside_mask_kernel>(dim3(1), dim3(32));
    EXPECT_NE(e.find("is not in mask"), std::string::npos) << e;
}

TEST(SimtRuntime, ReportsShuffleFromMissingLaneOfPartialWarp) {
    const std::string e = launch_error<partial_warp_read_kernel>(dim3(1), dim3(16));
    EXPECT_NE(e.find("partial warp"), std::string::npos) << e;
}

TEST(SimtRuntime, ReportsLanesAtDifferentCollectives) {
    const std::string e = launch_error<mismatched_collective_kernel>(dim3(1), dim3(32));
    EXPECT_NE(e.find("disagree"), std::string::npos) << e;
}

TEST(SimtRuntime, ReportsDeadlockBetweenShuffleAndBarrier) {
    const std::string e = launch_error<shuffle_vs_barrier_kernel>(dim3(1), dim3(32));
    EXPECT_NE(e.find("deadlock"), std::string::npos) << e;
    EXPECT_NE(e.find("threads 0-15 wait at __shfl_sync"), std::string::npos) << e;
}

TEST(SimtRuntime, RejectsInvalidLaunchConfigurations) {
    EXPECT_NE(launch_error<lane_outside_mask_kernel>(dim3(1), dim3(32, 32, 2)).find("more than 1024"), std::string::npos);
    EXPECT_NE(launch_error<lane_outside_mask_kernel>(dim3(0), dim3(32)).find("zero"), std::string::npos);
    EXPECT_NE(launch_error<lane_outside_mask_kernel>(dim3(1), dim3(32), 64 * 1024).find("48 KiB"), std::string::npos);
}

TEST(SimtRuntime, DeviceIntrinsicOutsideAKernelThrows) {
    EXPECT_THROW(__syncthreads(), lf::Error);
}

// ---- nvcuda::wmma emulation ------------------------------------------------------------------------

namespace wmma = nvcuda::wmma;

TEST(SimtWmma, Tf32RoundingIsToNearestTiesAway) {
    EXPECT_EQ(wmma::__float_to_tf32(1.0f + 0x1p-11f), 1.0f + 0x1p-10f);  // tie: away from zero
    EXPECT_EQ(wmma::__float_to_tf32(-(1.0f + 0x1p-11f)), -(1.0f + 0x1p-10f));
    EXPECT_EQ(wmma::__float_to_tf32(1.0f + 0x1p-12f), 1.0f);
    EXPECT_EQ(wmma::__float_to_tf32(1.0f + 0x1p-10f), 1.0f + 0x1p-10f);  // representable: unchanged
}

// One m16n16k8 product, A and B loaded column-major and row-major, stored column-major.
__global__ void wmma_probe_kernel(const float* a /* [16, 8] col-major, ld 16 */,
                                  const float* b /* [8, 16] row-major, ld 16 */, float* c /* [16, 16] col-major */) {
    wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::col_major> fa;
    wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> fb;
    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc;
    wmma::fill_fragment(acc, 1.0f);
    wmma::load_matrix_sync(fa, a, 16);
    wmma::load_matrix_sync(fb, b, 16);
    wmma::mma_sync(acc, fa, fb, acc);
    for (int i = 0; i < acc.num_elements; ++i) acc.x[i] *= 2.0f;  // element-wise: layout-independent
    wmma::store_matrix_sync(c, acc, 16, wmma::mem_col_major);
}

TEST(SimtWmma, MmaMatchesAPlainProduct) {
    alignas(32) float a[16 * 8], b[8 * 16], c[16 * 16];
    for (int i = 0; i < 16 * 8; ++i) a[i] = static_cast<float>(i % 5 - 2);
    for (int i = 0; i < 8 * 16; ++i) b[i] = static_cast<float>(i % 3 - 1) * (1.0f + 0x1p-14f);  // TF32 drops 2^-14
    launch<wmma_probe_kernel>(dim3(1), dim3(32), 0, nullptr, a, b, c);
    for (int i = 0; i < 16; ++i) {
        for (int j = 0; j < 16; ++j) {
            float want = 1.0f;
            for (int k = 0; k < 8; ++k) want += a[k * 16 + i] * static_cast<float>((k * 16 + j) % 3 - 1);
            EXPECT_EQ(c[j * 16 + i], 2.0f * want) << i << ", " << j;
        }
    }
}

__global__ void wmma_lane_dependent_kernel(float* out) {
    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc;
    wmma::fill_fragment(acc, 0.0f);
    acc.x[0] = static_cast<float>(threadIdx.x);  // BUG: which lane owns x[0] is unspecified
    wmma::store_matrix_sync(out, acc, 16, wmma::mem_row_major);
}

TEST(SimtWmma, ReportsLaneDependentFragments) {
    alignas(32) float out[16 * 16];
    std::string e = "no error";
    try {
        launch<wmma_lane_dependent_kernel>(dim3(1), dim3(32), 0, nullptr, out);
    } catch (const lf::Error& error) {
        e = error.what();
    }
    EXPECT_NE(e.find("holds a different fragment than lane 0"), std::string::npos) << e;
}

TEST(SimtWmma, ReportsMisalignedPointerAndPartialWarp) {
    alignas(32) float out[16 * 16 + 8];
    std::string e = "no error";
    try {
        launch<wmma_probe_kernel>(dim3(1), dim3(32), 0, nullptr, out + 1, out, out);
    } catch (const lf::Error& error) {
        e = error.what();
    }
    EXPECT_NE(e.find("is not 256-bit (32-byte) aligned"), std::string::npos) << e;
    e = "no error";
    try {
        launch<wmma_probe_kernel>(dim3(1), dim3(16), 0, nullptr, out, out, out);
    } catch (const lf::Error& error) {
        e = error.what();
    }
    EXPECT_NE(e.find("partial warp"), std::string::npos) << e;
}

TEST(SimtRuntime, KernelNameFromSignature) {
    using lf::simt::detail::kernel_name_from_signature;
    EXPECT_EQ(kernel_name_from_signature(
                  "void lf::simt::launch(dim3, dim3, std::size_t, lf::Stream, Args&& ...) [with auto Kernel = "
                  "lf::emu::{anonymous}::gemm_tiled_kernel<16>; Args = {lf::GemmParams&}]"),
              "gemm_tiled_kernel");
    EXPECT_EQ(kernel_name_from_signature("void lf::simt::launch(dim3, dim3, size_t, lf::Stream, Args &&...) [Kernel = "
                                         "&lf::emu::(anonymous namespace)::plain_kernel, Args = <int *>]"),
              "plain_kernel");
}

TEST(SimtRuntime, RecordsLaunchedKernelNames) {
    std::vector<int> out(64);
    launch<order_probe_kernel>(dim3(1), dim3(64), 0, nullptr, out.data());
    const auto names = lf::simt::launched_kernels();
    EXPECT_NE(std::find(names.begin(), names.end(), "order_probe_kernel"), names.end());
}

}  // namespace
