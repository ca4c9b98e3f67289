// bench_stylegan2_cuda.cu: Google Benchmark for the StyleGAN2 CUDA kernels (lf::cuda::, kernels/ops)
// at the shapes of the official networks, timed with cudaEvents around each iteration
// (UseManualTime), L2 flushed before every timed run; counters GFLOP/s (2 FLOP per executed MAC,
// up=2 convs counted as transposed convs plus the 16-tap FIR, as stylegan2.md §6) or GB/s and
// "%peak" from a per-architecture peak table. Baseline beside the modulated 3x3 conv: cuDNN's
// cudnnConvolutionForward on the same (non-modulated) 3x3 conv, FP32 and TF32 math, when the build
// found cuDNN (LF_HAVE_CUDNN). Without a device every benchmark reports "no CUDA device".
//   build/bench/bench_stylegan2_cuda --benchmark_filter=ModConv
// Version argument of BM_ModConv3x3 / BM_CudnnConv3x3: 0 = FP32 (CUDA cores), 1 = TF32 tensor cores.
#include <benchmark/benchmark.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#if LF_HAVE_CUDNN
#include <cudnn.h>
#endif

#include "kernels/core/cuda_check.h"  // defines: LF_CUDA_CHECK
#include "kernels/core/device.h"
#include "kernels/ops/fully_connected.h"
#include "kernels/ops/modulated_conv2d.h"
#include "kernels/ops/torgb.h"
#include "kernels/ops/upfirdn2d.h"
#include "nets/stylegan2.h"
#include "nets/stylegan2_init.h"

namespace {

bool have_device(benchmark::State& state) {
    if (lf::cuda_device_count() > 0) return true;
    state.SkipWithError("no CUDA device");
    return false;
}

// Peak rates of device 0: FP32 FMA lanes and dense TF32 tensor-core FLOP per SM per clock
// (A100 sm_80: 64 FP32 FMA, 1024 TF32 FLOP; sm_86/89: 128 FMA, 512; H100 sm_90: 128 FMA, 2048),
// times SMs and the boost clock; DRAM bandwidth from the memory clock and bus width (DDR: x2).
struct DevicePeak {
    double fp32_flops = 0, tf32_flops = 0, bytes_per_s = 0;
};

const DevicePeak& device_peak() {
    static const DevicePeak peak = [] {
        DevicePeak p;
        int dev = 0, sms = 0, clock_khz = 0, mem_khz = 0, bus_bits = 0, major = 0, minor = 0;
        LF_CUDA_CHECK(cudaGetDevice(&dev));
        LF_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
        LF_CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, dev));
        LF_CUDA_CHECK(cudaDeviceGetAttribute(&mem_khz, cudaDevAttrMemoryClockRate, dev));
        LF_CUDA_CHECK(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, dev));
        LF_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev));
        LF_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, dev));
        const int cc = major * 10 + minor;
        const double fma_lanes = cc == 80 ? 64 : 128;
        const double tf32_per_clk = cc == 80 ? 1024 : cc >= 90 ? 2048 : 512;
        const double hz = clock_khz * 1e3;
        p.fp32_flops = sms * hz * fma_lanes * 2;
        p.tf32_flops = sms * hz * tf32_per_clk;
        p.bytes_per_s = 2.0 * mem_khz * 1e3 * bus_bits / 8;
        return p;
    }();
    return peak;
}

// A device buffer of n floats filled with uniform values in [lo, hi).
class DeviceArray {
public:
    DeviceArray(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) : n_(n) {
        std::mt19937 rng(seed);
        std::uniform_real_distribution<float> dist(lo, hi);
        std::vector<float> host(n);
        for (float& v : host) v = dist(rng);
        LF_CUDA_CHECK(cudaMalloc(&ptr_, n * sizeof(float)));
        LF_CUDA_CHECK(cudaMemcpy(ptr_, host.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    }
    ~DeviceArray() { cudaFree(ptr_); }
    DeviceArray(const DeviceArray&) = delete;
    DeviceArray& operator=(const DeviceArray&) = delete;
    float* get() const { return ptr_; }
    std::size_t bytes() const { return n_ * sizeof(float); }

private:
    float* ptr_ = nullptr;
    std::size_t n_ = 0;
};

// Times `body` (enqueued on the default stream) with cudaEvents; the L2 cache is flushed by
// overwriting a buffer twice its size before every timed run.
template <typename Body>
void run_timed(benchmark::State& state, Body&& body) {
    int dev = 0, l2 = 0;
    LF_CUDA_CHECK(cudaGetDevice(&dev));
    LF_CUDA_CHECK(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev));
    const std::size_t flush_bytes = 2 * static_cast<std::size_t>(l2 > 0 ? l2 : 1 << 20);
    void* flush = nullptr;
    LF_CUDA_CHECK(cudaMalloc(&flush, flush_bytes));
    cudaEvent_t start, stop;
    LF_CUDA_CHECK(cudaEventCreate(&start));
    LF_CUDA_CHECK(cudaEventCreate(&stop));
    body();  // warm-up (allocator pools, module load)
    LF_CUDA_CHECK(cudaDeviceSynchronize());
    for (auto _ : state) {
        LF_CUDA_CHECK(cudaMemsetAsync(flush, static_cast<int>(state.iterations() & 0xff), flush_bytes));
        LF_CUDA_CHECK(cudaEventRecord(start));
        body();
        LF_CUDA_CHECK(cudaEventRecord(stop));
        LF_CUDA_CHECK(cudaEventSynchronize(stop));
        float ms = 0.0f;
        LF_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
        state.SetIterationTime(ms * 1e-3);
    }
    LF_CUDA_CHECK(cudaEventDestroy(start));
    LF_CUDA_CHECK(cudaEventDestroy(stop));
    LF_CUDA_CHECK(cudaFree(flush));
}

void set_flop_counters(benchmark::State& state, double flop, double peak) {
    state.counters["GFLOP/s"] =
        benchmark::Counter(flop * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    // %peak = achieved / peak * 100, from the same per-iteration (manual) time.
    state.counters["%peak"] =
        benchmark::Counter(flop / peak * 100.0, benchmark::Counter::kIsIterationInvariantRate);
}

void set_byte_counters(benchmark::State& state, double bytes) {
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
    state.counters["%peak"] = benchmark::Counter(bytes / device_peak().bytes_per_s * 100.0,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

const std::vector<float> kResampleFilter = {1 / 64.f, 3 / 64.f, 3 / 64.f, 1 / 64.f, 3 / 64.f, 9 / 64.f,
                                            9 / 64.f, 3 / 64.f, 3 / 64.f, 9 / 64.f, 9 / 64.f, 3 / 64.f,
                                            1 / 64.f, 3 / 64.f, 3 / 64.f, 1 / 64.f};

// Args: version (0 FP32, 1 TF32 wmma, 2 the official fp16 block numerics (NonFused) on the wmma GEMM:
// half operands, exact in TF32, plus the pre-pass), batch, in = out channels, input resolution, up.
void BM_ModConv3x3(benchmark::State& state) {
    if (!have_device(state)) return;
    const int version = static_cast<int>(state.range(0)), n = static_cast<int>(state.range(1));
    const int ch = static_cast<int>(state.range(2)), res = static_cast<int>(state.range(3));
    const int up = static_cast<int>(state.range(4));
    const std::size_t out_plane = static_cast<std::size_t>(res * up) * (res * up);
    DeviceArray x(static_cast<std::size_t>(n) * ch * res * res, 1),
        w(static_cast<std::size_t>(ch) * ch * 9, 2);
    DeviceArray s(static_cast<std::size_t>(n) * ch, 3, 0.5f, 1.5f), b(ch, 4), noise(out_plane, 5);
    DeviceArray y(static_cast<std::size_t>(n) * ch * out_plane, 6), f(16, 7);
    LF_CUDA_CHECK(cudaMemcpy(f.get(), kResampleFilter.data(), 16 * sizeof(float), cudaMemcpyHostToDevice));
    lf::ModulatedConv2dParams p;
    p.x = x.get();
    p.weight = w.get();
    p.styles = s.get();
    p.noise = noise.get();
    p.noise_strength = 0.1f;
    p.bias = b.get();
    p.resample_filter = up == 2 ? f.get() : nullptr;
    p.y = y.get();
    p.batch = n;
    p.in_channels = p.out_channels = ch;
    p.height = p.width = res;
    p.up = up;
    p.clamp = 256.0f;
    if (version == 2) p.fp16 = lf::Fp16Mode::NonFused;
    run_timed(state, [&] {
        if (version >= 1)
            lf::cuda::modulated_conv2d_wmma(p);
        else
            lf::cuda::modulated_conv2d(p);
    });
    double macs = static_cast<double>(n) * ch * ch * 9 * res * res;
    if (up == 2) macs += static_cast<double>(n) * ch * 16 * out_plane;
    set_flop_counters(state, 2 * macs,
                      version >= 1 && up == 1 ? device_peak().tf32_flops : device_peak().fp32_flops);
}
BENCHMARK(BM_ModConv3x3)
    ->ArgNames({"version", "batch", "ch", "res", "up"})
    ->ArgsProduct({{0, 1, 2}, {4}, {512}, {16, 32, 64}, {1}})
    ->Args({0, 4, 256, 128, 1})
    ->Args({1, 4, 256, 128, 1})
    ->Args({2, 4, 256, 128, 1})
    ->Args({0, 4, 512, 32, 2})
    ->Args({0, 4, 256, 64, 2})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

#if LF_HAVE_CUDNN
#define LF_CUDNN_CHECK(expr)                                                                             \
    do {                                                                                                 \
        const cudnnStatus_t lf_status_ = (expr);                                                         \
        if (lf_status_ != CUDNN_STATUS_SUCCESS)                                                          \
            ::lf::detail::report_cuda_failure("cuDNN", #expr, cudnnGetErrorString(lf_status_), __func__, \
                                              __FILE__, __LINE__);                                       \
    } while (0)

// The cuDNN baseline: the same 3x3 'same' conv without modulation (NCHW fp32, cross-correlation),
// algorithm from cudnnGetConvolutionForwardAlgorithm_v7. Args: version (0 FP32 math, 1 TF32
// tensor-op math), batch, channels, resolution.
void BM_CudnnConv3x3(benchmark::State& state) {
    if (!have_device(state)) return;
    const int version = static_cast<int>(state.range(0)), n = static_cast<int>(state.range(1));
    const int ch = static_cast<int>(state.range(2)), res = static_cast<int>(state.range(3));
    DeviceArray x(static_cast<std::size_t>(n) * ch * res * res, 1),
        w(static_cast<std::size_t>(ch) * ch * 9, 2);
    DeviceArray y(static_cast<std::size_t>(n) * ch * res * res, 3);
    cudnnHandle_t handle;
    LF_CUDNN_CHECK(cudnnCreate(&handle));
    cudnnTensorDescriptor_t xd, yd;
    cudnnFilterDescriptor_t wd;
    cudnnConvolutionDescriptor_t cd;
    LF_CUDNN_CHECK(cudnnCreateTensorDescriptor(&xd));
    LF_CUDNN_CHECK(cudnnCreateTensorDescriptor(&yd));
    LF_CUDNN_CHECK(cudnnCreateFilterDescriptor(&wd));
    LF_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&cd));
    LF_CUDNN_CHECK(cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, ch, res, res));
    LF_CUDNN_CHECK(cudnnSetTensor4dDescriptor(yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, ch, res, res));
    LF_CUDNN_CHECK(cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, ch, ch, 3, 3));
    LF_CUDNN_CHECK(
        cudnnSetConvolution2dDescriptor(cd, 1, 1, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    LF_CUDNN_CHECK(cudnnSetConvolutionMathType(cd, version == 1 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH));
    cudnnConvolutionFwdAlgoPerf_t perf[8];
    int found = 0;
    LF_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(handle, xd, wd, cd, yd, 8, &found, perf));
    const cudnnConvolutionFwdAlgo_t algo = perf[0].algo;
    std::size_t ws_bytes = 0;
    LF_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(handle, xd, wd, cd, yd, algo, &ws_bytes));
    void* workspace = nullptr;
    if (ws_bytes) LF_CUDA_CHECK(cudaMalloc(&workspace, ws_bytes));
    const float one = 1.0f, zero = 0.0f;
    run_timed(state, [&] {
        LF_CUDNN_CHECK(cudnnConvolutionForward(handle, &one, xd, x.get(), wd, w.get(), cd, algo, workspace,
                                               ws_bytes, &zero, yd, y.get()));
    });
    set_flop_counters(state, 2.0 * n * ch * ch * 9 * res * res,
                      version == 1 ? device_peak().tf32_flops : device_peak().fp32_flops);
    state.SetLabel("algo " + std::to_string(static_cast<int>(algo)));
    if (workspace) LF_CUDA_CHECK(cudaFree(workspace));
    cudnnDestroyConvolutionDescriptor(cd);
    cudnnDestroyFilterDescriptor(wd);
    cudnnDestroyTensorDescriptor(yd);
    cudnnDestroyTensorDescriptor(xd);
    cudnnDestroy(handle);
}
BENCHMARK(BM_CudnnConv3x3)
    ->ArgNames({"version", "batch", "ch", "res"})
    ->ArgsProduct({{0, 1}, {4}, {512}, {16, 32, 64}})
    ->Args({0, 4, 256, 128})
    ->Args({1, 4, 256, 128})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
#endif  // LF_HAVE_CUDNN

// upsample2d of the skip image / resnet skip path. Args: planes, input resolution.
void BM_Upfirdn2dUpsample(benchmark::State& state) {
    if (!have_device(state)) return;
    const int planes = static_cast<int>(state.range(0)), res = static_cast<int>(state.range(1));
    DeviceArray x(static_cast<std::size_t>(planes) * res * res, 1),
        y(static_cast<std::size_t>(planes) * 4 * res * res, 2);
    DeviceArray f(16, 3);
    LF_CUDA_CHECK(cudaMemcpy(f.get(), kResampleFilter.data(), 16 * sizeof(float), cudaMemcpyHostToDevice));
    lf::Upfirdn2dParams p{x.get(), f.get(), y.get(), planes, res, res, 4, 4, 2, 1, 2, 1, 2, 1, false, 4.0f};
    run_timed(state, [&] { lf::cuda::upfirdn2d(p); });
    set_byte_counters(state, static_cast<double>(x.bytes() + y.bytes()));
}
BENCHMARK(BM_Upfirdn2dUpsample)
    ->ArgNames({"planes", "res"})
    ->Args({12, 256})
    ->Args({12, 512})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// ToRGB with the skip accumulation. Args: batch, channels, resolution.
void BM_ToRgb(benchmark::State& state) {
    if (!have_device(state)) return;
    const int n = static_cast<int>(state.range(0)), ch = static_cast<int>(state.range(1));
    const int res = static_cast<int>(state.range(2));
    DeviceArray x(static_cast<std::size_t>(n) * ch * res * res, 1), w(3 * static_cast<std::size_t>(ch), 2);
    DeviceArray s(static_cast<std::size_t>(n) * ch, 3), b(3, 4), f(16, 5);
    DeviceArray skip(static_cast<std::size_t>(n) * 3 * res * res / 4, 6),
        y(static_cast<std::size_t>(n) * 3 * res * res, 7);
    LF_CUDA_CHECK(cudaMemcpy(f.get(), kResampleFilter.data(), 16 * sizeof(float), cudaMemcpyHostToDevice));
    lf::ToRgbParams p;
    p.x = x.get();
    p.weight = w.get();
    p.styles = s.get();
    p.bias = b.get();
    p.skip = skip.get();
    p.filter = f.get();
    p.y = y.get();
    p.batch = n;
    p.in_channels = ch;
    p.out_channels = 3;
    p.height = p.width = res;
    run_timed(state, [&] { lf::cuda::torgb(p); });
    set_byte_counters(state, static_cast<double>(x.bytes() + skip.bytes() + y.bytes()));
}
BENCHMARK(BM_ToRgb)
    ->ArgNames({"batch", "ch", "res"})
    ->Args({4, 128, 256})
    ->Args({4, 32, 1024})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// A mapping layer (512 -> 512, lrelu). Args: batch.
void BM_FullyConnected(benchmark::State& state) {
    if (!have_device(state)) return;
    const int n = static_cast<int>(state.range(0));
    DeviceArray x(static_cast<std::size_t>(n) * 512, 1), w(512 * 512, 2), b(512, 3),
        y(static_cast<std::size_t>(n) * 512, 4);
    lf::FullyConnectedParams p{x.get(),    0, w.get(), b.get(), y.get(), n, 512, 512, lf::Activation::LRelu,
                               1.41421356f};
    run_timed(state, [&] { lf::cuda::fully_connected(p); });
    set_byte_counters(state, static_cast<double>(x.bytes() + w.bytes() + y.bytes()));
    state.counters["GFLOP/s"] =
        benchmark::Counter(2.0 * n * 512 * 512 * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_FullyConnected)->Arg(1)->Arg(16)->Arg(256)->UseManualTime()->Unit(benchmark::kMicrosecond);

// End to end on cuda_backend(0): mapping + synthesis of `batch` images of a random-weight model.
void BM_GenerateCuda(benchmark::State& state, const std::string& preset) {
    if (!have_device(state)) return;
    const int batch = static_cast<int>(state.range(0));
    const auto path = std::filesystem::temp_directory_path() / ("lf_bench_" + preset + ".safetensors");
    if (!std::filesystem::exists(path))
        lf::stylegan2_write_random(lf::stylegan2_preset(preset), 0, path.string());
    const lf::StyleGan2 g = lf::StyleGan2::load(path.string(), lf::cuda_backend(0));
    std::vector<float> zv(static_cast<std::size_t>(batch) * g.config().z_dim);
    std::mt19937 rng(6);
    std::normal_distribution<float> normal;
    for (float& v : zv) v = normal(rng);
    const lf::Tensor z = lf::Tensor::from_values<float>({batch, g.config().z_dim}, zv);
    run_timed(state, [&] {
        const lf::Tensor ws = g.mapping(z, nullptr, 1.0f, -1);
        const lf::Tensor img = g.synthesis(ws, lf::SynthesisOptions{});
        benchmark::DoNotOptimize(img.raw_data());
    });
    state.counters["images/s"] = benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(BM_GenerateCuda, paper256, std::string("paper256"))
    ->Arg(8)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_GenerateCuda, config_f, std::string("config-f"))
    ->Arg(4)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
