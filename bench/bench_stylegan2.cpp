// bench_stylegan2.cpp: Google Benchmark for the StyleGAN2 CPU backend: each op at the shapes of the
// official networks (GFLOP/s counted as executed, 2 FLOP per MAC) and end-to-end images/s for
// random-weight paper256 and config-F models written with lfgen's initializer.
//   build/bench/bench_stylegan2 --benchmark_filter=Generate/paper256
#include <benchmark/benchmark.h>

#include <filesystem>
#include <vector>

#include "kernels/core/numpy_random.h"
#include "kernels/ops/modulated_conv2d.h"
#include "kernels/ops/upfirdn2d.h"
#include "nets/stylegan2.h"
#include "nets/stylegan2_init.h"

namespace {

std::vector<float> random_vector(std::size_t n, std::uint32_t seed, float scale = 1.0f, float offset = 0.0f) {
    lf::NumpyRandomState rs(seed);
    std::vector<float> v(n);
    for (float& x : v) x = offset + scale * static_cast<float>(rs.standard_normal());
    return v;
}

// Args: batch, in/out channels, input resolution, up.
void BM_ModulatedConv2d(benchmark::State& state) {
    const int n = static_cast<int>(state.range(0)), ch = static_cast<int>(state.range(1));
    const int res = static_cast<int>(state.range(2)), up = static_cast<int>(state.range(3));
    const auto x = random_vector(static_cast<std::size_t>(n) * ch * res * res, 1);
    const auto w = random_vector(static_cast<std::size_t>(ch) * ch * 9, 2);
    const auto s = random_vector(static_cast<std::size_t>(n) * ch, 3, 0.1f, 1.0f);
    const auto b = random_vector(ch, 4);
    const std::vector<float> f = {1 / 64.f, 3 / 64.f, 3 / 64.f, 1 / 64.f, 3 / 64.f, 9 / 64.f, 9 / 64.f, 3 / 64.f,
                                  3 / 64.f, 9 / 64.f, 9 / 64.f, 3 / 64.f, 1 / 64.f, 3 / 64.f, 3 / 64.f, 1 / 64.f};
    std::vector<float> y(static_cast<std::size_t>(n) * ch * res * res * up * up);
    lf::ModulatedConv2dParams p;
    p.x = x.data();
    p.weight = w.data();
    p.styles = s.data();
    p.bias = b.data();
    p.y = y.data();
    p.resample_filter = f.data();
    p.batch = n;
    p.in_channels = p.out_channels = ch;
    p.height = p.width = res;
    p.up = up;
    for (auto _ : state) {
        lf::cpu::modulated_conv2d(p);
        benchmark::DoNotOptimize(y.data());
    }
    // Executed MACs: conv on the input grid (a transposed conv for up = 2), plus the FIR for up = 2.
    double macs = static_cast<double>(n) * ch * ch * 9 * res * res;
    if (up == 2) macs += static_cast<double>(n) * ch * 16 * (2 * res) * (2 * res);
    state.counters["GFLOP/s"] = benchmark::Counter(2 * macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ModulatedConv2d)
    ->ArgNames({"batch", "ch", "res", "up"})
    ->Args({4, 512, 16, 1})
    ->Args({4, 512, 32, 1})
    ->Args({4, 256, 64, 1})
    ->Args({4, 128, 128, 1})
    ->Args({4, 512, 16, 2})
    ->Args({4, 256, 32, 2})
    ->Unit(benchmark::kMillisecond);

void BM_Upfirdn2dUpsample(benchmark::State& state) {
    const int planes = static_cast<int>(state.range(0)), res = static_cast<int>(state.range(1));
    const auto x = random_vector(static_cast<std::size_t>(planes) * res * res, 5);
    const std::vector<float> f(16, 1.0f / 16);
    std::vector<float> y(static_cast<std::size_t>(planes) * 4 * res * res);
    lf::Upfirdn2dParams p;
    p.x = x.data();
    p.filter = f.data();
    p.y = y.data();
    p.planes = planes;
    p.height = p.width = res;
    p.filter_h = p.filter_w = 4;
    p.up = 2;
    p.pad_x0 = p.pad_y0 = 2;
    p.pad_x1 = p.pad_y1 = 1;
    p.gain = 4;
    for (auto _ : state) {
        lf::cpu::upfirdn2d(p);
        benchmark::DoNotOptimize(y.data());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>((x.size() + y.size()) * sizeof(float)));
}
BENCHMARK(BM_Upfirdn2dUpsample)->ArgNames({"planes", "res"})->Args({12, 128})->Args({12, 512})->Unit(benchmark::kMillisecond);

// End to end: mapping + synthesis for `batch` images of a random-weight official-size model.
void BM_Generate(benchmark::State& state, const std::string& preset) {
    const int batch = static_cast<int>(state.range(0));
    const auto path = std::filesystem::temp_directory_path() / ("lf_bench_" + preset + ".safetensors");
    if (!std::filesystem::exists(path)) lf::stylegan2_write_random(lf::stylegan2_preset(preset), 0, path.string());
    const lf::StyleGan2 g = lf::StyleGan2::load(path.string());
    const auto zv = random_vector(static_cast<std::size_t>(batch) * g.config().z_dim, 6);
    lf::Tensor z = lf::Tensor::from_values<float>({batch, g.config().z_dim}, zv);
    for (auto _ : state) {
        const lf::Tensor ws = g.mapping(z, nullptr, 1.0f, -1);
        const lf::Tensor img = g.synthesis(ws, lf::SynthesisOptions{});
        benchmark::DoNotOptimize(img.raw_data());
    }
    state.counters["images/s"] = benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(BM_Generate, paper256, std::string("paper256"))->Arg(4)->Unit(benchmark::kSecond)->MinTime(5);
BENCHMARK_CAPTURE(BM_Generate, config_f, std::string("config-f"))->Arg(1)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
