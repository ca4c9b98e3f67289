// bench_fastgan.cpp: Google Benchmark for the FastGAN CPU backend: each op at the shapes of the
// official generator (ngf 64, nz 256, batch 4) and end-to-end images/s for random-weight im_size 512
// (batch 4) and 1024 (batch 1) models written with lfgen's initializer (nets/fastgan_init.h).
// GFLOP/s counts the direct form of each conv (2 FLOP per MAC of a k x k conv over the upsampled
// grid), so the sub-pixel form of the upsampling convs (2.25x fewer executed MACs) shows up as
// a higher rate. Rates use wall time (UseRealTime: OpenBLAS runs its own threads; set
// OPENBLAS_NUM_THREADS). The PyTorch side-by-side is bench/fastgan_vs_pytorch.py.
//   build/bench/bench_fastgan --benchmark_filter=Generate
//   build/bench/bench_fastgan --benchmark_filter='Conv2d|UpConv'
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "kernels/core/numpy_random.h"
#include "kernels/ops/batchnorm_glu.h"
#include "kernels/ops/conv2d.h"
#include "kernels/ops/se_block.h"
#include "kernels/ops/upconv_bn_glu.h"
#include "nets/fastgan.h"
#include "nets/fastgan_init.h"

namespace {

std::vector<float> random_vector(std::size_t n, std::uint32_t seed, float scale = 1.0f, float offset = 0.0f) {
    lf::NumpyRandomState rs(seed);
    std::vector<float> v(n);
    for (float& x : v) x = offset + scale * static_cast<float>(rs.standard_normal());
    return v;
}

double conv_flops(int n, int in, int out, int k, int ho, int wo) {
    return 2.0 * n * in * out * k * k * static_cast<double>(ho) * wo;
}

// Args: batch, in channels, out channels, input resolution, kernel, upsample.
void BM_Conv2d(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0)), in = static_cast<int>(state.range(1));
    const int out = static_cast<int>(state.range(2)), res = static_cast<int>(state.range(3));
    const int k = static_cast<int>(state.range(4)), up = static_cast<int>(state.range(5));
    const auto x = random_vector(static_cast<std::size_t>(n) * in * res * res, 1);
    const auto w = random_vector(static_cast<std::size_t>(out) * in * k * k, 2, 0.05f);
    lf::Conv2dParams p;
    p.x = x.data();
    p.weight = w.data();
    p.batch = n;
    p.in_channels = in;
    p.out_channels = out;
    p.height = p.width = res;
    p.kernel = k;
    p.pad = k / 2;
    p.upsample = up;
    std::vector<float> y(static_cast<std::size_t>(n) * out * p.out_height() * p.out_width());
    p.y = y.data();
    for (auto _ : state) {
        lf::cpu::conv2d(p);
        benchmark::DoNotOptimize(y.data());
    }
    state.counters["GFLOP/s"] =
        benchmark::Counter(conv_flops(n, in, out, k, p.out_height(), p.out_width()) * 1e-9,
                           benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Conv2d)
    ->ArgNames({"batch", "in", "out", "res", "k", "up"})
    ->Args({4, 1024, 1024, 4, 3, 2})  // feat_8.1
    ->Args({4, 512, 512, 8, 3, 2})    // feat_16.1
    ->Args({4, 128, 256, 32, 3, 2})   // feat_64.1
    ->Args({4, 128, 128, 64, 3, 2})   // feat_128.1
    ->Args({4, 64, 128, 128, 3, 1})   // feat_128.5
    ->Args({4, 64, 64, 128, 3, 2})    // feat_256.1
    ->Args({4, 32, 32, 256, 3, 2})    // feat_512.1
    ->Args({4, 16, 32, 512, 3, 1})    // feat_512.5
    ->Args({4, 16, 3, 512, 3, 1})     // to_big (im 512)
    ->Args({4, 64, 3, 128, 1, 1})     // to_128
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Args: batch, C (output channels; the input has 2C), resolution, mode (0 eval, 1 batch).
void BM_BatchNormGlu(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0)), c = static_cast<int>(state.range(1));
    const int res = static_cast<int>(state.range(2));
    const std::int64_t plane = static_cast<std::int64_t>(res) * res;
    const auto x = random_vector(static_cast<std::size_t>(n) * 2 * c * plane, 3);
    const auto noise = random_vector(static_cast<std::size_t>(n) * plane, 4);
    const auto gamma = random_vector(2 * c, 5, 0.1f, 1.0f), beta = random_vector(2 * c, 6, 0.1f);
    const auto mean = random_vector(2 * c, 7, 0.1f), var = random_vector(2 * c, 8, 0.1f, 1.0f);
    std::vector<float> y(static_cast<std::size_t>(n) * c * plane);
    lf::BatchNormGluParams p;
    p.x = x.data();
    p.y = y.data();
    p.noise = noise.data();
    p.noise_strength = 0.1f;
    p.bn_weight = gamma.data();
    p.bn_bias = beta.data();
    p.running_mean = mean.data();
    p.running_var = var.data();
    p.mode = state.range(3) ? lf::BatchNormMode::Batch : lf::BatchNormMode::Eval;
    p.batch = n;
    p.channels = c;
    p.plane = plane;
    for (auto _ : state) {
        lf::cpu::batchnorm_glu(p);
        benchmark::DoNotOptimize(y.data());
    }
    state.counters["GB/s"] = benchmark::Counter((x.size() + y.size() + noise.size()) * sizeof(float) * 1e-9,
                                                benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_BatchNormGlu)
    ->ArgNames({"batch", "C", "res", "batchstats"})
    ->Args({4, 64, 128, 0})
    ->Args({4, 64, 128, 1})
    ->Args({4, 16, 512, 0})
    ->Args({4, 16, 512, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One up-block stage (CPU twin: conv + noise + BN + GLU). Args: batch, in, C, input resolution, up.
void BM_UpConvBnGlu(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0)), in = static_cast<int>(state.range(1));
    const int c = static_cast<int>(state.range(2)), res = static_cast<int>(state.range(3));
    const int up = static_cast<int>(state.range(4)), ho = res * up;
    const auto x = random_vector(static_cast<std::size_t>(n) * in * res * res, 9);
    const auto w = random_vector(static_cast<std::size_t>(2 * c) * in * 9, 10, 0.05f);
    const auto gamma = random_vector(2 * c, 11, 0.1f, 1.0f), beta = random_vector(2 * c, 12, 0.1f);
    const auto mean = random_vector(2 * c, 13, 0.1f), var = random_vector(2 * c, 14, 0.1f, 1.0f);
    std::vector<float> y(static_cast<std::size_t>(n) * c * ho * ho), scratch(2 * y.size());
    lf::UpConvBnGluParams p;
    p.x = x.data();
    p.weight = w.data();
    p.y = y.data();
    p.scratch = scratch.data();
    p.bn_weight = gamma.data();
    p.bn_bias = beta.data();
    p.running_mean = mean.data();
    p.running_var = var.data();
    p.batch = n;
    p.in_channels = in;
    p.channels = c;
    p.height = p.width = res;
    p.upsample = up;
    for (auto _ : state) {
        lf::cpu::upconv_bn_glu(p);
        benchmark::DoNotOptimize(y.data());
    }
    state.counters["GFLOP/s"] = benchmark::Counter(conv_flops(n, in, 2 * c, 3, ho, ho) * 1e-9,
                                                   benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_UpConvBnGlu)
    ->ArgNames({"batch", "in", "C", "res", "up"})
    ->Args({4, 128, 64, 64, 2})  // feat_128 stage 1
    ->Args({4, 32, 16, 256, 2})  // feat_512 stage 1
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Args: batch, small channels, small resolution, big channels, big resolution.
void BM_SeBlock(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0)), cs = static_cast<int>(state.range(1));
    const int rs = static_cast<int>(state.range(2)), cb = static_cast<int>(state.range(3));
    const int rb = static_cast<int>(state.range(4));
    const auto small = random_vector(static_cast<std::size_t>(n) * cs * rs * rs, 15);
    auto big = random_vector(static_cast<std::size_t>(n) * cb * rb * rb, 16);
    const auto w1 = random_vector(static_cast<std::size_t>(cb) * cs * 16, 17, 0.01f);
    const auto w2 = random_vector(static_cast<std::size_t>(cb) * cb, 18, 0.1f);
    lf::SeBlockParams p;
    p.small = small.data();
    p.big = big.data();
    p.w1 = w1.data();
    p.w2 = w2.data();
    p.batch = n;
    p.small_channels = cs;
    p.small_height = p.small_width = rs;
    p.big_channels = cb;
    p.big_plane = static_cast<std::int64_t>(rb) * rb;
    for (auto _ : state) {
        lf::cpu::se_block(p);
        benchmark::DoNotOptimize(big.data());
    }
    state.counters["GB/s"] =
        benchmark::Counter((small.size() + 2 * big.size() + w1.size()) * sizeof(float) * 1e-9,
                           benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SeBlock)
    ->ArgNames({"batch", "Cs", "small", "Cb", "big"})
    ->Args({4, 1024, 4, 128, 64})  // se_64
    ->Args({4, 128, 32, 16, 512})  // se_512
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// End to end: eval BatchNorm, noise none, z from seeds 0..batch-1 (like lfgen generate).
void BM_Generate(benchmark::State& state, int im_size) {
    const int batch = static_cast<int>(state.range(0));
    const auto path = std::filesystem::temp_directory_path() /
                      ("lf_bench_fastgan" + std::to_string(im_size) + "_ngf64_nz256.safetensors");
    if (!std::filesystem::exists(path)) lf::fastgan_write_random(im_size, 64, 256, 3, 0, path.string());
    const lf::FastGan g = lf::FastGan::load(path.string());
    const auto zv = random_vector(static_cast<std::size_t>(batch) * g.config().nz, 19);
    const lf::Tensor z = lf::Tensor::from_values<float>({batch, g.config().nz}, zv);
    lf::FastGanOptions opt;
    opt.bn = lf::BatchNormMode::Eval;
    opt.noise = lf::FastGanNoise::None;
    for (auto _ : state) {
        const lf::FastGanOutput out = g.forward(z, opt);
        benchmark::DoNotOptimize(out.image.raw_data());
    }
    state.counters["images/s"] = benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(BM_Generate, im512, 512)
    ->ArgName("batch")
    ->Arg(4)
    ->Unit(benchmark::kSecond)
    ->MinTime(5)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Generate, im1024, 1024)
    ->ArgName("batch")
    ->Arg(1)
    ->Unit(benchmark::kSecond)
    ->MinTime(5)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
