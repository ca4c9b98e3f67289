// bench_inception.cpp: Google Benchmark for the FID pieces on the CPU (run by hand; the PyTorch and
// scipy baselines are in bench/fid_vs_pytorch.py):
//   BM_InceptionFeatures/<batch>    images/s of the whole FID InceptionV3 (299x299 inputs, random
//                                   weights from InceptionFid::random_state_dict), CPU backend
//   BM_ConvBnRelu/<layer>           GFLOP/s of representative convs (CPU backend: im2col + SGEMM)
//   BM_FrechetDistance/<d>/<route>/<N>  the Fréchet distance of two d-dimensional statistics of N
//                                   samples (route 0: the default, Cholesky or pivoted Cholesky;
//                                   1: the eigen route)
//   BM_SymmetricEigenvalues/<n>/<what>  eigenvalues of a random n x n covariance-like matrix (what
//                                   0: the two-stage solver, 1: its dense -> band stage alone,
//                                   2: its band -> tridiagonal stage alone, 3: LAPACK dsyevd)
// Thread count: OPENBLAS_NUM_THREADS (OpenBLAS and the lfgen thread pool).
//   OPENBLAS_NUM_THREADS=2 build/bench/bench_inception --benchmark_filter=Frechet
#include <benchmark/benchmark.h>

#include <random>

#include <lapacke.h>

#include "kernels/core/cpu_threads.h"
#include "linalg/band_reduction.h"
#include "linalg/band_tridiagonal.h"
#include "linalg/frechet_distance.h"
#include "linalg/symmetric_eigenvalues.h"
#include "nets/inception.h"
#include "weights/safetensors.h"

namespace lf {
namespace {

const InceptionFid& random_net() {
    static const InceptionFid net = [] {
        auto bytes = std::make_shared<std::vector<std::uint8_t>>(
            serialize_safetensors(InceptionFid::random_state_dict(1)));
        return InceptionFid::from_file(SafetensorsFile::from_bytes(bytes, "random inception"));
    }();
    return net;
}

Tensor random_tensor(Shape shape, std::uint32_t seed, float lo, float hi) {
    Tensor t = Tensor::empty(std::move(shape), DType::F32);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(lo, hi);
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = u(rng);
    return t;
}

void BM_InceptionFeatures(benchmark::State& state) {
    const InceptionFid& net = random_net();
    const int batch = static_cast<int>(state.range(0));
    const Tensor x = random_tensor({batch, 3, 299, 299}, 2, 0.0f, 1.0f);
    for (auto _ : state) benchmark::DoNotOptimize(net.features(x, 2048, inception_cpu_backend()));
    state.SetItemsProcessed(state.iterations() * batch);
    state.counters["images_per_s"] =
        benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_InceptionFeatures)->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime();

struct ConvShape {
    const char* name;
    int in, h, w, out, kh, kw, stride, ph, pw;
};
const ConvShape kConvShapes[] = {
    {"Conv2d_2b_3x3", 32, 147, 147, 64, 3, 3, 1, 1, 1},
    {"Conv2d_4a_3x3", 80, 73, 73, 192, 3, 3, 1, 0, 0},
    {"Mixed_5b.branch5x5_2", 48, 35, 35, 64, 5, 5, 1, 2, 2},
    {"Mixed_6b.branch7x7_2", 128, 17, 17, 128, 1, 7, 1, 0, 3},
    {"Mixed_7b.branch3x3dbl_2", 448, 8, 8, 384, 3, 3, 1, 1, 1},
    {"Mixed_7c.branch1x1", 2048, 8, 8, 320, 1, 1, 1, 0, 0},
};

void BM_ConvBnRelu(benchmark::State& state) {
    const ConvShape& s = kConvShapes[state.range(0)];
    const int batch = 8;
    state.SetLabel(s.name);
    const Tensor x = random_tensor({batch, s.in, s.h, s.w}, 3, 0.0f, 1.0f);
    const Tensor w = random_tensor({s.out, s.in, s.kh, s.kw}, 4, -0.1f, 0.1f);
    const Tensor b = random_tensor({s.out}, 5, -0.1f, 0.1f);
    ConvBnReluParams p;
    p.x = x.data<float>();
    p.weight = w.data<float>();
    p.bias = b.data<float>();
    p.batch = batch;
    p.in_channels = s.in;
    p.height = s.h;
    p.width = s.w;
    p.out_channels = s.out;
    p.kernel_h = s.kh;
    p.kernel_w = s.kw;
    p.stride_h = p.stride_w = s.stride;
    p.pad_h = s.ph;
    p.pad_w = s.pw;
    p.y_channels = s.out;
    Tensor y = Tensor::empty({batch, s.out, p.out_height(), p.out_width()}, DType::F32);
    p.y = y.data<float>();
    for (auto _ : state) cpu::conv_bn_relu(p);
    const double flops = 2.0 * batch * s.out * p.out_height() * p.out_width() * s.in * s.kh * s.kw;
    state.counters["GFLOP/s"] =
        benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ConvBnRelu)->DenseRange(0, 5)->Unit(benchmark::kMillisecond)->UseRealTime();

GaussianStats random_stats(int d, int n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g;
    Tensor x = Tensor::empty({n, d}, DType::F64);
    std::vector<double> z(static_cast<std::size_t>(d));
    for (int i = 0; i < n; ++i) {
        for (double& v : z) v = g(rng);
        for (int j = 0; j < d; ++j)
            x.data<double>()[static_cast<std::int64_t>(i) * d + j] = z[j] + 0.5 * z[(j + d - 1) % d];
    }
    return gaussian_stats(x, "random");
}

void BM_FrechetDistance(benchmark::State& state) {
    const int d = static_cast<int>(state.range(0));
    const FrechetRoute route = state.range(1) == 0 ? FrechetRoute::Cholesky : FrechetRoute::Eigen;
    const int n = static_cast<int>(state.range(2));
    const GaussianStats a = random_stats(d, n, 1), b = random_stats(d, n, 2);
    FrechetResult r;
    for (auto _ : state) benchmark::DoNotOptimize(r = frechet_distance(a, b, "a", "b", route));
    state.SetLabel(r.route == FrechetRoute::Cholesky
                       ? "cholesky"
                       : (r.route == FrechetRoute::Eigen ? "eigen" : "pivoted-cholesky"));
}
// {d, route (0 default, 1 eigen), samples}: full rank (N = 1.5 d) and the seed's N = 1000 < d.
BENCHMARK(BM_FrechetDistance)
    ->Args({2048, 0, 3072})
    ->Args({2048, 1, 3072})
    ->Args({2048, 0, 1000})
    ->Args({2048, 1, 1000})
    ->Args({512, 0, 768})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_SymmetricEigenvalues(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0));
    const int what = static_cast<int>(state.range(1));
    const GaussianStats s = random_stats(n, n + n / 2, 3);
    const double* sigma = s.sigma.data<double>();
    std::vector<double> a(sigma, sigma + static_cast<std::size_t>(n) * n), d(static_cast<std::size_t>(n)),
        e(static_cast<std::size_t>(n));
    BulgeBand reduced(n, kTwoStageBandwidth);
    if (what == 2) symmetric_to_band(a.data(), n, n, reduced, cpu_threads());
    for (auto _ : state) {
        state.PauseTiming();
        std::copy(sigma, sigma + a.size(), a.begin());
        BulgeBand band = reduced;
        state.ResumeTiming();
        if (what == 0) benchmark::DoNotOptimize(symmetric_eigenvalues_two_stage(a.data(), n, n));
        if (what == 1) symmetric_to_band(a.data(), n, n, band, cpu_threads());
        if (what == 2) band_to_tridiagonal(band, d.data(), e.data(), cpu_threads());
        if (what == 3) LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'N', 'L', n, a.data(), n, d.data());
    }
    static const char* const kLabels[] = {"two-stage", "dense->band", "band->tridiagonal", "LAPACK dsyevd"};
    state.SetLabel(kLabels[what]);
}
BENCHMARK(BM_SymmetricEigenvalues)
    ->ArgsProduct({{512, 768, 1024, 2048}, {0, 1, 2, 3}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace lf

BENCHMARK_MAIN();
